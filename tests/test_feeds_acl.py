"""`mda feeds acl`: a Mosquitto password file and ACL from the feeds (the broker test checks
that a real Mosquitto enforces them)."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import grp
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mda.cli import app
from mda.errors import ConfigError
from mda.feeds.acl import acl_text, entry_matches, parse_acl, password_entry
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


@contextlib.contextmanager
def running_mosquitto(broker_files: Path, folder: Path, user: str | None = None) -> Iterator[int]:
    """A real Mosquitto on the files, on a free port (started for the test, stopped after)."""
    tool = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(tool).exists():
        raise AssertionError("this test needs Mosquitto (apt install mosquitto)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conf, log = folder / "mosquitto.conf", folder / "mosquitto.log"
    conf.write_text(
        f"per_listener_settings false\nallow_anonymous false\npersistence false\n"
        f"password_file {broker_files / 'passwd'}\nacl_file {broker_files / 'acl'}\n"
        f"user {user or getpass.getuser()}\nlog_dest file {log}\nlistener {port} 127.0.0.1\n"
    )
    log.touch(mode=0o666)
    log.chmod(0o666)  # the broker may write it after dropping to its own user
    process = subprocess.Popen([tool, "-c", str(conf)])
    try:
        for _ in range(400):
            if process.poll() is not None:
                raise AssertionError(f"Mosquitto did not start: {log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(10)


CONSOLE_ACL = "user console1\ntopic read mda/alerts/#\ntopic write mda/ack/#\n"


def add_console(out: Path, password: str = "console-password-1") -> str:
    """What an operator does by hand: a watch console with mosquitto_passwd and two ACL lines."""
    tool = shutil.which("mosquitto_passwd")
    if tool is None:
        raise AssertionError("this test needs mosquitto_passwd (apt install mosquitto)")
    subprocess.run([tool, "-b", str(out / "passwd"), "console1", password], check=True)
    with (out / "acl").open("a") as acl:
        acl.write("\n" + CONSOLE_ACL)
    return next(line for line in (out / "passwd").read_text().splitlines()
                if line.startswith("console1:"))  # fmt: skip


def test_users_mda_did_not_write_are_kept_with_their_acl_lines(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS)
    out = tmp_path / "broker"
    assert run_acl("--feeds", str(feeds), "--out", str(out))[0] == 0
    console = add_console(out)
    feeds.write_text('[feeds.navy-a]\nformats = ["mqtt"]\n')  # a feeds change: navy-b goes
    code, _, stderr = run_acl("--feeds", str(feeds), "--out", str(out), "--rotate")
    assert code == 0, stderr
    assert "removed users without a feed: navy-b" in stderr and "console1" in stderr
    passwd, acl = (out / "passwd").read_text(), (out / "acl").read_text()
    assert console in passwd.splitlines()  # untouched, even by --rotate
    assert CONSOLE_ACL in acl and "navy-b" not in passwd + acl
    # Run again: nothing moves, and the console's block is not doubled.
    assert run_acl("--feeds", str(feeds), "--out", str(out))[0] == 0
    assert (out / "acl").read_text() == acl and acl.count("user console1") == 1


def test_the_secrets_may_set_a_console_users_password(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS)
    out = tmp_path / "broker"
    run_acl("--feeds", str(feeds), "--out", str(out))
    add_console(out)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[passwords]\nconsole1 = "the-new-console-password"\n')
    code, stdout, stderr = run_acl("--feeds", str(feeds), "--out", str(out),
                                   "--secrets", str(secrets))  # fmt: skip
    assert code == 0, stderr
    assert "console1" not in stdout  # a password from the secrets is never printed
    entry = next(line for line in (out / "passwd").read_text().splitlines()
                 if line.startswith("console1:"))  # fmt: skip
    assert entry_matches(entry, "the-new-console-password")
    assert CONSOLE_ACL in (out / "acl").read_text()


def test_a_block_mda_writes_is_told_from_one_written_by_hand() -> None:
    foreign = parse_acl(
        "# header\npattern read status/%u\n\nuser mda\ntopic write mda/#\ntopic read mda/ack/#\n"
        "\nuser navy-a\ntopic read mda/feeds/navy-a/#\n\nuser navy-c\n"
        "topic read mda/feeds/navy-a/#\n\n" + CONSOLE_ACL
    )  # fmt: skip
    assert foreign.managed == {"mda", "navy-a"}
    assert foreign.general == ["pattern read status/%u"]
    assert foreign.blocks == {
        "navy-c": ["topic read mda/feeds/navy-a/#"],  # not its own feed: not mda's
        "console1": ["topic read mda/alerts/#", "topic write mda/ack/#"],
    }


async def test_a_real_mosquitto_lets_the_kept_console_read_alerts_after_a_feeds_change(
    tmp_path: Path,
) -> None:
    import aiomqtt

    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS)
    out = tmp_path / "broker"
    service = printed_passwords(run_acl("--feeds", str(feeds), "--out", str(out))[1])["mda"]
    add_console(out, "console-password-1")
    feeds.write_text('[feeds.navy-a]\nformats = ["mqtt"]\n')
    assert run_acl("--feeds", str(feeds), "--out", str(out))[0] == 0
    with running_mosquitto(out, tmp_path) as port:
        def client(user: str, password: str) -> aiomqtt.Client:
            return aiomqtt.Client("127.0.0.1", port, username=user, password=password)

        async with client("console1", "console-password-1") as console, \
                client("mda", service) as mda:  # fmt: skip
            await console.subscribe("mda/alerts/#", qos=1)
            await mda.publish("mda/alerts/a1/state", b"open", qos=1)
            async with asyncio.timeout(10):
                message = await anext(aiter(console.messages))
    assert (message.topic.value, message.payload) == ("mda/alerts/a1/state", b"open")


def test_both_files_are_mode_0640_and_of_the_brokers_group(tmp_path: Path) -> None:
    try:
        gid = grp.getgrnam("mosquitto").gr_gid
    except KeyError:
        raise AssertionError("this test needs the group 'mosquitto' (apt install mosquitto)") \
            from None
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS)
    code, _, stderr = run_acl("--feeds", str(feeds), "--out", str(tmp_path / "broker"))
    assert code == 0 and "group mosquitto" in stderr
    for name in ("passwd", "acl"):
        status = (tmp_path / "broker" / name).stat()
        assert (status.st_mode & 0o777, status.st_gid) == (0o640, gid), name


def test_a_group_asked_for_must_exist(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS)
    result = CliRunner().invoke(app, ["feeds", "acl", "--feeds", str(feeds), "--out",
                                      str(tmp_path / "broker"), "--group",
                                      "no-such-group-mda"])  # fmt: skip
    assert isinstance(result.exception, ConfigError)  # `mda` prints it as "mda: error: ..."
    assert str(result.exception) == "group 'no-such-group-mda' does not exist on this machine"
    assert not (tmp_path / "broker" / "passwd").exists()


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder the broker's own user may enter (pytest's are 0700, root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="mda-acl-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


async def test_a_real_mosquitto_running_as_its_own_user_reads_the_files(open_folder: Path) -> None:
    """Debian's Mosquitto drops to user mosquitto before reading the files: with the files in
    root's group it fails "Unable to open pwfile"; in the broker's group it starts."""
    import aiomqtt

    feeds, out = open_folder / "feeds.toml", open_folder / "broker"
    feeds.write_text(FEEDS)
    code, stdout, _ = run_acl("--feeds", str(feeds), "--out", str(out))
    assert code == 0
    out.chmod(0o755)
    service = printed_passwords(stdout)["mda"]
    with running_mosquitto(out, open_folder, user="mosquitto") as port:
        async with aiomqtt.Client("127.0.0.1", port, username="mda", password=service):
            pass


# -- watch consoles mda manages ([feeds.consoles]) ----------------------------------------------

CONSOLES = FEEDS + '\n[feeds.consoles]\nconsole1 = "watch"\nwall = "viewer"\n'


def test_consoles_are_read_from_their_table_and_mistakes_are_named() -> None:
    config = parse_feeds({"navy-a": {"formats": ["mqtt"]},
                          "consoles": {"console1": "watch", "wall": "viewer"}},
                         "feeds.toml", Path())  # fmt: skip
    assert config.consoles == (("console1", "watch"), ("wall", "viewer"))
    assert [f.partner for f in config.feeds] == ["navy-a"]  # the table is not a partner
    for consoles, message in (
        ({"console1": "admin"}, "[feeds.consoles] console1: role 'admin' is not one of watch, "
                                "viewer"),
        ({"navy-a": "watch"}, "[feeds.consoles] navy-a: already the name of the service user "
                              "or of a partner"),
        ({"mda": "viewer"}, "already the name of the service user"),
        ({"a b": "watch"}, "[feeds.consoles] 'a b': a user name is letters"),
    ):  # fmt: skip
        with pytest.raises(ConfigError, match=re.escape(message)):
            parse_feeds({"navy-a": {"formats": ["mqtt"]}, "consoles": consoles}, "feeds.toml",
                        Path())  # fmt: skip


def test_a_watch_console_reads_alerts_and_acknowledges_a_viewer_only_reads() -> None:
    config = parse_feeds({"navy-a": {"formats": ["mqtt"]},
                          "consoles": {"console1": "watch", "wall": "viewer"}},
                         "feeds.toml", Path())  # fmt: skip
    text = acl_text(config)
    rules = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert rules[-6:] == [
        "user console1", "topic read mda/alerts/#", "topic write mda/ack/+",
        "topic read mda/ack/+/outcome",
        "user wall", "topic read mda/alerts/#",
    ]  # fmt: skip
    # mda's own blocks, told by their mark from a console block written by hand.
    assert parse_acl(text).managed == {"mda", "navy-a", "console1", "wall"}
    assert "console1" in parse_acl(CONSOLE_ACL).blocks


def test_the_command_makes_console_users_and_removes_a_console_dropped_from_the_config(
    tmp_path: Path,
) -> None:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(CONSOLES)
    out = tmp_path / "broker"
    code, stdout, stderr = run_acl("--feeds", str(feeds), "--out", str(out))
    assert code == 0, stderr
    assert set(printed_passwords(stdout)) == {"mda", "navy-a", "navy-b", "console1", "wall"}
    assert "2 partner feed(s) and 2 watch console(s)" in stderr
    feeds.write_text(FEEDS + '\n[feeds.consoles]\nconsole1 = "watch"\n')
    code, stdout, stderr = run_acl("--feeds", str(feeds), "--out", str(out))
    assert (code, stdout) == (0, "") and "removed users without a feed: wall" in stderr
    passwd, acl = (out / "passwd").read_text(), (out / "acl").read_text()
    assert "wall" not in passwd + acl and acl.count("user console1") == 1
    assert "kept users mda does not manage" not in stderr  # its consoles are mda's own


async def test_a_real_mosquitto_gives_each_console_its_role(tmp_path: Path) -> None:
    """console1 (watch) gets the alerts and its acknowledgement reaches mda; the wall (viewer)
    gets the alerts, but its acknowledgement does not, and no console reads a partner's feed.
    Refusals are shown by order: what is refused is sent first, what is allowed after it, and
    the first message to arrive is the allowed one."""
    import aiomqtt

    feeds = tmp_path / "feeds.toml"
    feeds.write_text(CONSOLES)
    out = tmp_path / "broker"
    code, stdout, _ = run_acl("--feeds", str(feeds), "--out", str(out))
    assert code == 0
    passwords = printed_passwords(stdout)
    with running_mosquitto(out, tmp_path) as port:

        def client(user: str) -> aiomqtt.Client:
            return aiomqtt.Client("127.0.0.1", port, username=user, password=passwords[user],
                                  identifier=f"test-{user}")  # fmt: skip

        async with client("mda") as mda, client("console1") as console, client("wall") as wall:
            await mda.subscribe("mda/ack/+", qos=1)
            for reader in (console, wall):
                await reader.subscribe("mda/feeds/#", qos=1)
                await reader.subscribe("mda/alerts/#", qos=1)
            await mda.publish("mda/feeds/navy-a/positions", b"secret", qos=1)
            await mda.publish("mda/alerts/cable_threat/1", b"open", qos=1)
            async with asyncio.timeout(10):
                seen = [await anext(aiter(r.messages)) for r in (console, wall)]
            await wall.publish("mda/ack/a1", b'{"by": "wall"}', qos=1)
            await console.publish("mda/ack/a1", b'{"by": "console1"}', qos=1)
            async with asyncio.timeout(10):
                ack = await anext(aiter(mda.messages))
    alert = ("mda/alerts/cable_threat/1", b"open")
    assert [(m.topic.value, m.payload) for m in seen] == [alert, alert]
    assert (ack.topic.value, ack.payload) == ("mda/ack/a1", b'{"by": "console1"}')
