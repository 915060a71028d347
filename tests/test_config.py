"""The service's TOML configuration and its environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from mda.config import load_config
from mda.errors import ConfigError

GOOD = """
[[sources]]
url = "tcp://192.0.2.10:4001"
[[sources]]
url = "recordings/*.nmea.gz"

[database]
url = "postgresql://mda@db/mda"
spool_dir = "spool"

[mqtt]
url = "mqtts://mda:s%40cret@broker.example:8883"
ca_file = "ca.pem"
session_expiry_s = 3600

[zones]
folders = ["my-zones"]

[alerts]
folders = ["my-rules"]
jsonl = "alerts.jsonl"

[http]
listen = "0.0.0.0:9108"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mda.toml"
    path.write_text(text)
    return path


def test_a_full_file_is_read(tmp_path: Path) -> None:
    c = load_config(write(tmp_path, GOOD), env={})
    assert [s.url for s in c.sources] == ["tcp://192.0.2.10:4001", "recordings/*.nmea.gz"]
    assert c.database_url == "postgresql://mda@db/mda"
    assert c.spool_dir == tmp_path / "spool"
    assert c.broker is not None
    assert (c.broker.host, c.broker.port, c.broker.tls) == ("broker.example", 8883, True)
    assert (c.broker.username, c.broker.password) == ("mda", "s@cret")
    assert c.broker.url == "mqtts://mda@broker.example:8883"  # no password in messages
    assert c.zone_folders == (tmp_path / "my-zones",)
    assert c.alerts_jsonl == tmp_path / "alerts.jsonl"
    assert c.http_listen == "0.0.0.0:9108"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    env = {
        "MDA_DATABASE_URL": "postgresql://other/db",
        "MDA_MQTT_PASSWORD": "from-env",
        "MDA_SOURCES": "udp://:10110, tcp://192.0.2.1:5631",
        "MDA_PIPELINE_BATCH_LINES": "500",
    }
    c = load_config(write(tmp_path, GOOD), env=env)
    assert c.database_url == "postgresql://other/db"
    assert c.broker is not None and c.broker.password == "from-env"
    assert [s.url for s in c.sources] == ["udp://:10110", "tcp://192.0.2.1:5631"]
    assert c.batch_lines == 500


def test_no_file_at_all_is_the_environment_alone() -> None:
    c = load_config(None, env={"MDA_SOURCES": "udp://:10110"})
    assert [s.url for s in c.sources] == ["udp://:10110"] and c.database_url is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[databse]\nurl = 'x'\n", r"unknown section \[databse\]"),
        ("[database]\nuri = 'x'\n", r"database.uri: unknown setting"),
        ("[database]\nspool_max_mb = 'big'\n", r"database.spool_max_mb: expected a whole number"),
        ("[mqtt]\nurl = 'http://broker'\n", r"mqtt.url: .*expected mqtt://host:port"),
        ("[mqtt]\nca_file = 'ca.pem'\n", r"mqtt.url: required"),
        ("[[sources]]\nurl = 5\n", r"sources\[0\].url: expected a string"),
        ("[[sources]]\nurl = 'x'\nspeed = 2\n", r"sources\[0\].speed: unknown setting"),
        ("[zones]\nfolders = 'z'\n", r"zones.folders: expected a list of strings"),
        ("[http\n", r"not valid TOML"),
        # Numbers that make no sense are refused, not run with.
        ("[pipeline]\nbatch_lines = -5\n", r"pipeline.batch_lines: at least 1, not -5"),
        ("[pipeline]\nbatch_lines = 0\n", r"pipeline.batch_lines: at least 1, not 0"),
        ("[pipeline]\nqueue_batches = 0\n", r"pipeline.queue_batches: at least 1, not 0"),
        ("[pipeline]\nmax_vessels = 0\n", r"pipeline.max_vessels: at least 1, not 0"),
        ("[pipeline]\nduplicate_window_s = -1.0\n",
         r"pipeline.duplicate_window_s: at least 0, not -1.0"),
        ("[database]\nspool_max_mb = -1\n", r"database.spool_max_mb: at least 1, not -1"),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text), env={})


def test_a_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="MDA_DATABASE_SPOOL_MAX_MB: 'lots' is not int"):
        load_config(None, env={"MDA_DATABASE_SPOOL_MAX_MB": "lots"})


def test_the_cap_on_vessels_has_a_default_and_can_be_set(tmp_path: Path) -> None:
    assert 200_000 <= load_config(None, env={}).max_vessels <= 500_000
    path = write(tmp_path, "[pipeline]\nmax_vessels = 1000\n")
    assert load_config(path, env={}).max_vessels == 1000
    assert load_config(None, env={"MDA_PIPELINE_MAX_VESSELS": "2000"}).max_vessels == 2000

