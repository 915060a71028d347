"""Where alerts are handed to: the protocol, a JSON-lines file and the console."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Protocol

from mda.errors import MdaError
from mda.model import Alert
from mda.timefmt import iso


class AlertSink(Protocol):
    """Anything alerts are handed to (MQTT, a JSON-lines file, the console, the live API)."""

    def publish(self, alerts: list[Alert]) -> None:
        """Take a batch of alert state changes; must not block."""
        ...


class JsonlAlertWriter:
    """Appends every alert state change as one JSON object per line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._file: IO[str] = path.open("w", encoding="utf-8")
        except OSError as exc:
            raise MdaError(f"cannot write alerts to {path}: {exc.strerror or exc}") from exc
        self.written = 0

    def publish(self, alerts: list[Alert]) -> None:
        """Write a batch of alerts and flush them to the file."""
        if not alerts:
            return
        self._file.write("".join(json.dumps(a.body, default=str) + "\n" for a in alerts))
        self._file.flush()
        self.written += len(alerts)

    def close(self) -> None:
        """Close the file."""
        self._file.close()


def alert_line(alert: Alert) -> str:
    """One line a watch officer reads: when, how serious, what state, what happened, and then
    who (name, type and status in words) and where (the nearest named place; where it cleared).
    """
    where = _where(alert.body)
    return (
        f"{iso(alert.updated)}  {alert.severity.upper():<7}  {alert.state:<12}  "
        f"{alert.rule:<16} {alert.message}{where}  [{alert.alert_id[:8]}]"
    )


def _where(body: dict[str, object]) -> str:
    """The who and where of a body: " — NAME (tanker, at anchor), 38 nm SE of Port Sudan"."""
    parts = []
    vessel = body.get("vessel")
    if isinstance(vessel, dict):
        words = [w for w in (vessel.get("ship_type_text"), vessel.get("nav_status_text")) if w]
        name = vessel.get("name") or ""
        said = f"{name} ({', '.join(map(str, words))})" if words else str(name)
        if said.strip():
            parts.append(said.strip())
    place = body.get("nearest_place")
    if isinstance(place, dict) and place.get("text"):
        parts.append(str(place["text"]))
    cleared = body.get("cleared_at")
    if isinstance(cleared, dict) and isinstance(cleared.get("nearest_place"), dict):
        parts.append(f"cleared {cleared['nearest_place'].get('text')}")
    return f" — {', '.join(parts)}" if parts else ""


class ConsoleAlertPrinter:
    """Prints alert state changes as they happen."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self.printed = 0

    def publish(self, alerts: list[Alert]) -> None:
        """Print a batch of alerts."""
        for alert in alerts:
            print(alert_line(alert), file=self.stream, flush=True)
        self.printed += len(alerts)
