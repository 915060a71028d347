"""Service configuration: one TOML file, with environment variables over it.

::

    [[sources]]
    url = "tcp://192.0.2.10:4001"
    lateness = "10s"                       # how late its lines may come and still be in order

    [pipeline]
    lateness = "2m"                        # the default for sources that do not say
    step = "1m"                            # event time handed to the rules in steps of this
    max_vessels = 300000                   # vessels held at most; the longest unheard go first

    [database]
    url = "postgresql://mda@db/mda"       # or "embedded"; leave out to store nothing
    spool_dir = "/var/lib/mda/spool"

    [mqtt]
    url = "mqtts://mda:secret@broker:8883"
    ca_file = "/etc/mda/ca.pem"

    [zones]
    folders = ["/etc/mda/zones"]           # read after mda's default zones

    [alerts]
    folders = ["/etc/mda/alerts"]          # rule tables overriding the defaults
    jsonl = "/var/log/mda/alerts.jsonl"

    [http]
    listen = "127.0.0.1:9108"              # /metrics and /healthz

Every scalar setting can be overridden by ``MDA_<SECTION>_<KEY>`` (``MDA_DATABASE_URL``,
``MDA_MQTT_PASSWORD`` ...); ``MDA_SOURCES`` is a comma-separated list of source URLs. A
mistake gets one message that names the file and key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mda.errors import ConfigError
from mda.net.broker import BrokerSettings, parse_broker_url
from mda.resources import default_folder
from mda.sequencer import DEFAULT_LATENESS_S, SLICE_S
from mda.settings.api import ApiSettings, parse_api
from mda.settings.checks import from_environment, typed_table
from mda.settings.feed_spec import FeedsConfig
from mda.settings.feeds import load_feeds, parse_feeds
from mda.settings.scale import SCALE_KEYS, ScaleSettings, parse_scale
from mda.settings.tomlfile import read_toml
from mda.timefmt import parse_duration
from mda.tracks import DEFAULT_MAX_VESSELS


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """One input: a URL or path as ``mda decode`` takes them, and how late its records may
    arrive and still be put in event-time order (None: the pipeline's default)."""

    url: str
    lateness_s: float | None = None


@dataclass(frozen=True, slots=True)
class Config:
    """Everything ``mda run`` needs."""

    sources: tuple[SourceSettings, ...] = ()
    database_url: str | None = None  # "embedded" for mda's own server; None stores nothing
    spool_dir: Path | None = None
    spool_max_mb: int = 1024
    # A write the database has not answered by then counts as a lost connection (it spools).
    write_timeout_s: float = 10.0
    broker: BrokerSettings | None = None
    zone_folders: tuple[Path, ...] = ()
    alert_folders: tuple[Path, ...] = ()
    alerts_jsonl: Path | None = None
    console: bool = False
    http_listen: str | None = "127.0.0.1:9108"
    batch_lines: int = 5000
    duplicate_window_s: float = 10.0
    lateness_s: float = DEFAULT_LATENESS_S
    step_s: float = SLICE_S
    queue_batches: int = 8
    max_vessels: int = DEFAULT_MAX_VESSELS
    feeds: FeedsConfig | None = None  # partner feeds ([feeds.<partner>] or MDA_FEEDS_FILE)
    api: ApiSettings | None = None  # the HTTP API ([api] listen, tokens_file ...)
    scale: ScaleSettings = field(default_factory=ScaleSettings)  # [scale]: NATS scale-out
    where: str = "defaults"

    def zone_paths(self) -> list[Path]:
        """mda's default zones, then the user's folders."""
        return [default_folder("zones"), *self.zone_folders]

    def rule_paths(self) -> list[Path]:
        """mda's default rule sets, then the user's (which override by rule name)."""
        return [default_folder("alerts"), *self.alert_folders]


# section -> key -> type; lists are lists of strings
_SCHEMA: dict[str, dict[str, type]] = {
    "database": {"url": str, "spool_dir": str, "spool_max_mb": int, "write_timeout_s": float},
    "mqtt": {"url": str, "username": str, "password": str, "ca_file": str, "cert_file": str,
             "key_file": str, "client_id": str, "topic_prefix": str, "session_expiry_s": int},
    "zones": {"folders": list},
    "alerts": {"folders": list, "jsonl": str, "console": bool},
    "http": {"listen": str},
    "pipeline": {"batch_lines": int, "duplicate_window_s": float, "queue_batches": int,
                 "lateness": str, "step": str, "max_vessels": int},
    "scale": SCALE_KEYS,
}  # fmt: skip

# The least each number may be: below it a setting is a mistake (a negative batch, an unbounded
# queue of size 0), refused with its name rather than run with.
_AT_LEAST: dict[tuple[str, str], float] = {
    ("database", "spool_max_mb"): 1,
    ("pipeline", "batch_lines"): 1,
    ("pipeline", "queue_batches"): 1,
    ("pipeline", "max_vessels"): 1,
    ("pipeline", "duplicate_window_s"): 0,
}


def load_config(path: Path | None, env: Mapping[str, str] | None = None) -> Config:
    """The configuration of a file (or none) with the environment's overrides."""
    env = os.environ if env is None else env
    document: dict[str, Any] = {}
    where = "environment"
    if path is not None:
        where = str(path)
        document = read_toml(path)
    base = path.parent if path is not None else Path.cwd()
    sections = _check(document, where)
    for name, keys in _SCHEMA.items():
        sections[name].update(from_environment(env, name, keys))
    _check_ranges(sections, where)
    config = _build(sections, document.get("sources", []), env, base, where)
    feeds = None
    if env.get("MDA_FEEDS_FILE"):
        feeds = load_feeds(Path(env["MDA_FEEDS_FILE"]))
    elif "feeds" in document:
        feeds = parse_feeds(document["feeds"], where, base)
    api = parse_api(document.get("api"), env, where, base)
    return replace(config, feeds=feeds, api=api)


def _check(document: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    sections: dict[str, dict[str, Any]] = {name: {} for name in _SCHEMA}
    for name, table in document.items():
        if name in ("sources", "feeds", "api"):
            continue  # checked by their own parsers
        if name not in _SCHEMA:
            known = ", ".join(["sources", "feeds", "api", *_SCHEMA])
            raise ConfigError(f"{where}: unknown section [{name}] (known: {known})")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [{name}] must be a table")
        sections[name] = typed_table(table, _SCHEMA[name], f"{where}: {name}.")
    return sections


def _check_ranges(sections: dict[str, dict[str, Any]], where: str) -> None:
    for (name, key), least in _AT_LEAST.items():
        value = sections[name].get(key)
        if value is not None and value < least:
            raise ConfigError(f"{where}: {name}.{key}: at least {least:g}, not {value!r}")


def _duration(value: Any, label: str) -> float:
    try:
        return parse_duration(value, label)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


def _step(value: Any, label: str) -> float:
    step = _duration(value, label)
    if not 0.1 <= step <= 3600.0:
        raise ConfigError(f"{label}: between 0.1 s and 1 h, not {value!r}")
    return step


def _build(
    s: dict[str, dict[str, Any]], sources: Any, env: Mapping[str, str], base: Path, where: str
) -> Config:
    inputs: list[SourceSettings] = []
    if env.get("MDA_SOURCES"):
        inputs = [
            SourceSettings(u.strip()) for u in env["MDA_SOURCES"].split(",") if u.strip()
        ]
    else:
        if not isinstance(sources, list):
            raise ConfigError(f"{where}: sources must be an array of tables ([[sources]])")
        for i, table in enumerate(sources):
            if not isinstance(table, dict) or not isinstance(table.get("url"), str):
                raise ConfigError(f"{where}: sources[{i}].url: expected a string")
            extra = set(table) - {"url", "lateness"}
            if extra:
                raise ConfigError(f"{where}: sources[{i}].{sorted(extra)[0]}: unknown setting")
            lateness = None
            if "lateness" in table:
                lateness = _duration(table["lateness"], f"{where}: sources[{i}].lateness")
            inputs.append(SourceSettings(table["url"], lateness))

    def path(value: str | None) -> Path | None:
        return None if value is None else (base / value).expanduser()

    broker = None
    mqtt = s["mqtt"]
    if "url" in mqtt:
        options = {k: mqtt[k] for k in ("username", "password", "ca_file", "cert_file",
                                         "key_file", "client_id", "topic_prefix",
                                         "session_expiry_s") if k in mqtt}  # fmt: skip
        try:
            broker = parse_broker_url(mqtt["url"], **options)
        except ConfigError as exc:
            raise ConfigError(f"{where}: mqtt.url: {exc}") from exc
    elif len(mqtt):
        raise ConfigError(f"{where}: mqtt.url: required when [mqtt] has settings")
    db = s["database"]
    pipeline = s["pipeline"]
    listen = s["http"].get("listen", "127.0.0.1:9108")
    return Config(
        sources=tuple(inputs),
        database_url=db.get("url"),
        spool_dir=path(db.get("spool_dir")),
        spool_max_mb=db.get("spool_max_mb", 1024),
        write_timeout_s=float(db.get("write_timeout_s", 10.0)),
        broker=broker,
        zone_folders=tuple(p for p in map(path, s["zones"].get("folders", [])) if p),
        alert_folders=tuple(p for p in map(path, s["alerts"].get("folders", [])) if p),
        alerts_jsonl=path(s["alerts"].get("jsonl")),
        console=s["alerts"].get("console", False),
        http_listen=listen or None,
        batch_lines=pipeline.get("batch_lines", 5000),
        duplicate_window_s=pipeline.get("duplicate_window_s", 10.0),
        lateness_s=_duration(
            pipeline.get("lateness", DEFAULT_LATENESS_S), f"{where}: pipeline.lateness"
        ),
        step_s=_step(pipeline.get("step", SLICE_S), f"{where}: pipeline.step"),
        queue_batches=pipeline.get("queue_batches", 8),
        max_vessels=pipeline.get("max_vessels", DEFAULT_MAX_VESSELS),
        scale=parse_scale(s["scale"], where),
        where=where,
    )
