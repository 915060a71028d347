"""Mosquitto access for partner feeds: a password file and an ACL file from the feeds config.

Each partner is a broker user named like its feed and may only *read* its own
``{prefix}/feeds/{partner}/#``: it cannot subscribe to anything else with effect, and cannot
publish at all. mda's service user may write under ``{prefix}/#`` and read acknowledgements
(``service_read``). With ``allow_anonymous false``, nobody else gets in.

Passwords are stored as Mosquitto 2's PBKDF2-SHA512 entries,
``user:$7$<iterations>$<base64 salt>$<base64 hash>`` (a 12-byte salt and a 64-byte hash, as
``mosquitto_passwd`` writes them), computed here so no Mosquitto tools are needed. A password
comes from the secrets file when it names the user; otherwise an entry already in the output
password file is kept; otherwise a random one is made and returned to be shown once, never
written in clear anywhere.

Watch consoles can be mda's users too: ``[feeds.consoles]`` names each console's broker user and
its role, ``watch`` (reads ``{prefix}/alerts/#``, acknowledges on ``{prefix}/ack/<id>`` and
reads the answers on ``{prefix}/ack/<id>/outcome``) or ``viewer`` (reads the alerts only). Their
blocks carry a ``# mda console: <role>`` line, which tells them from a console's block written
by hand; a console dropped from the config loses its user like a partner dropped from it.

Users mda does not manage are kept: a watch console added with ``mosquitto_passwd`` and given
ACL lines by hand keeps both. mda's users are its service user and its partners; a user of the
previous files was mda's if its ACL block is one mda writes (the service's ``topic write
<prefix>/#``, a partner's lone ``topic read <prefix>/feeds/<user>/#``). Every other user of the
password file, and every other block of the ACL file, is copied as it was; the secrets file may
set such a user's password too.
"""

from __future__ import annotations

import base64
import grp
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from mda.errors import ConfigError
from mda.settings.feed_spec import PARTNER_NAME, FeedsConfig
from mda.settings.tomlfile import read_toml

PBKDF2_ITERATIONS: Final = 10_000
SALT_BYTES: Final = 12
HASH_BYTES: Final = 64
PASSWORD_FILE: Final = "passwd"
ACL_FILE: Final = "acl"
BROKER_GROUP: Final = "mosquitto"  # the group Debian's (and most distributions') broker runs as


