"""What an MMSI is, by the formats of ITU-R M.585, and which ones no station may use.

An MMSI is nine digits; AIS carries it as a number, so leading zeros are not sent and
``2470001`` is the coast station ``002470001``. The formats (M.585 annexes):

==============  ==================================  ===========================
``MIDxxxxxx``   ship station (first digit 2-7)      a ship
``0MIDxxxxx``   group of ship stations              valid, not a ship
``00MIDxxxx``   coast station                       valid, not a ship
``111MIDxxx``   SAR aircraft                        valid, not a ship
``8MIDxxxxx``   handheld VHF with DSC and GNSS      valid, not a ship
``98MIDxxxx``   craft associated with a parent ship  valid, not a ship
``99MIDxxxx``   aid to navigation                   valid, not a ship
``970xxyyyy``   AIS-SART                            valid, no flag
``972xxyyyy``   man overboard device                valid, no flag
``974xxyyyy``   EPIRB-AIS                           valid, no flag
``979xxyyyy``   autonomous maritime radio device    valid, no flag
==============  ==================================  ===========================

Everything else is invalid: a MID no country was allocated (mda's MID table), a number that
fits no format (``1xxxxxxxx`` other than SAR aircraft, ``9xxxxxxxx`` outside the device ranges,
0), or one that is not nine digits in any format (``1193046``, ``12345678``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal, TypeAlias

import numpy as np
import numpy.typing as npt

from mda.ingest.flags import mid_table
from mda.rules.anywhere import Where
from mda.rules.base import BatchView, Detection, admits, ended_unheard, vessel_label
from mda.rules.settings import RuleSpec, detector_params
from mda.tracks import DEFAULT_MAX_VESSELS, Tracks
from mda.zones.index import ZoneIndex

MmsiKind: TypeAlias = Literal[
    "ship", "group", "coast_station", "sar_aircraft", "handheld", "craft_of_parent_ship",
    "aid_to_navigation", "sart", "man_overboard", "epirb", "autonomous_device", "invalid",
]  # fmt: skip

# Device ranges with no MID (M.585 annex 1 section 3 and AMRD group B).
_DEVICES: Final[dict[str, MmsiKind]] = {
    "970": "sart", "972": "man_overboard", "974": "epirb", "979": "autonomous_device",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class MmsiClass:
    """An MMSI's format and, when it is invalid, why."""

    kind: MmsiKind
    mid: int | None = None
    problem: str = ""

    @property
    def invalid(self) -> bool:
        """Whether no station may use this number."""
        return self.kind == "invalid"


def _with_mid(kind: MmsiKind, mid: int, mmsi: int) -> MmsiClass:
    if mid in mid_table():
        return MmsiClass(kind, mid)
    label = kind.replace("_", " ")
    digits = len(str(mmsi))
    if digits < 9 and kind in ("group", "coast_station"):
        # Read as a group or coast number only because it is short; say what it is.
        return MmsiClass("invalid", None, f"{digits} digits, not 9 (and no allocated MID)")
    return MmsiClass("invalid", mid, f"MID {mid:03d} of this {label} number is not allocated")


@lru_cache(maxsize=256)
def classify_mmsi(mmsi: int) -> MmsiClass:
    """The format of an MMSI (ITU-R M.585) and whether it is valid."""
    if not 0 < mmsi <= 999_999_999:
        return MmsiClass("invalid", None, "not a nine-digit number" if mmsi else "MMSI 0")
    d = f"{mmsi:09d}"
    head = d[0]
    if head in "234567":
        return _with_mid("ship", int(d[0:3]), mmsi)
    if d.startswith("00"):
        return _with_mid("coast_station", int(d[2:5]), mmsi)
    if head == "0":
        return _with_mid("group", int(d[1:4]), mmsi)
    if d.startswith("111"):
        return _with_mid("sar_aircraft", int(d[3:6]), mmsi)
    if head == "8":
        return _with_mid("handheld", int(d[1:4]), mmsi)
    if d.startswith("98"):
        return _with_mid("craft_of_parent_ship", int(d[2:5]), mmsi)
    if d.startswith("99"):
        return _with_mid("aid_to_navigation", int(d[2:5]), mmsi)
    device = _DEVICES.get(d[0:3])
    if device is not None:
        return MmsiClass(device)
    return MmsiClass("invalid", None, f"no ITU-R M.585 format starts with {d[0:3]}")


