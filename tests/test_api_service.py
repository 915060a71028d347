"""The API in the service: the ``[api]`` settings, and a real service run with the API wired
as the service wires it (an alert sink, ``observe`` after each step, started and stopped with
it), answered over loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mda.api import ServiceApi, TokenStore
from mda.config import Config, SourceSettings
from mda.errors import ConfigError
from mda.ingest.sources import open_source
from mda.resources import default_folder
from mda.runtime.core import make_pipeline
from mda.runtime.service import Service
from mda.settings.api import ApiSettings, parse_api

ANCHOR_DRAG = default_folder("ingest") / "samples" / "anchor-drag.nmea.gz"
DRAGGING = 538_367_459


def test_no_api_table_means_no_api(tmp_path: Path) -> None:
    assert parse_api(None, {}, "mda.toml", tmp_path) is None


def test_the_api_table_is_read_with_paths_from_the_file(tmp_path: Path) -> None:
    table = {"listen": "127.0.0.1:8080", "tokens_file": "tokens.json", "max_window_days": 7}
    settings = parse_api(table, {}, "mda.toml", tmp_path)
    assert settings == ApiSettings(listen="127.0.0.1:8080", tokens_file=tmp_path / "tokens.json",
                                   max_window_days=7.0)  # fmt: skip


def test_environment_variables_override_the_file(tmp_path: Path) -> None:
    env = {"MDA_API_LISTEN": "0.0.0.0:9000", "MDA_API_MAX_ROWS": "1000"}
    settings = parse_api({"listen": "127.0.0.1:8080"}, env, "mda.toml", tmp_path)
    assert settings is not None and (settings.listen, settings.max_rows) == ("0.0.0.0:9000", 1000)


@pytest.mark.parametrize(
    ("table", "message"),
    [({"port": 8080}, "mda.toml: api.port: unknown setting (known: listen, tokens_file, "
      "max_window_days, max_rows, statement_timeout_s, query_workers)"),
     ({"listen": "8080"}, "mda.toml: api.listen: '8080' is not host:port"),
     ({"max_rows": "many"}, "mda.toml: api.max_rows: expected a whole number, got 'many'"),
     ({"max_window_days": 0}, "mda.toml: api.max_window_days: must be more than 0 (days)")],
)  # fmt: skip
def test_a_bad_api_setting_is_one_clear_error(
    tmp_path: Path, table: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_api(table, {}, "mda.toml", tmp_path)
    assert str(caught.value) == message


async def test_a_running_service_serves_its_picture_and_alerts(tmp_path: Path) -> None:
    config = Config(sources=(SourceSettings(str(ANCHOR_DRAG)),), http_listen=None)
    pipeline = make_pipeline(config)
    service = Service(config, pipeline, [open_source(str(ANCHOR_DRAG), fail_fast=True)],
                      live=False)  # fmt: skip
    settings = ApiSettings(listen="127.0.0.1:0", tokens_file=tmp_path / "tokens.json")
    token = TokenStore(settings.tokens_file).add("officer", "officer")
    api = ServiceApi(settings, pipeline, feeds=None, acknowledge=service.acknowledge,
                     store_url=None)  # fmt: skip
    service.sinks.append(api)
    await api.start()
    try:
        await service.run()
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=api.url, headers=headers) as client:
            vessels = (await client.get("/api/v1/vessels")).json()
            alerts = (await client.get("/api/v1/alerts", params={"state": "cleared"})).json()
    finally:
        await api.stop()
    with_fix = [m for m, s in pipeline.tracks.vessels.items() if s.current is not None]
    assert vessels["total"] == len(with_fix) and DRAGGING in {v["mmsi"] for v in vessels["vessels"]}
    assert [(a["rule"], a["mmsi"], a["state"]) for a in alerts["alerts"]] == [
        ("cable_threat", DRAGGING, "cleared")]  # fmt: skip
    assert api.figures() == {"stream_clients": 0, "stream_frames": 0, "stream_dropped_clients": 0}


def test_the_api_needs_an_address_to_listen_on(tmp_path: Path) -> None:
    pipeline = make_pipeline(Config(http_listen=None))
    with pytest.raises(ConfigError, match=r"api\.listen: required"):
        ServiceApi(ApiSettings(tokens_file=tmp_path / "t.json"), pipeline, feeds=None,
                   acknowledge=lambda *_: None, store_url=None)  # fmt: skip


async def test_the_service_starts_the_api_its_configuration_asks_for(tmp_path: Path) -> None:
    """``[api] listen`` in the configuration is enough: the service builds, starts and stops
    the API itself (a slow paced replay keeps it running while the test asks)."""
    import asyncio

    settings = ApiSettings(listen="127.0.0.1:0", tokens_file=tmp_path / "tokens.json")
    token = TokenStore(settings.tokens_file).add("officer", "officer")
    config = Config(sources=(SourceSettings(str(ANCHOR_DRAG)),), http_listen=None, api=settings)
    pipeline = make_pipeline(config)
    service = Service(config, pipeline, [open_source(str(ANCHOR_DRAG), fail_fast=True)],
                      live=False, speed=60.0)  # fmt: skip
    assert service.api is not None and service.api in service.sinks
    stop = asyncio.Event()
    running = asyncio.create_task(service.run(stop))
    headers = {"Authorization": f"Bearer {token}"}
    try:
        total = 0
        for _ in range(200):
            await asyncio.sleep(0.05)
            if not service.api.serving:
                continue
            async with httpx.AsyncClient(base_url=service.api.url, headers=headers) as client:
                answer = await client.get("/api/v1/vessels")
            assert answer.status_code == 200
            total = answer.json()["total"]
            if total:
                break
        assert total > 0
    finally:
        stop.set()
        await running
    assert not service.api.serving


def _mda(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "import mda.cli; mda.cli.main()", *args],
                          check=False, capture_output=True, text=True, timeout=120,
                          env=env)  # fmt: skip


def test_a_tokens_file_in_a_missing_folder_stops_the_service_with_one_line(
    tmp_path: Path,
) -> None:
    """Most likely a typo or a volume not mounted: a service that started anyway would refuse
    every request with 401 and never say why."""
    missing = tmp_path / "no-such-folder" / "tokens.json"
    config = tmp_path / "mda.toml"
    config.write_text(f'[[sources]]\nurl = "{ANCHOR_DRAG}"\n'
                      f'[api]\nlisten = "127.0.0.1:0"\ntokens_file = "{missing}"\n')  # fmt: skip
    ran = _mda("run", "--config", str(config))
    assert ran.returncode != 0
    assert ran.stderr.strip().splitlines() == [
        f"mda: error: api.tokens_file: the folder {missing.parent} does not exist (create it, "
        f"or make a token with `mda api token add --tokens-file {missing}`, which creates it)"
    ]
    assert not missing.parent.exists()


def test_serving_a_store_checks_the_tokens_folder_too(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "tokens.json"
    ran = _mda("api", "serve", "--database", "postgresql://127.0.0.1:1/none", "--listen",
               "127.0.0.1:0", "--tokens-file", str(missing))  # fmt: skip
    assert ran.returncode != 0
    assert ran.stderr.strip().splitlines() == [
        f"mda: error: api.tokens_file: the folder {missing.parent} does not exist (create it, "
        f"or make a token with `mda api token add --tokens-file {missing}`, which creates it)"
    ]


def test_the_default_tokens_folder_is_made_for_the_service(tmp_path: Path) -> None:
    """mda's own data folder is mda's to create, as the embedded database creates it."""
    env = {**os.environ, "MDA_EMBEDDED_PGDATA": str(tmp_path / "data" / "postgres")}
    settings = ApiSettings(listen="127.0.0.1:0",
                           tokens_file=tmp_path / "data" / "api-tokens.json")  # fmt: skip
    probe = (
        "import os, sys; from pathlib import Path; from mda.api import ServiceApi; "
        "from mda.settings.api import ApiSettings; from mda.config import Config; "
        "from mda.runtime.core import make_pipeline; "
        f"ServiceApi(ApiSettings(listen={settings.listen!r}), make_pipeline(Config("
        "http_listen=None)), feeds=None, acknowledge=lambda *_: None, store_url=None); "
        f"print(Path({str(settings.tokens_file.parent)!r}).is_dir())"
    )
    ran = subprocess.run([sys.executable, "-c", probe], check=False, capture_output=True,
                         text=True, timeout=120, env=env)  # fmt: skip
    assert (ran.returncode, ran.stdout.strip()) == (0, "True"), ran.stderr


def test_serving_an_unreachable_store_is_one_clear_line(tmp_path: Path) -> None:
    tokens = str(tmp_path / "tokens.json")
    ran = _mda("api", "serve", "--database", "postgresql://postgres@127.0.0.1:1/none",
               "--listen", "127.0.0.1:0", "--tokens-file", tokens)  # fmt: skip
    lines = [line for line in ran.stderr.strip().splitlines() if "no API tokens yet" not in line]
    assert ran.returncode != 0
    assert len(lines) == 1, lines
    assert lines[0].startswith("mda: error: API audit log: cannot reach the database at "
                               "postgresql://postgres@127.0.0.1:1/none: ")  # fmt: skip
    assert "Connection refused" in lines[0]
