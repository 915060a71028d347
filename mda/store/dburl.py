"""Database URLs: checked before anything connects, shown without their password."""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict

from mda.errors import ConfigError

_SCHEMES = ("postgresql://", "postgres://")


def check_database_url(url: str) -> str:
    """``url`` if it is a PostgreSQL URL (or libpq key=value string); one clear line if not."""
    scheme, sep, _ = url.partition("://")
    if sep and not url.startswith(_SCHEMES):
        raise ConfigError(
            f"{redact_url(url)!r} is not a PostgreSQL URL: mda stores into PostgreSQL or "
            f"TimescaleDB (postgresql://USER@HOST:PORT/DB), not {scheme}"
        )
    try:
        conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise ConfigError(
            f"{redact_url(url)!r} is not a PostgreSQL URL (postgresql://USER@HOST:PORT/DB): "
            f"{str(exc).strip().splitlines()[0]}"
        ) from exc
    return url


def redact_url(url: str) -> str:
    """A database URL without its password, for messages."""
    head, sep, tail = url.partition("://")
    if not sep or "@" not in tail:
        return url
    credentials, _, host = tail.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{head}://{user}@{host}"
