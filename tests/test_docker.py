"""docker/ for users with Docker: CI cannot run it, so its pieces are checked against mda."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from mda.config import load_config
from mda.scale.natsconf import mapping_block, server_config

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

    from mda.cli import app
    from mda.net.broker import BrokerSettings
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


# --- compose.scale.yml: mda scaled out on a 3-node NATS JetStream cluster -----------------------

SCALE_PARTITIONS = 16
NATS_NODES = ("nats-1", "nats-2", "nats-3")


def scale_compose() -> dict[str, Any]:
    document = yaml.safe_load((DOCKER / "compose.scale.yml").read_text())
    assert isinstance(document, dict)
    return document


def scale_nats_config(name: str) -> str:
    """What docker/nats/<name>.conf must hold: regenerate the files with
    ``(DOCKER / "nats" / f"{name}.conf").write_text(scale_nats_config(name))``."""
    return server_config(
        name=name, port=4222, store_dir="/data/jetstream", partitions=SCALE_PARTITIONS,
        cluster_name="mda", cluster_port=6222, host="0.0.0.0", monitor_port=8222,
        routes=[f"{other}:6222" for other in NATS_NODES if other != name],
    )  # fmt: skip


def test_scale_compose_runs_nats_timescaledb_mosquitto_and_the_mda_roles() -> None:
    services = scale_compose()["services"]
    assert set(services) == {*NATS_NODES, "timescaledb", "mosquitto", "gateway", "worker", "pairs"}
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DOCKER / source).exists(), f"{name}: {source}"
    for name in NATS_NODES:
        nats = services[name]
        assert nats["image"] == "nats:2.10-alpine"
        assert nats["command"] == ["-c", "/etc/nats/nats.conf"]
        assert f"./nats/{name}.conf:/etc/nats/nats.conf:ro" in nats["volumes"]
        assert f"{name}-data:/data" in nats["volumes"]
    assert services["timescaledb"]["image"] == "timescale/timescaledb:latest-pg16"
    assert services["timescaledb"]["environment"]["POSTGRES_PASSWORD"]
    # The broker is the one compose.yml runs, with the same configuration and auth files.
    assert services["mosquitto"] == compose()["services"]["mosquitto"]  # type: ignore[index]
    for role in ("gateway", "worker", "pairs"):
        service = services[role]
        build = service["build"]
        assert (DOCKER / build["context"] / build["dockerfile"]).is_file()
        # The image's ENTRYPOINT is `mda`: this is `mda <role> --config /etc/mda/scale.toml`.
        assert service["command"] == [role, "--config", "/etc/mda/scale.toml"]
        assert "./scale.toml:/etc/mda/scale.toml:ro" in service["volumes"]
        assert set(NATS_NODES) <= set(service["depends_on"])
    assert services["worker"]["deploy"]["replicas"] == 3


def test_scale_nats_configs_are_exactly_what_server_config_generates() -> None:
    assert sorted(p.name for p in (DOCKER / "nats").iterdir()) == [f"{n}.conf" for n in NATS_NODES]
    for name in NATS_NODES:
        text = (DOCKER / "nats" / f"{name}.conf").read_text()
        assert text == scale_nats_config(name), f"docker/nats/{name}.conf drifted; regenerate it"
        mappings = re.findall(r"^mappings \{\n.*?^\}\n", text, flags=re.MULTILINE | re.DOTALL)
        assert mappings == [mapping_block(SCALE_PARTITIONS)]


def test_scale_nats_configs_pass_the_real_server_check(tmp_path: Path) -> None:
    """``nats-server -t`` parses each file, its mapping included, without resolving the route
    hostnames or touching /data (checked: it neither creates the store nor dials routes)."""
    import subprocess

    from tests.nats_servers import require_nats_server

    for name in NATS_NODES:
        checked = subprocess.run(
            [require_nats_server(), "-c", str(DOCKER / "nats" / f"{name}.conf"), "-t"],
            check=False, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert checked.returncode == 0, f"{name}: {checked.stdout}{checked.stderr}"
    # The check is not a formality: a mapping the server cannot apply is refused.
    broken = scale_nats_config("nats-1").replace("wildcard(1)", "wildcard(2)")
    (tmp_path / "broken.conf").write_text(broken)
    refused = subprocess.run([require_nats_server(), "-c", str(tmp_path / "broken.conf"), "-t"],
                             check=False, capture_output=True, text=True, timeout=30)  # fmt: skip
    assert refused.returncode != 0


def test_scale_toml_matches_the_cluster_and_the_compose_services() -> None:
    text = (DOCKER / "scale.toml").read_text()
    scale = tomllib.loads(text)["scale"]
    assert scale["partitions"] == SCALE_PARTITIONS
    assert scale["nats"] == [f"nats://{name}:4222" for name in NATS_NODES]
    assert 1 <= scale["replicas"] <= len(NATS_NODES)
    env = scale_compose()["services"]["gateway"]["environment"]
    config = load_config(DOCKER / "scale.toml", env=env)
    assert config.scale.partitions == SCALE_PARTITIONS and config.scale.replicas == 3
    assert list(config.scale.nats) == scale["nats"]
    assert config.scale.partition_by == "server"  # the mapping in docker/nats/*.conf
    assert config.database_url is not None and "@timescaledb:5432/" in config.database_url
    assert config.broker is not None and config.broker.host == "mosquitto"
    assert config.broker.username == "mda"
    assert {s.url for s in config.sources} == {"udp://0.0.0.0:10110", "tcp-listen://0.0.0.0:10110"}
