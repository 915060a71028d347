"""Bearer tokens: made once, kept only as digests, checked, revoked, shared through one file
by the command line and a running service."""

from __future__ import annotations

import getpass
import hashlib
import json
import re
import socket
import stat
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from mda.api.roles import Permission, Role, parse_role
from mda.api.tokens import Principal, TokenStore
from mda.cli.api import app as api_app
from mda.errors import ConfigError, ServiceUnavailableError

TOKEN = re.compile(r"^mda_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$")


def test_a_token_is_shown_once_and_only_its_digest_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = TokenStore(path).add("alice", "analyst")
    text = path.read_text()
    (row,) = json.loads(text)["tokens"]
    assert TOKEN.match(token)
    secret = token.split("_", 2)[2]  # base64url: the secret itself may hold "_"
    assert token not in text and secret not in text
    assert row["sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert (row["name"], row["role"], row["id"]) == ("alice", "analyst", token.split("_")[1])


def test_the_token_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    TokenStore(path).add("alice", "analyst")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_token_authenticates_as_its_name_and_role(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    token = store.add("navy a desk", "partner:navy-a")
    principal = store.authenticate(token)
    assert principal == Principal("navy a desk", Role("partner", "navy-a"), token.split("_")[1])


@pytest.mark.parametrize(
    "presented",
    ["", "mda", "mda__x", "Bearer x", "mda_000000000000_" + "A" * 43, "xyz_{id}_{secret}",
     "mda_{id}_{secret}x", "mda_{id}_" + "A" * 43],
)  # fmt: skip
def test_anything_but_the_exact_token_is_refused(tmp_path: Path, presented: str) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    token = store.add("alice", "officer")
    _, token_id, secret = token.split("_", 2)
    assert store.authenticate(presented.format(id=token_id, secret=secret)) is None


def test_names_are_unique(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.add("alice", "officer")
    with pytest.raises(ConfigError, match="a token named 'alice' exists"):
        store.add("alice", "analyst")


def test_a_revoked_token_no_longer_authenticates(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    token = store.add("alice", "officer")
    assert store.revoke("alice")
    assert store.authenticate(token) is None
    assert not store.revoke("alice")


def test_a_running_service_sees_tokens_the_command_line_adds_and_revokes(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    now = [0.0]
    service = TokenStore(path, clock=lambda: now[0])
    assert service.authenticate("mda_000000000000_x") is None  # the file was read now
    token = TokenStore(path).add("bob", "officer")  # another process, in effect
    assert service.authenticate(token) is None  # rereads at most once a second
    now[0] += 1.0
    assert service.authenticate(token) is not None
    TokenStore(path).revoke("bob")
    now[0] += 1.0
    assert service.authenticate(token) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [("captain", "role 'captain': not one of officer, analyst, admin, partner:<name>"),
     ("partner:", "role 'partner:': a partner name is letters, digits"),
     ("partner:a/b", "a partner name is letters, digits")],
)  # fmt: skip
def test_an_unknown_role_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_role(text)


@pytest.mark.parametrize(
    ("role", "can", "cannot"),
    [("officer", {Permission.LIVE, Permission.ACKNOWLEDGE}, {Permission.HISTORY}),
     ("analyst", {Permission.HISTORY, Permission.EXPORT, Permission.ACKNOWLEDGE},
      {Permission.ADMIN}),
     ("admin", set(Permission), set()),
     ("partner:navy-a", {Permission.LIVE, Permission.ALERTS},
      {Permission.ACKNOWLEDGE, Permission.ZONES, Permission.HISTORY, Permission.EXPORT})],
)  # fmt: skip
def test_roles_carry_their_permissions(
    role: str, can: set[Permission], cannot: set[Permission]
) -> None:
    parsed = parse_role(role)
    assert all(parsed.allows(p) for p in can)
    assert not any(parsed.allows(p) for p in cannot)


def test_a_broken_token_file_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match=f"the token file {path} is not JSON"):
        TokenStore(path)


def test_the_command_line_prints_a_new_token_once_and_lists_without_it(tmp_path: Path) -> None:
    runner = CliRunner()
    path = str(tmp_path / "tokens.json")
    added = runner.invoke(api_app, ["token", "add", "--role", "analyst", "--name", "alice",
                                    "--tokens-file", path])  # fmt: skip
    token = added.stdout.strip()
    listed = runner.invoke(api_app, ["token", "list", "--tokens-file", path])
    assert added.exit_code == 0 and TOKEN.match(token)
    assert "alice" in listed.stdout and "analyst" in listed.stdout
    assert token.split("_")[2] not in listed.stdout
    assert TokenStore(Path(path)).authenticate(token) is not None


def test_the_command_line_revokes_by_name(tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "tokens.json"
    token = TokenStore(path).add("alice", "officer")
    revoked = runner.invoke(api_app, ["token", "revoke", "alice", "--tokens-file", str(path)])
    missing = runner.invoke(api_app, ["token", "revoke", "alice", "--tokens-file", str(path)])
    assert revoked.exit_code == 0 and missing.exit_code != 0
    assert TokenStore(path).authenticate(token) is None


def test_token_changes_on_the_command_line_are_audited(tmp_path: Path, plain_database: str) -> None:
    runner = CliRunner()
    path = str(tmp_path / "tokens.json")
    added = runner.invoke(api_app, ["token", "add", "--role", "analyst", "--name", "alice",
                                    "--tokens-file", path,
                                    "--database", plain_database])  # fmt: skip
    revoked = runner.invoke(api_app, ["token", "revoke", "alice", "--tokens-file", path,
                                      "--database", plain_database])  # fmt: skip
    assert added.exit_code == 0 and revoked.exit_code == 0, added.stderr + revoked.stderr
    with psycopg.connect(plain_database) as conn:
        rows = conn.execute("SELECT actor, role, action, target, details, remote FROM api_audit "
                            "ORDER BY id").fetchall()  # fmt: skip
    where = f"cli@{socket.gethostname()}"
    assert rows == [
        (getpass.getuser(), "cli", "token add", "alice", {"role": "analyst"}, where),
        (getpass.getuser(), "cli", "token revoke", "alice", {}, where),
    ]


def test_a_token_whose_addition_cannot_be_audited_is_taken_back(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    added = CliRunner().invoke(api_app, [
        "token", "add", "--role", "analyst", "--name", "alice", "--tokens-file", str(path),
        "--database", "postgresql://nobody@127.0.0.1:1/none",  # nothing listens on port 1
    ])  # fmt: skip
    assert isinstance(added.exception, ServiceUnavailableError) and added.stdout == ""
    assert TokenStore(path).records() == []


def test_without_a_database_the_command_says_the_change_is_not_audited(tmp_path: Path) -> None:
    added = CliRunner(env={"MDA_DATABASE_URL": None}).invoke(api_app, [
        "token", "add", "--role", "analyst", "--name", "alice", "--tokens-file",
        str(tmp_path / "tokens.json"),
    ])  # fmt: skip
    assert added.exit_code == 0 and "not audited" in added.stderr
