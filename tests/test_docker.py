"""docker/ for users with Docker: CI cannot run it, so its pieces are checked against mda."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from mda.config import load_config

DOCKER = Path(__file__).parent.parent / "docker"


def compose() -> dict[str, object]:
    document = yaml.safe_load((DOCKER / "compose.yml").read_text())
    assert isinstance(document, dict)
    return document


def test_compose_runs_timescaledb_mosquitto_and_mda() -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    assert services["timescaledb"]["image"].startswith("timescale/timescaledb:")
    assert services["mosquitto"]["image"].startswith("eclipse-mosquitto:2")
    build = services["mda"]["build"]
    assert (DOCKER / build["context"] / build["dockerfile"]).is_file()


def test_every_file_compose_mounts_exists() -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DOCKER / source).exists(), source


def test_the_dockerfile_copies_what_exists_and_runs_mda() -> None:
    text = (DOCKER / "Dockerfile").read_text()
    root = DOCKER.parent
    for line in re.findall(r"^COPY (.+)$", text, flags=re.MULTILINE):
        for source in line.split()[:-1]:
            assert (root / source).exists(), source
    assert 'ENTRYPOINT ["mda"]' in text


def test_the_services_configuration_is_valid_and_points_at_the_compose_services() -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    env = services["mda"]["environment"]
    config = load_config(DOCKER / "mda.toml", env=env)
    assert config.database_url is not None and "@timescaledb:5432/" in config.database_url
    assert config.broker is not None and config.broker.host == "mosquitto"
    assert {s.url for s in config.sources} == {"udp://0.0.0.0:10110", "tcp-listen://0.0.0.0:10110"}
    ports = set(services["mda"]["ports"])
    assert {"10110:10110/udp", "10110:10110/tcp", "9108:9108", "8080:8080"} <= ports
    assert config.http_listen == "0.0.0.0:9108"
    assert config.api is not None and config.api.listen == "0.0.0.0:8080"
    # The feeds file is read where compose mounts it, beside mda.toml.
    assert "./feeds.toml:/etc/mda/feeds.toml:ro" in services["mda"]["volumes"]
    assert config.feeds is not None and [f.partner for f in config.feeds.feeds] == [
        "navy-example"]  # fmt: skip


def test_mosquitto_declares_its_listener_and_password_authentication() -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    conf = (DOCKER / "mosquitto" / "mosquitto.conf").read_text().splitlines()
    settings = dict(line.split(" ", 1) for line in conf if line and not line.startswith("#"))
    assert settings["listener"] == "1883" and settings["allow_anonymous"] == "false"
    # The files `mda feeds acl --out docker/mosquitto/auth` writes, where compose mounts them.
    assert "./mosquitto/auth:/mosquitto/config/auth:ro" in services["mosquitto"]["volumes"]
    assert settings["password_file"] == "/mosquitto/config/auth/passwd"
    assert settings["acl_file"] == "/mosquitto/config/auth/acl"
    # mda logs in as the service user the ACL is written for.
    config = load_config(DOCKER / "mda.toml", env={"MDA_MQTT_PASSWORD": "secret"})
    assert config.broker is not None and config.broker.username == "mda"
    assert config.feeds is not None and config.feeds.service_user == "mda"


async def test_the_compose_broker_configuration_runs_on_real_mosquitto(tmp_path: Path) -> None:
    """docker/mosquitto/mosquitto.conf as the image would read it (paths moved into a temporary
    folder, a free port), with the files `mda feeds acl` makes from docker/feeds.toml: mda and
    the partner log in, anonymous clients do not."""
    import asyncio
    import getpass
    import subprocess

    import aiomqtt
    from typer.testing import CliRunner

    from mda.alerts.broker import BrokerSettings
    from mda.cli import app
    from tests.test_feeds_broker import MOSQUITTO, _free_port

    made = CliRunner().invoke(app, ["feeds", "acl", "--feeds", str(DOCKER / "feeds.toml"),
                                    "--out", str(tmp_path / "auth")])  # fmt: skip
    assert made.exit_code == 0, made.stderr
    passwords = dict(line.split("\t") for line in made.stdout.splitlines())
    assert set(passwords) == {"mda", "navy-example"}
    port = _free_port()
    conf = (DOCKER / "mosquitto" / "mosquitto.conf").read_text()
    conf = conf.replace("/mosquitto/config/auth", str(tmp_path / "auth"))
    conf = conf.replace("/mosquitto/data/", f"{tmp_path}/").replace("listener 1883",
                                                                     f"listener {port} 127.0.0.1")
    (tmp_path / "mosquitto.conf").write_text(f"{conf}\nuser {getpass.getuser()}\n")
    broker = subprocess.Popen(  # noqa: ASYNC220 - starts at once; nothing waits on it here
        [MOSQUITTO, "-c", str(tmp_path / "mosquitto.conf")], stderr=subprocess.PIPE
    )

    async def login(user: str | None) -> bool:
        settings = BrokerSettings("127.0.0.1", port, username=user,
                                  password=passwords.get(user or ""))  # fmt: skip
        try:
            async with settings.client(f"docker-test-{user}"):
                return True
        except aiomqtt.MqttError:
            return False

    try:
        for _ in range(200):  # until it listens
            if broker.poll() is not None:
                raise AssertionError(f"Mosquitto refused the compose configuration: "
                                     f"{broker.stderr.read().decode() if broker.stderr else ''}")
            if await login("mda"):
                break
            await asyncio.sleep(0.05)
        assert await login("mda") and await login("navy-example")
        assert not await login(None)
    finally:
        broker.terminate()
        broker.wait(10)
