"""Bearer tokens of the HTTP API, kept hashed in a JSON file.

A token is ``mda_<id>_<secret>``: the id says which record to check (and names the token in
lists and logs without revealing it), the secret is 256 random bits. The file keeps only the
SHA-256 of the whole token: a stolen file gives no usable token, and 256 bits of entropy need
no slow password hash. Checking compares digests in constant time.

The file is the one place tokens live, so ``mda api token add`` on the command line and the
admin endpoints of a running service share it; the service rereads it when it changes (at most
once a second), so a token added or revoked takes effect without a restart.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from mda.api.roles import Role, parse_role
from mda.errors import ConfigError
from mda.settings.places import default_tokens_file
from mda.timefmt import iso

log = logging.getLogger("mda.api")
PREFIX: Final = "mda"
_ID_BYTES: Final = 6
_SECRET_BYTES: Final = 32
_NAME_MAX: Final = 64
_RELOAD_EVERY_S: Final = 1.0
# A digest to compare against when the id is unknown, so that a miss costs what a hit does.
_NO_DIGEST: Final = hashlib.sha256(b"no such token").hexdigest()


def prepare_tokens_file(path: Path) -> None:
    """Make sure a service can find its tokens at ``path``: mda's own default folder is made
    (owner only); a configured folder that does not exist is a ConfigError. A missing folder
    is most likely a typo or a volume not mounted, and a service that started anyway would
    refuse every request with 401 and never say why; making it would hide the mistake. A
    missing file in an existing folder is only logged: tokens may be added while the service
    runs (``mda api token add``), and it rereads the file."""
    if not path.parent.is_dir():
        if path != default_tokens_file():
            raise ConfigError(
                f"api.tokens_file: the folder {path.parent} does not exist (create it, or make "
                f"a token with `mda api token add --tokens-file {path}`, which creates it)"
            )
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        log.warning("no API tokens yet (%s): every request is refused until one is made with "
                    "`mda api token add`", path)  # fmt: skip


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """One token as stored: never the token itself, only its digest."""

    token_id: str
    name: str
    role: Role
    sha256: str
    created: str

    def public(self) -> dict[str, str]:
        """What may be shown of the record (lists, the admin endpoint)."""
        return {"id": self.token_id, "name": self.name, "role": str(self.role),
                "created": self.created}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request comes from: the token's name (as written to the audit log) and role."""

    name: str
    role: Role
    token_id: str


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _token_id(token: str) -> str | None:
    prefix, sep, rest = token.partition("_")
    token_id, sep2, secret = rest.partition("_")
    if prefix != PREFIX or not sep or not sep2 or not secret or len(token_id) != 2 * _ID_BYTES:
        return None
    return token_id


class TokenStore:
    """The token file: add, list and revoke tokens, and authenticate a presented one."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self._clock = clock
        self._records: dict[str, TokenRecord] = {}
        self._stamp: tuple[int, int] | None = None  # mtime and size when last read
        self._checked = float("-inf")
        self._load()

    # -- reading --------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._records, self._stamp = {}, None
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp == self._stamp:
            return
        self._records = {r.token_id: r for r in _read(self.path)}
        self._stamp = stamp

    def _fresh(self) -> dict[str, TokenRecord]:
        now = self._clock()
        if now - self._checked >= _RELOAD_EVERY_S:
            self._checked = now
            self._load()
        return self._records

    def records(self) -> list[TokenRecord]:
        """Every token record, by name."""
        self._load()
        return sorted(self._records.values(), key=lambda r: r.name)

    def authenticate(self, token: str) -> Principal | None:
        """The principal of a presented token, or None when it is malformed, unknown or
        revoked."""
        token_id = _token_id(token)
        record = self._fresh().get(token_id) if token_id is not None else None
        expected = record.sha256 if record is not None else _NO_DIGEST
        if not hmac.compare_digest(digest(token), expected) or record is None:
            return None
        return Principal(record.name, record.role, record.token_id)

    # -- writing --------------------------------------------------------------------------

    def add(self, name: str, role: Role | str, *, now: float | None = None) -> str:
        """Create a token for ``name`` with ``role``; returns the token, which is shown
        once and kept nowhere. Names are unique (ConfigError if taken)."""
        role = parse_role(role) if isinstance(role, str) else role
        name = name.strip()
        if not name or len(name) > _NAME_MAX or not name.isprintable():
            raise ConfigError(f"token name {name!r}: 1 to {_NAME_MAX} printable characters")
        with self._locked() as records:
            if any(r.name == name for r in records.values()):
                raise ConfigError(f"a token named {name!r} exists; revoke it first")
            token_id = secrets.token_hex(_ID_BYTES)
            while token_id in records:
                token_id = secrets.token_hex(_ID_BYTES)
            token = f"{PREFIX}_{token_id}_{secrets.token_urlsafe(_SECRET_BYTES)}"
            created = iso(time.time() if now is None else now) or ""
            records[token_id] = TokenRecord(token_id, name, role, digest(token), created)
        return token

    def revoke(self, name: str) -> bool:
        """Remove the token named ``name``; False if there is none."""
        with self._locked() as records:
            found = [i for i, r in records.items() if r.name == name]
            for token_id in found:
                del records[token_id]
        return bool(found)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, TokenRecord]]:
        """The records, read and written back under a lock (the command line and a running
        service may write the same file)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            records = {r.token_id: r for r in _read(self.path)} if self.path.exists() else {}
            yield records
            _write(self.path, list(records.values()))
        self._stamp = None
        self._checked = float("-inf")
        self._load()


def _read(path: Path) -> list[TokenRecord]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the token file {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ConfigError(f"the token file {path} is not JSON: {exc}") from exc
    rows = document.get("tokens") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        raise ConfigError(f'the token file {path} has no "tokens" list')
    return [_record(row, path, i) for i, row in enumerate(rows)]


def _record(row: Any, path: Path, i: int) -> TokenRecord:
    keys = ("id", "name", "role", "sha256", "created")
    if not isinstance(row, dict) or not all(isinstance(row.get(k), str) for k in keys):
        raise ConfigError(f"{path}: tokens[{i}] needs the strings {', '.join(keys)}")
    try:
        role = parse_role(row["role"])
    except ConfigError as exc:
        raise ConfigError(f"{path}: tokens[{i}]: {exc}") from exc
    return TokenRecord(row["id"], row["name"], role, row["sha256"], row["created"])


def _write(path: Path, records: list[TokenRecord]) -> None:
    rows = [{**r.public(), "sha256": r.sha256} for r in sorted(records, key=lambda r: r.name)]
    text = json.dumps({"tokens": rows}, indent=2) + "\n"
    # Written whole to a neighbour, then renamed: a reader never sees half a file.
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise ConfigError(f"cannot write the token file {path}: {exc.strerror or exc}") from exc
