"""What simulated vessels send and who hears it: particulars, position reports, receivers, and
the recording in time order.

Vessels transmit on schedules of their own; each transmission is heard by the receiver
nearest to it, sometimes by a second one as well (as neighbouring coastal stations do; ingest
removes the copy), and is encoded by ``SentenceWriter`` once everything is known, in time
order, so that tag-block groups and sequence numbers count up through the file.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from mda.simulate.encoder import SentenceWriter, position_report
from mda.simulate.traffic import NAMES

NOT_AVAILABLE_HEADING = 511

# By the first digit of the ship type: (length range in metres, beam / length, draught / length)
_HULLS: dict[int, tuple[tuple[int, int], float, float]] = {
    3: ((18, 45), 0.25, 0.09),  # fishing
    6: ((120, 220), 0.15, 0.04),  # passenger
    7: ((120, 300), 0.15, 0.05),  # cargo
    8: ((110, 330), 0.17, 0.055),  # tankers
}


@dataclass(frozen=True, slots=True)
class Station:
    """An AIS receiver: its name in tag blocks (``s:``) and where it stands."""

    name: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Particulars:
    """Who a vessel is, as its static reports tell it."""

    mmsi: int
    name: str
    callsign: str
    imo: int | None
    ship_type: int
    class_b: bool
    length_m: int
    beam_m: int
    draught_m: float
    destination: str

    def static_fields(self) -> list[dict[str, object]]:
        """The static reports the vessel sends: type 5, or type 24 parts A and B."""
        stern = max(3, round(self.length_m * 0.15))
        port = self.beam_m // 2
        dims = {"to_bow": self.length_m - stern, "to_stern": stern, "to_port": port,
                "to_starboard": self.beam_m - port}  # fmt: skip
        if self.class_b:
            return [
                {"type": 24, "mmsi": self.mmsi, "partno": 0, "shipname": self.name},
                {"type": 24, "mmsi": self.mmsi, "partno": 1, "ship_type": self.ship_type,
                 "callsign": self.callsign, **dims},
            ]  # fmt: skip
        return [
            {"type": 5, "mmsi": self.mmsi, "ais_version": 2, "imo": self.imo or 0,
             "callsign": self.callsign, "shipname": self.name, "ship_type": self.ship_type,
             **dims, "epfd": 1, "draught": self.draught_m, "destination": self.destination,
             "dte": 0},
        ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Fix:
    """One position report as transmitted: time (epoch seconds), position, and the motion the
    transponder reports (speed in knots, course and heading in degrees, rate of turn in degrees
    per minute, navigational status)."""

    time: int
    lat: float
    lon: float
    sog: float
    cog: float
    heading: int
    status: int = 0
    rot: float = 0.0


def position_fields(p: Particulars, fix: Fix) -> dict[str, object]:
    """The fields of the position report (type 1, or 18 for class B) carrying ``fix``."""
    fields = position_report(p.mmsi, p.class_b, fix.lat, fix.lon, fix.sog,
                             round(fix.cog % 360.0, 1) % 360.0, fix.heading,
                             fix.time % 60)  # fmt: skip
    if p.class_b:
        fields["cs"] = True  # a carrier-sense ("CS") unit, as nearly all class B sets are
    else:
        fields["status"] = fix.status
        # The rate-of-turn code saturates at 126 (708 deg/min); beyond is "turning fast".
        fields["turn"] = max(-700.0, min(700.0, round(fix.rot)))
    return fields


def decoded(value: float) -> float:
    """A latitude or longitude as a receiver decodes it (1/10000 minute resolution)."""
    return round(value * 600_000) / 600_000


def imo_number(rng: random.Random) -> int:
    """A random seven-digit IMO number whose last digit is its check digit."""
    return _with_check_digit(rng.randrange(900_000, 1_000_000))


def _with_check_digit(first6: int) -> int:
    digits = [int(d) for d in str(first6)]
    return first6 * 10 + sum(d * (7 - i) for i, d in enumerate(digits)) % 10


def hull(rng: random.Random, ship_type: int) -> tuple[int, int, float]:
    """A plausible (length, beam, draught) in metres for a class A ship of ``ship_type``."""
    (low, high), beam_ratio, draught_ratio = _HULLS.get(ship_type // 10, _HULLS[7])
    length = rng.randint(low, high)
    draught = round(min(length * draught_ratio * rng.uniform(0.8, 1.1), 20.0), 1)
    return length, max(5, round(length * beam_ratio)), max(draught, 2.0)


@dataclass(slots=True)
class Recorder:
    """Collects what the receivers of a region hear, and writes it as one time-ordered file."""

    rng: random.Random
    stations: Sequence[Station]
    second_station_share: float = 0.1
    _events: list[tuple[int, int, str, str, dict[str, object]]] = field(default_factory=list)
    _taken: set[int] = field(default_factory=set)
    _imos: set[int] = field(default_factory=set)
    _channel: dict[int, int] = field(default_factory=dict)

    def new_mmsi(self, mids: Sequence[int]) -> int:
        """An MMSI of one of the countries ``mids`` that no other vessel of the file has."""
        while True:
            mmsi = self.rng.choice(mids) * 1_000_000 + self.rng.randrange(100_000, 1_000_000)
            if mmsi not in self._taken:
                self._taken.add(mmsi)
                return mmsi

    def reserve_imo(self, imo: int | None) -> None:
        """Take the IMO number of a scenario vessel so that no generated vessel gets it."""
        if imo is not None:
            self._imos.add(imo)

    def _unique_imo(self, imo: int) -> int:
        # An IMO number belongs to one hull for life: two ships sharing one is what the
        # identity rules flag. Step past a number already given instead of drawing again, so
        # that a file without a clash keeps its bytes.
        while imo in self._imos:
            imo = _with_check_digit(900_000 + (imo // 10 - 900_000 + 1) % 100_000)
        self._imos.add(imo)
        return imo

    def particulars(
        self, mids: Sequence[int], ship_type: int, class_b: bool, number: int, destination: str
    ) -> Particulars:
        """A random vessel of ``ship_type`` flagged by one of ``mids``, named after ``number``
        (names are unique in a file because the numbers are)."""
        rng = self.rng
        mmsi = self.new_mmsi(mids)
        if class_b:
            length, beam, draught = rng.randint(9, 20), rng.randint(3, 6), 0.0
        else:
            length, beam, draught = hull(rng, ship_type)
        return Particulars(
            mmsi=mmsi,
            name=f"{rng.choice(NAMES)} {rng.choice(NAMES)} {number}",
            callsign=rng.choice("ADHJLV") + rng.choice("ABCDEFG") + str(rng.randrange(1000, 9999)),
            imo=None if class_b else self._unique_imo(imo_number(rng)),
            ship_type=ship_type,
            class_b=class_b,
            length_m=length,
            beam_m=beam,
            draught_m=draught,
            destination=destination,
        )

    def position(self, p: Particulars, fix: Fix) -> None:
        """A position report that was heard."""
        self._heard(fix.time, fix.lat, fix.lon, p.mmsi, position_fields(p, fix))

    def statics(self, p: Particulars, time: int, lat: float, lon: float) -> None:
        """A transmission of the vessel's static reports that was heard."""
        for fields in p.static_fields():
            self._heard(time, lat, lon, p.mmsi, fields)

    def _heard(
        self, time: int, lat: float, lon: float, mmsi: int, fields: dict[str, object]
    ) -> None:
        # Class A and B sets alternate their two channels transmission by transmission.
        turn = self._channel.get(mmsi, mmsi % 2)
        self._channel[mmsi] = turn ^ 1
        channel = "AB"[turn]
        nearest = sorted(self.stations, key=lambda s: _degrees_apart(s, lat, lon))
        self._events.append((time, len(self._events), nearest[0].name, channel, fields))
        if len(nearest) > 1 and self.rng.random() < self.second_station_share:
            self._events.append((time, len(self._events), nearest[1].name, channel, fields))

    def lines(self) -> list[bytes]:
        """Every line heard, tag-blocked, in order of reception time."""
        writer = SentenceWriter()
        out: list[bytes] = []
        for time, _, station, channel, fields in sorted(self._events, key=lambda e: e[:2]):
            out += writer.encode(fields, time, channel, station=station)
        return out


def _degrees_apart(s: Station, lat: float, lon: float) -> float:
    # Only the order matters: a flat approximation is enough to pick the nearest receiver.
    return (s.lat - lat) ** 2 + ((s.lon - lon) * math.cos(math.radians(lat))) ** 2