def password_entry(
    user: str, password: str, *, iterations: int = PBKDF2_ITERATIONS, salt: bytes | None = None
) -> str:
    """One line of a Mosquitto password file (without the newline)."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, HASH_BYTES)
    b64 = base64.b64encode
    return f"{user}:$7${iterations}${b64(salt).decode()}${b64(digest).decode()}"


def entry_matches(entry: str, password: str) -> bool:
    """Whether a password-file line holds this password (PBKDF2 entries only)."""
    _, _, hashed = entry.partition(":")
    parts = hashed.split("$")
    if len(parts) != 5 or parts[1] != "7" or not parts[2].isdigit():
        return False
    salt, expected = base64.b64decode(parts[3]), base64.b64decode(parts[4])
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, int(parts[2]), len(expected))
    return hmac.compare_digest(digest, expected)


CONSOLE_MARK: Final = "# mda console:"


def console_rules(prefix: str, role: str) -> list[str]:
    """The ACL lines of a watch console of ``role`` (see the module's notes)."""
    rules = [f"topic read {prefix}/alerts/#"]
    if role == "watch":
        rules += [f"topic write {prefix}/ack/+", f"topic read {prefix}/ack/+/outcome"]
    return rules


_PARTNER_RULE: Final = re.compile(r"topic read \S+/feeds/([^/\s]+)/#")
_SERVICE_RULE: Final = re.compile(r"topic write \S+/#")


@dataclass(slots=True)
class ForeignAcl:
    """What an existing ACL file holds beyond mda's own blocks."""

    general: list[str] = field(default_factory=list)  # rules before any ``user`` line
    blocks: dict[str, list[str]] = field(default_factory=dict)  # user -> its lines, as written
    managed: set[str] = field(default_factory=set)  # users whose block mda wrote


def parse_acl(text: str) -> ForeignAcl:
    """Split an existing ACL file into mda's users and everything else."""
    out = ForeignAcl()
    user: str | None = None
    blocks: dict[str, list[str]] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("user "):
            user = line.removeprefix("user ").strip()
            blocks.setdefault(user, [])
        elif user is None:
            if line and not line.startswith("#"):
                out.general.append(line)
        elif line:
            blocks[user].append(line)
    for name, lines in blocks.items():
        rules = [line for line in lines if not line.startswith("#")]
        if _is_mdas(name, rules) or any(line.startswith(CONSOLE_MARK) for line in lines):
            out.managed.add(name)
        else:
            out.blocks[name] = lines
    return out


def _is_mdas(user: str, rules: list[str]) -> bool:
    if len(rules) == 1 and (match := _PARTNER_RULE.fullmatch(rules[0])):
        return match.group(1) == user
    return bool(rules) and _SERVICE_RULE.fullmatch(rules[0]) is not None and all(
        rule.startswith("topic read ") for rule in rules[1:]
    )  # fmt: skip


def acl_text(config: FeedsConfig, foreign: ForeignAcl | None = None) -> str:
    """The Mosquitto ACL file: mda's users, then what the previous file had for others."""
    prefix = config.topic_prefix
    lines = [
        f"# Mosquitto ACL for mda's partner feeds, written by `mda feeds acl` from {config.where}.",
        "# Each partner reads its own feed and nothing else; only mda's service user publishes.",
        "",
        f"user {config.service_user}",
        f"topic write {prefix}/#",
        *(f"topic read {topic}" for topic in config.service_read),
    ]
    if foreign is not None and foreign.general:
        # Rules before the first ``user`` line stay before it (they are not any user's).
        lines[3:3] = ["# Kept from the previous file:", *foreign.general, ""]
    for spec in config.feeds:
        lines += ["", f"user {spec.partner}", f"topic read {prefix}/feeds/{spec.partner}/#"]
    for user, role in config.consoles:
        lines += ["", f"user {user}", f"{CONSOLE_MARK} {role}", *console_rules(prefix, role)]
    mine = set(users(config))
    for user, block in (foreign.blocks if foreign is not None else {}).items():
        if user not in mine:
            lines += ["", "# Not written by mda: kept as it was.", f"user {user}", *block]
    return "\n".join(lines) + "\n"


def users(config: FeedsConfig) -> list[str]:
    """Broker users the files are for: the service, each partner, then each console."""
    return [config.service_user, *(spec.partner for spec in config.feeds),
            *(user for user, _ in config.consoles)]  # fmt: skip


def read_secrets(path: Path) -> dict[str, str]:
    """Passwords of a secrets file: a TOML ``[passwords]`` table, user = "password"."""
    document = read_toml(path)
    table = document.get("passwords")
    if not isinstance(table, dict) or set(document) != {"passwords"}:
        raise ConfigError(f'{path}: expected one [passwords] table of user = "password"')
    for user, password in table.items():
        if not isinstance(password, str) or len(password) < 12:
            raise ConfigError(f"{path}: [passwords] {user}: expected a password of 12 or more "
                              "characters")  # fmt: skip
    return dict(table)


def read_password_file(path: Path) -> dict[str, str]:
    """Entries of an existing password file by user (none if there is no file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    out = {}
    for line in text.splitlines():
        user, sep, _ = line.partition(":")
        if sep and user and not user.startswith("#"):
            out[user] = line
    return out


def read_acl_file(path: Path) -> ForeignAcl:
    """The existing ACL file, split into mda's users and the rest (empty if there is none)."""
    try:
        return parse_acl(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ForeignAcl()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc


@dataclass(slots=True)
class BrokerFiles:
    """The two files, and the passwords made for users that had none."""

    passwd: str
    acl: str
    generated: dict[str, str] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)  # users whose existing entry was kept
    removed: list[str] = field(default_factory=list)  # mda's users no longer in the config
    foreign: list[str] = field(default_factory=list)  # users mda does not manage, kept


def broker_files(
    config: FeedsConfig, passwords: dict[str, str], existing: dict[str, str], *,
    rotate: bool = False, iterations: int = PBKDF2_ITERATIONS,
    existing_acl: ForeignAcl | None = None,
) -> BrokerFiles:  # fmt: skip
    """Password and ACL files for the configured users, keeping users mda does not manage
    (see the module's notes). ``rotate`` makes new passwords for mda's users the secrets file
    does not name, instead of keeping their existing entries; it never touches other users."""
    wanted = users(config)
    previous = existing_acl if existing_acl is not None else ForeignAcl()
    for user in passwords:
        if user not in wanted and not PARTNER_NAME.fullmatch(user):
            raise ConfigError(f"the secrets name a user Mosquitto cannot take: {user!r}")
    # Users of the previous files that mda did not write, and users only the secrets name.
    foreign = [u for u in existing if u not in wanted and u not in previous.managed]
    foreign += [u for u in previous.blocks if u not in wanted and u not in foreign]
    foreign += [u for u in passwords if u not in wanted and u not in foreign]
    files = BrokerFiles(passwd="", acl=acl_text(config, previous), foreign=foreign)
    others = []
    for user in foreign:
        if user in passwords:
            others.append(password_entry(user, passwords[user], iterations=iterations))
        elif user in existing:
            others.append(existing[user])
    entries = []
    for user in wanted:
        if user in passwords:
            entries.append(password_entry(user, passwords[user], iterations=iterations))
        elif user in existing and not rotate:
            entries.append(existing[user])
            files.kept.append(user)
        else:
            password = secrets.token_urlsafe(24)
            files.generated[user] = password
            entries.append(password_entry(user, password, iterations=iterations))
    files.removed = sorted(set(existing) - set(wanted) - set(foreign))
    # mda's users first, as before; the others after, in the order the previous file had them.
    files.passwd = "\n".join(entries + others) + "\n"
    return files


def broker_group(name: str | None, required: bool) -> int | None:
    """The id of the broker's group; None when there is none to set (no name, or the default
    group is missing on this machine). A group asked for by name must exist."""
    if name is None:
        return None
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        if required:
            raise ConfigError(f"group {name!r} does not exist on this machine") from None
        return None


def write_broker_files(
    folder: Path, files: BrokerFiles, group: str | None = BROKER_GROUP, *, required: bool = False
) -> tuple[Path, Path, str | None]:
    """Write ``passwd`` and ``acl`` into ``folder``, mode 0640 (they hold hashes and the map of
    who reads what), group the broker's: Debian's Mosquitto drops to user ``mosquitto`` before
    it reads them, and a file only root can read is "Unable to open pwfile". Returns the paths
    and the group set (None: none was; the default group is skipped when this user may not
    give files to it)."""
    gid = broker_group(group, required)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        passwd, acl = folder / PASSWORD_FILE, folder / ACL_FILE
        for path, text in ((passwd, files.passwd), (acl, files.acl)):
            path.touch(mode=0o640)
            path.chmod(0o640)
            if gid is not None:
                try:
                    os.chown(path, -1, gid)
                except PermissionError:
                    if required:
                        raise
                    gid = None
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the broker files in {folder}: "
                          f"{exc.strerror or exc}") from exc  # fmt: skip
    return passwd, acl, None if gid is None else group
