"""Identity change: a vessel that changes its name, call sign or flag.

Two ways a changed identity shows:

- on one MMSI, a static report with another name or call sign (or IMO number) than the
  vessel's last one. Vessel state notes changes as it merges reports; trivial differences
  (padding, case, '@', spacing, punctuation) are not changes, and a first report changes
  nothing. A plain new value (letters, digits and the punctuation of registered names) is
  reported at once; one with odd characters waits for ``confirm_reports`` reports (the call
  sign "L;OI3CL" between "BI2528"s in GFW's real reference data is one corrupted report). If
  the next report goes back to the old value, the alert is retracted;
- flag hopping: an IMO number, which stays with a hull for life, reported under a new MMSI
  whose MID gives another flag than the MMSI last seen with it, once that MMSI has fallen
  silent (two MMSIs sending one IMO number at the same time are two vessels, one of them with
  a wrong IMO, not a change of flag). IMO numbers failing their check digit are not used.

Invalid MMSIs (0, 123456789 ...) are left out: many transmitters share them, so their names
change all the time, and ``invalid_mmsi`` reports them. So are aids to navigation and base
stations: their names are not a vessel's identity. The alert opens at the report that
shows the new identity and clears after ``hold_hours``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from mda.ingest.flags import flag_of
from mda.model import VesselStatic
from mda.rules.anywhere import Where
from mda.rules.base import BatchView, Detection, admits, ended_unheard, vessel_label
from mda.rules.mmsi import classify_mmsi
from mda.rules.settings import RuleSpec, detector_params
from mda.timefmt import iso
from mda.tracks import Tracks
from mda.vessel_state import IdentityChange, identity_text
from mda.zones.index import ZoneIndex

_WORDS = {"shipname": "name", "callsign": "call sign", "imo": "IMO number"}
# Numbers whose names are not a vessel's identity: invalid ones (many transmitters share them),
# aids to navigation (one MMSI may name several aids: AMSA's feed has a buoy broadcasting as
# "FAIRWAY LANDFALL BUOY" and as "13"), base stations and group calls.
NOT_A_VESSEL = frozenset(("invalid", "aid_to_navigation", "coast_station", "group"))


def valid_imo(imo: int) -> bool:
    """Whether a number is an IMO ship number: seven digits, the last a check digit (the sum
    of the first six weighted 7 to 2, modulo 10)."""
    if not 1_000_000 <= imo <= 9_999_999:
        return False
    rest, check = divmod(imo, 10)
    total = 0
    for weight in range(2, 8):  # from the last of the six digits, weighted 2, to the first, 7
        rest, digit = divmod(rest, 10)
        total += digit * weight
    return total % 10 == check


@dataclass(frozen=True, slots=True)
class IdentityParams:
    """How long an alert stays open; when an old MMSI counts as fallen silent."""

    hold_hours: float = 24.0
    confirm_reports: int = 2
    old_quiet_minutes: float = 5.0
    names: bool = True  # report changes of name, call sign and IMO number on one MMSI
    flags: bool = True  # report an IMO number moving to an MMSI of another flag
    remember_imos: int = 500_000  # IMO numbers remembered with their last MMSI


class IdentityChangeRule:
    """Detects changes of identity; ``detector = "identity_change"``."""

    def __init__(self, spec: RuleSpec, index: ZoneIndex) -> None:
        self.scope = spec.scope
        self.params = detector_params(IdentityParams, spec)
        self.where = Where(self.scope, index, spec.where)
        self.cursor = 0  # the next identity change of vessel state to read
        self.imo_mmsi: dict[int, tuple[int, float]] = {}  # IMO -> (MMSI, last reported)
        self.open: dict[int, float] = {}  # MMSI -> when its latest change was seen
        self.pending: dict[int, _Pending] = {}  # changes waiting for confirmation

    def observe(self, view: BatchView) -> list[Detection]:
        """Changes merged into vessel state since the last batch, and IMO numbers that moved."""
        out: list[Detection] = []
        tracks = view.tracks
        changes = tracks.identity_changes_since(self.cursor)
        self.cursor = tracks.identity_seq
        if self.params.names:
            out += self._note(changes, tracks)
            out += self._repeated(view)
        if self.params.flags:
            out += self._reflagged(view)
        return out

    def _note(self, changes: list[IdentityChange], tracks: Tracks) -> list[Detection]:
        """New changes: plain ones are reported at once, odd-looking ones wait for a repeat; a
        change back to the old value retracts the alert on the change before it."""
        by_report: dict[tuple[int, float], list[IdentityChange]] = {}
        for c in changes:
            if c.item == "imo" and not (valid_imo(int(c.old)) and valid_imo(int(c.new))):
                continue  # a bad IMO corrected, or a bad one sent: not a different hull
            if c.time is not None:
                by_report.setdefault((c.mmsi, c.time), []).append(c)
        out = []
        for (m, t), found in by_report.items():
            held = self.pending.pop(m, None)
            if held is not None and held.reverted_by(found):
                if held.alerted:
                    out.append(self._retracted(m, t, held))
                continue
            pending = self.pending[m] = _Pending(found, t)
            if all(_plain(c) for c in found):
                out += self._changed(m, pending, tracks)
        return out

    def _repeated(self, view: BatchView) -> list[Detection]:
        """Later reports confirm a pending change, or go back to the old values."""
        out = []
        for s in view.statics:
            held = self.pending.get(s.mmsi)
            if held is None or s.time is None or s.time <= held.last:
                continue
            verdict = held.verdict(s)
            if verdict is None:
                continue
            held.last = s.time
            if not verdict:
                del self.pending[s.mmsi]
                if held.alerted:
                    out.append(self._retracted(s.mmsi, s.time, held))
                continue
            held.reports += 1
            if held.reports >= self.params.confirm_reports:
                del self.pending[s.mmsi]  # settled
                if not held.alerted:
                    out += self._changed(s.mmsi, held, view.tracks)
        return out

    def _changed(self, m: int, held: _Pending, tracks: Tracks) -> list[Detection]:
        state = tracks.vessels.get(m)
        if state is None or classify_mmsi(m).kind in NOT_A_VESSEL:
            return []
        if not admits(self.scope, state) or not self.where.holds(state):
            return []
        held.alerted = True
        found = held.changes
        what = " and ".join(f"{_WORDS[c.item]} {_shown(c.old)} to {_shown(c.new)}" for c in found)
        evidence: dict[str, object] = {"change": "identity"}
        for c in found:
            evidence[f"old_{c.item}"] = _shown(c.old)
            evidence[f"new_{c.item}"] = _shown(c.new)
        first = found[0].time or held.last
        evidence["new_first_reported_at"] = iso(first)
        evidence["reports_of_new_identity"] = held.reports
        message = f"{vessel_label(state)} changed {what}"
        return [self._detection(m, held.last, message, evidence, tracks, started=first)]

    def _retracted(self, m: int, t: float, held: _Pending) -> Detection:
        return Detection(
            rule=self.scope.name, mmsi=m, zone_id=None, time=t, active=False,
            severity=self.scope.severity, started=held.changes[0].time or t,
            message="the next report went back to the old identity: one corrupted report, "
            "not a change",
            disproved=True,
        )  # fmt: skip

    def _reflagged(self, view: BatchView) -> list[Detection]:
        out = []
        quiet_s = self.params.old_quiet_minutes * 60.0
        for s in view.statics:
            if s.imo is None or s.time is None:
                continue
            held = self.imo_mmsi.get(s.imo)
            if held is not None and held[1] > s.time:
                continue  # a report older than what is known: it tells nothing new
            if held is not None and held[0] == s.mmsi:
                self.imo_mmsi[s.imo] = (s.mmsi, s.time)  # the usual case: same ship again
                continue
            if not valid_imo(s.imo):
                continue
            self.imo_mmsi[s.imo] = (s.mmsi, s.time)
            if held is None:
                if len(self.imo_mmsi) > self.params.remember_imos:
                    del self.imo_mmsi[next(iter(self.imo_mmsi))]
                continue
            old, old_time = held
            old_flag, new_flag = flag_of(old), flag_of(s.mmsi)
            if old_flag is None or new_flag is None or old_flag == new_flag:
                continue
            old_state = view.tracks.vessels.get(old)
            last_heard = old_time if old_state is None else max(old_time, old_state.last_seen)
            if s.time - last_heard < quiet_s:
                # The old MMSI is still on the air: two transmitters claim one IMO number.
                self.imo_mmsi[s.imo] = held
                continue
            state = view.tracks.vessels.get(s.mmsi)
            if state is None or classify_mmsi(s.mmsi).invalid or not admits(self.scope, state):
                continue
            if not self.where.holds(state):
                continue
            evidence: dict[str, object] = {
                "change": "flag", "imo": s.imo, "old_mmsi": old, "new_mmsi": s.mmsi,
                "old_flag": old_flag, "new_flag": new_flag, "old_heard_at": iso(last_heard),
                "new_reported_at": iso(s.time),
            }  # fmt: skip
            message = (f"{vessel_label(state)}: IMO {s.imo}, last heard as MMSI {old} "
                       f"({old_flag}), now under the flag of {new_flag}")  # fmt: skip
            out.append(self._detection(s.mmsi, s.time, message, evidence, view.tracks))
        return out

    def _detection(self, m: int, t: float, message: str, evidence: dict[str, object],
                   tracks: Tracks, started: float | None = None) -> Detection:  # fmt: skip
        self.open[m] = t
        seg = tracks.vessels[m].current
        return Detection(
            rule=self.scope.name, mmsi=m, zone_id=None, time=t, active=True,
            severity=self.scope.severity, started=t if started is None else started,
            message=f"apparent change: {message}",
            evidence=evidence, lat=None if seg is None else seg.lat,
            lon=None if seg is None else seg.lon,
        )  # fmt: skip

    def tick(self, watermark: float, tracks: Tracks) -> list[Detection]:
        """An identity change is news for ``hold_hours``; unconfirmed ones are dropped then."""
        horizon = watermark - self.params.hold_hours * 3600.0
        for m in [m for m, h in self.pending.items() if h.last < horizon]:
            del self.pending[m]
        return ended_unheard(self.open, horizon, self.scope, watermark, "identity unchanged since")

    def forget(self, mmsis: Iterable[int]) -> None:
        """IMO numbers stay remembered (a reflagged ship reappears after weeks in a yard)."""


# Names and call signs as registries write them; anything else in a new value (";", "?",
# "!") looks like a corrupted report and waits to be repeated.
_PLAIN_NAME = re.compile(r"[A-Z0-9 .'&()/-]*")


def _plain(c: IdentityChange) -> bool:
    value = c.new.split("@", 1)[0].strip().upper()
    if c.item == "callsign":
        return value.isalnum()
    return bool(_PLAIN_NAME.fullmatch(value))


class _Pending:
    """Changes of one report: until later reports repeat them, or go back."""

    __slots__ = ("alerted", "changes", "last", "reports")

    def __init__(self, changes: list[IdentityChange], time: float) -> None:
        self.changes = changes
        self.last = time  # the latest report counted
        self.reports = 1
        self.alerted = False

    def reverted_by(self, changes: list[IdentityChange]) -> bool:
        """Whether newer changes go back to the old values."""
        old = {c.item: identity_text(c.old) for c in self.changes}
        return any(old.get(c.item) == identity_text(c.new) for c in changes)

    def verdict(self, report: VesselStatic) -> bool | None:
        """True if a report repeats a new value, False if it repeats an old one, None if it
        says nothing about the changed items."""
        for c in self.changes:
            value = {"shipname": report.shipname, "callsign": report.callsign,
                     "imo": None if report.imo is None else str(report.imo)}[c.item]  # fmt: skip
            if value is None:
                continue
            if identity_text(value) == identity_text(c.new):
                return True
            if identity_text(value) == identity_text(c.old):
                return False
        return None


def _shown(text: str) -> str:
    """A value as an alert shows it: without padding."""
    return " ".join(text.replace("@", " ").split())
