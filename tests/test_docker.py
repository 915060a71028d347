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
    assert {"10110:10110/udp", "10110:10110/tcp", "9108:9108"} <= ports
    assert config.http_listen == "0.0.0.0:9108"
    mosquitto = (DOCKER / "mosquitto" / "mosquitto.conf").read_text()
    assert "listener 1883" in mosquitto
