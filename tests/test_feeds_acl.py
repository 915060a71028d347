"""`mda feeds acl`: a Mosquitto password file and ACL from the feeds (the broker test checks
that a real Mosquitto enforces them)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mda.cli import app
from mda.errors import ConfigError
from mda.feeds.acl import acl_text, broker_files, entry_matches, password_entry
from mda.settings.feeds import parse_feeds

FEEDS = """
[feeds.navy-a]
formats = ["mqtt"]

[feeds.navy-b]
formats = ["mqtt", "nmea"]
"""


def run_acl(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["feeds", "acl", *args])
    return result.exit_code, result.stdout, result.stderr


def printed_passwords(stdout: str) -> dict[str, str]:
    return dict(line.split("\t") for line in stdout.splitlines())  # type: ignore[misc]


def test_an_entry_is_mosquittos_pbkdf2_sha512_format() -> None:
    entry = password_entry("navy-a", "s3cret-s3cret", iterations=101, salt=bytes(range(12)))
    user, _, hashed = entry.partition(":")
    _, kind, iterations, salt, digest = hashed.split("$")
    assert (user, kind, iterations, salt) == ("navy-a", "7", "101", "AAECAwQFBgcICQoL")
    assert len(digest) == 88  # 64 bytes in base64
    assert entry_matches(entry, "s3cret-s3cret") and not entry_matches(entry, "s3cret-s3creT")


def test_entries_of_mosquitto_passwd_verify_the_same_way(tmp_path: Path) -> None:
    tool = shutil.which("mosquitto_passwd")
    if tool is None:
        raise AssertionError("this test needs mosquitto_passwd (apt install mosquitto)")
    path = tmp_path / "passwd"
    subprocess.run([tool, "-c", "-b", str(path), "navy-a", "from-the-tool"], check=True)
    entry = path.read_text().strip()
    assert entry_matches(entry, "from-the-tool") and not entry_matches(entry, "other")


def test_each_partner_may_only_read_its_own_feed_and_only_the_service_writes() -> None:
    config = parse_feeds({"service_user": "mda", "navy-a": {"formats": ["mqtt"]},
                          "navy-b": {"formats": ["cot"], "cot": {"url": "tcp://t:1"}}},
                         "feeds.toml", Path())  # fmt: skip
    rules = [line for line in acl_text(config).splitlines() if line and not line.startswith("#")]
    assert rules == [
        "user mda", "topic write mda/#", "topic read mda/ack/#",
        "user navy-a", "topic read mda/feeds/navy-a/#",
        "user navy-b", "topic read mda/feeds/navy-b/#",
    ]  # fmt: skip


def test_the_command_writes_both_files_and_shows_new_passwords_once(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS)
    out = tmp_path / "broker"
    code, stdout, stderr = run_acl("--feeds", str(feeds), "--out", str(out))
    assert code == 0, stderr
    passwords = printed_passwords(stdout)
    assert set(passwords) == {"mda", "navy-a", "navy-b"}
    entries = dict(line.split(":", 1) for line in (out / "passwd").read_text().splitlines())
    assert all(entry_matches(f"{u}:{entries[u]}", p) for u, p in passwords.items())
    assert all(p not in (out / "passwd").read_text() for p in passwords.values())
    assert (out / "passwd").stat().st_mode & 0o777 == 0o640
    assert "topic read mda/feeds/navy-b/#" in (out / "acl").read_text()
    assert "shown this once" in stderr
    # Run again: every user keeps its password, none is printed.
    code, stdout, stderr = run_acl("--feeds", str(feeds), "--out", str(out))
    assert (code, stdout) == (0, "") and "kept the existing passwords" in stderr
    assert dict(line.split(":", 1) for line in (out / "passwd").read_text().splitlines()) == entries


def test_passwords_from_a_secrets_file_and_rotation(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[passwords]\nmda = "the-service-password"\n')
    out = tmp_path / "broker"
    code, stdout, _ = run_acl("--feeds", str(feeds), "--out", str(out), "--secrets", str(secrets))
    assert code == 0 and set(printed_passwords(stdout)) == {"navy-a", "navy-b"}
    first = printed_passwords(stdout)
    code, stdout, _ = run_acl("--feeds", str(feeds), "--out", str(out), "--secrets",
                              str(secrets), "--rotate")  # fmt: skip
    second = printed_passwords(stdout)
    assert set(second) == {"navy-a", "navy-b"} and second["navy-a"] != first["navy-a"]
    mda_entry = next(line for line in (out / "passwd").read_text().splitlines()
                     if line.startswith("mda:"))  # fmt: skip
    assert entry_matches(mda_entry, "the-service-password")


def test_a_partner_removed_from_the_feeds_loses_its_user(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS)
    out = tmp_path / "broker"
    run_acl("--feeds", str(feeds), "--out", str(out))
    feeds.write_text('[feeds.navy-a]\nformats = ["mqtt"]\n')
    code, _, stderr = run_acl("--feeds", str(feeds), "--out", str(out))
    assert code == 0 and "removed users without a feed: navy-b" in stderr
    assert "navy-b" not in (out / "passwd").read_text() + (out / "acl").read_text()


def test_secrets_for_users_without_a_feed_are_refused() -> None:
    config = parse_feeds({"navy-a": {"formats": ["mqtt"]}}, "feeds.toml", Path())
    with pytest.raises(ConfigError, match="the secrets name users that have no feed: navy-z"):
        broker_files(config, {"navy-z": "x" * 20}, {})
