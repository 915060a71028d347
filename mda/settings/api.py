"""The ``[api]`` table of the service configuration::

    [api]
    listen = "127.0.0.1:8080"          # leave out to run without the HTTP API
    tokens_file = "/etc/mda/api-tokens.json"
    max_window_days = 31               # longest time window of a history query or export
    max_rows = 500000                  # most rows one history answer may hold
    statement_timeout_s = 15           # a store query running longer is cancelled
    query_workers = 2                  # store queries running at once (each in a thread)

Each key can be overridden by ``MDA_API_<KEY>`` (``MDA_API_LISTEN``, ``MDA_API_TOKENS_FILE``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from mda.errors import ConfigError
from mda.net.address import parse_host_port
from mda.settings.checks import from_environment, typed_table
from mda.settings.places import default_tokens_file

_KEYS: Final[dict[str, type]] = {
    "listen": str, "tokens_file": str, "max_window_days": float, "max_rows": int,
    "statement_timeout_s": float, "query_workers": int,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """How the HTTP API listens and what it allows."""

    listen: str | None = None
    tokens_file: Path = field(default_factory=default_tokens_file)
    max_window_days: float = 31.0
    max_rows: int = 500_000
    statement_timeout_s: float = 15.0
    query_workers: int = 2
    # Live stream: bytes one client may have waiting before it is dropped as too slow, and
    # how often vessel updates go out (so at most one per vessel per interval).
    stream_buffer_bytes: int = 8 << 20
    vessel_update_s: float = 1.0
    page_max: int = 10_000  # most vessels in one page of the live picture
    # Largest request body: every body the API takes is a small JSON object (a token
    # request, a note, a comment).
    max_body_bytes: int = 1 << 20

    @property
    def max_window(self) -> timedelta:
        """The longest window of a history query."""
        return timedelta(days=self.max_window_days)


def parse_api(table: Any, env: Mapping[str, str], where: str, base: Path) -> ApiSettings | None:
    """Settings from the ``[api]`` table of a parsed document (None when there is no table
    and no ``MDA_API_*`` variable: the service then runs without the API). ``base`` is the
    folder a relative ``tokens_file`` starts from."""
    if table is None:
        table = {}
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [api] must be a table")
    values = typed_table(table, _KEYS, f"{where}: api.")
    values.update(from_environment(env, "api", _KEYS))
    if not values and not table:
        return None
    settings = ApiSettings(**{k: v for k, v in values.items() if k != "tokens_file"})
    if "tokens_file" in values:
        settings = replace(settings, tokens_file=(base / values["tokens_file"]).expanduser())
    _check(settings, where)
    return settings


def _check(s: ApiSettings, where: str) -> None:
    if s.listen is not None:
        try:
            parse_host_port(s.listen, default_host="127.0.0.1")  # port 0: any free port
        except ValueError as exc:
            raise ConfigError(f"{where}: api.listen: {s.listen!r} is not host:port") from exc
    if not 0 < s.max_window_days <= 3660:
        raise ConfigError(f"{where}: api.max_window_days: must be more than 0 (days)")
    if s.max_rows < 1 or s.query_workers < 1 or s.statement_timeout_s <= 0:
        raise ConfigError(
            f"{where}: api.max_rows, api.query_workers and api.statement_timeout_s must be positive"
        )