class NumberSet:
    """MMSIs already judged, at most ``capacity`` of them; the oldest added are forgotten first.

    A feed full of invalid numbers (a misconfigured fleet, a fuzzer) must cost neither
    unbounded memory nor time that grows with how many were met: membership is a hash lookup
    per distinct number of a batch, and past ``capacity`` the number judged longest ago is
    forgotten (it is judged again, and may alert again, if it is heard again).
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"a number set holds at least one number, not {capacity}")
        self.capacity = capacity
        # Insertion-ordered with O(1) removal of the oldest (a plain dict's front fills with
        # deleted slots when it is popped from there again and again).
        self._numbers: OrderedDict[int, None] = OrderedDict()
        self.forgotten = 0  # numbers dropped by the capacity

    def __len__(self) -> int:
        return len(self._numbers)

    def __contains__(self, mmsi: int) -> bool:
        return mmsi in self._numbers

    def add(self, mmsi: int) -> None:
        """Add a number; the oldest goes when the set is full."""
        if mmsi in self._numbers:
            return
        self._numbers[mmsi] = None
        while len(self._numbers) > self.capacity:
            self._numbers.popitem(last=False)
            self.forgotten += 1


@lru_cache(maxsize=1)
def _ship_mids() -> npt.NDArray[np.bool_]:
    lookup = np.zeros(1000, dtype=bool)
    lookup[list(mid_table())] = True
    return lookup


def plain_ship_number(mmsi: int) -> bool:
    """Whether one MMSI is a ship number with an allocated MID (the common case, cheaply)."""
    return 200_000_000 <= mmsi < 800_000_000 and mmsi // 1_000_000 in mid_table()


def plain_ship_numbers(mmsi: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Which MMSIs are ship numbers with an allocated MID: the great majority, settled in one
    vectorised step, so only the others are classified one by one."""
    ship = (mmsi >= 200_000_000) & (mmsi < 800_000_000)
    result: npt.NDArray[np.bool_] = ship & _ship_mids()[np.where(ship, mmsi // 1_000_000, 0)]
    return result


def unusual_numbers(mmsi: npt.NDArray[np.int64], known: NumberSet) -> list[int]:
    """The distinct MMSIs among ``mmsi`` that are not plain ship numbers, nor ``known``."""
    others: list[int] = np.unique(mmsi[~plain_ship_numbers(mmsi)]).tolist()
    return [m for m in others if m not in known]


# -- the invalid_mmsi detector -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InvalidMmsiParams:
    """When an alert ends, and how many may be open at once."""

    clear_after_hours: float = 6.0  # unheard this long: the alert clears
    # A feed full of invalid numbers (a misconfigured fleet, a test transmitter) must not bury
    # the watch in alerts: numbers first heard while this many alerts are open are counted in
    # the next alert's evidence, not alerted.
    max_open: int = 50


class InvalidMmsiRule:
    """Vessels transmitting an MMSI no station may use; ``detector = "invalid_mmsi"``.

    One alert per MMSI: it opens at the first position or static report and clears when the
    number has not been heard for ``clear_after_hours``; the same number is never reported
    again. Valid numbers that are not ships' (coast stations, SAR aircraft, SARTs, aids to
    navigation ...) are not reported.
    """

    def __init__(self, spec: RuleSpec, index: ZoneIndex) -> None:
        self.scope = spec.scope
        self.params = detector_params(InvalidMmsiParams, spec)
        self.where = Where(self.scope, index, spec.where)
        # Numbers classified already: those reported, and valid ones that are not ships'.
        # Bounded like the vessels themselves (the pipeline's cap, read from the tracks).
        self.checked = NumberSet(DEFAULT_MAX_VESSELS)
        self.heard: dict[int, float] = {}  # open alerts: last heard
        self.not_alerted = 0  # numbers met while ``max_open`` alerts were open

    def observe(self, view: BatchView) -> list[Detection]:
        """Report new invalid numbers; note when open ones are heard."""
        out: list[Detection] = []
        self.checked.capacity = view.tracks.max_vessels
        fx = view.fixes
        if len(fx):
            mmsi = fx.mmsi  # sorted: rows are in vessel-then-time order
            if self.heard:
                open_ = np.fromiter(self.heard, dtype=np.int64, count=len(self.heard))
                ends = np.searchsorted(mmsi, open_, side="right")
                present = ends > np.searchsorted(mmsi, open_, side="left")
                for m, e in zip(open_[present].tolist(), ends[present].tolist(), strict=True):
                    self.heard[m] = max(self.heard[m], float(fx.time[e - 1]))
            scope = self.where.mask(view)
            for m in unusual_numbers(mmsi[scope], self.checked):
                if not classify_mmsi(m).invalid:
                    self.checked.add(m)
                    continue
                s = int(np.searchsorted(mmsi, m))
                first = s + int(np.argmax(scope[s:]))  # its first fix in scope
                lat, lon = view.point(first)
                out += self._report(m, float(fx.time[first]), view, lat, lon)
        for p in view.untracked:
            # A suspect time is no movement, but the number was heard: reported at the event
            # time reached, its own time being untrustworthy.
            m = p.mmsi
            if m in self.heard:
                self.heard[m] = max(self.heard[m], view.watermark)
            elif m not in self.checked and not plain_ship_number(m):
                if not classify_mmsi(m).invalid:
                    self.checked.add(m)
                    continue
                state = view.tracks.vessels.get(m)
                if state is not None and self.where.holds(state):
                    out += self._report(m, view.watermark, view, p.lat, p.lon)
        for st in view.statics:
            # Type 21 is an aid to navigation's own report: not a vessel's identity.
            if st.msg_type == 21 or st.time is None or plain_ship_number(st.mmsi):
                continue
            if st.mmsi in self.heard:
                self.heard[st.mmsi] = max(self.heard[st.mmsi], st.time)
            elif st.mmsi not in self.checked and classify_mmsi(st.mmsi).invalid:
                state = view.tracks.vessels.get(st.mmsi)
                if state is not None and self.where.holds(state):
                    out += self._report(st.mmsi, st.time, view, None, None)
        return out

    def _report(
        self, m: int, t: float, view: BatchView, lat: float | None, lon: float | None
    ) -> list[Detection]:
        self.checked.add(m)
        state = view.tracks.vessels.get(m)
        if state is None or not admits(self.scope, state):
            return []
        if len(self.heard) >= self.params.max_open:
            self.not_alerted += 1
            return []
        self.heard[m] = t
        what = classify_mmsi(m)
        return [
            Detection(
                rule=self.scope.name, mmsi=m, zone_id=None, time=t, active=True,
                severity=self.scope.severity, started=t,
                message=f"{vessel_label(state)} transmits an invalid MMSI: {what.problem}",
                evidence={"mmsi_problem": what.problem, "mid": what.mid,
                          "invalid_mmsis_not_alerted": self.not_alerted},
                lat=lat, lon=lon,
            )
        ]  # fmt: skip

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        """An invalid number unheard for a while: its alert ends."""
        horizon = watermark - self.params.clear_after_hours * 3600.0
        return ended_unheard(self.heard, horizon, self.scope, watermark,
                             "the invalid MMSI is no longer heard")  # fmt: skip

    def forget(self, mmsis: Iterable[int]) -> None:
        """Evicted vessels stay reported (each number alerts once); open alerts end by tick."""
