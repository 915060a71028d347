"""``mda detections``: satellite detections (radar, optical) matched against the stored AIS."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mda.cli.query import Database
from mda.errors import ConfigError, SourceError

if TYPE_CHECKING:
    from mda.detections.infrastructure import FixedObject
    from mda.model import Alert
    from mda.net.broker import BrokerSettings
    from mda.store.detections import Alerting

app = typer.Typer(
    help="Satellite detections: import them, matched against the stored AIS.",
    no_args_is_help=True,
)



def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _columns(pairs: list[str]) -> dict[str, str]:
    from mda.detections.formats import ALIASES

    chosen = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or field not in ALIASES:
            raise ConfigError(
                f"--column takes FIELD=COLUMN with FIELD one of {', '.join(ALIASES)}, not {pair!r}"
            )
        chosen[field] = column
    return chosen


def _known(path: Path) -> list[FixedObject]:
    """Fixed objects from a CSV with name, lat and lon columns."""
    from mda.detections.infrastructure import FixedObject

    rows = csv.DictReader(io.StringIO(_text(path)))
    try:
        return [FixedObject(r["name"], float(r["lat"]), float(r["lon"])) for r in rows]
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"{path}: fixed objects need name, lat and lon columns ({exc})") from exc


async def _publish(broker: BrokerSettings, alerts: list[Alert], timeout_s: float = 30.0) -> None:
    """Publish ``alerts`` as the service does (QoS 1, mda/alerts/{rule}/...), then stop."""
    import contextlib

    from mda.alerts.mqtt import MqttAlertPublisher
    from mda.errors import ServiceUnavailableError

    publisher = MqttAlertPublisher(broker)
    running = asyncio.create_task(publisher.run())
    publisher.publish(alerts)
    try:
        sent = await publisher.flush(timeout_s)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    if not sent:
        raise ServiceUnavailableError(
            f"cannot reach the MQTT broker at {broker.url}: {publisher.last_error or 'no answer'}"
            f" ({publisher.queued} alerts not published; they are stored)"
        )


@app.command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(help="Detections: CSV (GFW SAR fields or named columns) or GeoJSON points."),
    ],
    database: Database = None,
    footprints: Annotated[
        Path | None,
        typer.Option(help="Scene footprints: GeoJSON polygons or CSV of scene_id and WKT."),
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(
            help="FIELD=COLUMN for a plain CSV (time, lat, lon, length_m, score, "
            "scene_id, detect_id); repeatable."
        ),
    ] = None,
    position_error: Annotated[
        float, typer.Option(help="The detector's position error, metres (one deviation).")
    ] = 250.0,
    known: Annotated[
        Path | None,
        typer.Option(help="Known fixed objects (platforms, turbines): CSV of name, lat, lon."),
    ] = None,
    alerts: Annotated[
        bool,
        typer.Option(
            help="Raise dark_vessel alerts for unmatched detections in watched "
            "zones (stored; published with --mqtt)."
        ),
    ] = True,
    zones: Annotated[
        list[Path] | None,
        typer.Option("--zones", "-z", help="Zone files or folders on top of the defaults."),
    ] = None,
    mqtt: Annotated[
        str | None,
        typer.Option(
            "--mqtt",
            envvar="MDA_MQTT_URL",
            help="Publish the alerts to this broker (mqtt://host:1883).",
        ),
    ] = None,
    topic_prefix: Annotated[
        str, typer.Option(help="Topic prefix of the published alerts.")
    ] = "mda",
    min_score: Annotated[
        float, typer.Option(help="Alert only on detections with at least this presence score.")
    ] = 0.5,
) -> None:
    """Match each detection against the AIS in the store at its image time and store it:
    matched to a vessel, unmatched (a dark-vessel candidate) or a fixed object."""
    from mda.cli.db import resolve_database
    from mda.detections.formats import read_detections, read_footprints
    from mda.detections.infrastructure import InfrastructureSettings
    from mda.detections.match import MatchSettings
    from mda.store.detections import import_detections

    found = read_detections(_text(file), file.name, _columns(column or []))
    if footprints is not None:
        found.footprints.update(read_footprints(_text(footprints), footprints.name))
    if not found.detections:
        raise ConfigError(f"{file}: no detections read ({dict(found.refused) or 'empty'})")
    summary = asyncio.run(import_detections(
        resolve_database(database), found.detections, source=file.name,
        footprints=found.footprints, settings=MatchSettings(detection_sigma_m=position_error),
        infrastructure=InfrastructureSettings.for_position_error(position_error),
        known=_known(known) if known else (),
        alerting=_alerting(alerts, zones, min_score, position_error),
    ))  # fmt: skip
    counts = summary.by_status
    text = (
        f"{summary.detections} detections in {summary.scenes} scenes: {counts['matched']} "
        f"matched to AIS, {counts['unmatched']} unmatched (dark-vessel candidates), "
        f"{counts['infrastructure']} fixed objects"
    )
    if summary.remarked:
        text += f"; {summary.remarked} detections stored before are fixed objects after all"
    if found.refused:
        reasons = ", ".join(f"{n} {why}" for why, n in sorted(found.refused.items()))
        text += f"; {sum(found.refused.values())} rows refused ({reasons})"
    if alerts:
        text += f"; {len(summary.alerts)} dark_vessel alerts"
        if summary.alerts and mqtt:
            from mda.net.broker import parse_broker_url

            broker = parse_broker_url(mqtt, topic_prefix=topic_prefix)
            asyncio.run(_publish(broker, summary.alerts))
            text += f" published to {broker.url}"
    typer.echo(text)


def _alerting(
    on: bool, zones: list[Path] | None, min_score: float, position_error: float
) -> Alerting | None:
    if not on:
        return None
    from mda.detections.alerts import DarkVesselSettings
    from mda.store.detections import Alerting
    from mda.zones import ZoneIndex, zone_folders

    settings = DarkVesselSettings(min_score=min_score, position_error_m=position_error)
    return Alerting(ZoneIndex.from_folders(zone_folders(zones)), settings)
