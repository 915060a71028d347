"""Clocks: which clock timed a record, and whether its time can be trusted.

A sentence can carry several clocks: a tag block ``c:`` stamped by the receiver, a Gatehouse
``$PGHP`` wrapper, a trailing epoch added by a forwarder, the recorder's own ``$GPRMC`` /
``$GPZDA``, the arrival time stamped by mda. They do not measure the same thing. A terrestrial
receiver stamps within a second of transmission; a satellite provider's wrapper may run a fixed
minute behind, and a forwarder's trailing stamp may lag by an hour and more, varying from pass to
pass. Mixing them within one track makes ships "jump" by tens of miles.

Every position report carries its own clock: the UTC second of its fix (0-59). The difference
between that second and a clock's second, taken modulo a minute, is the clock's *residual*. For
each (source, clock) a ``ClockModel`` keeps the last residuals: a transmission-like clock has
them gathered around one value (its offset, usually 0); a lagging arrival clock has them spread
over the whole minute. Base station reports (type 4) carry the full UTC date and time, which
gives the whole offset, minutes included.

Each record's time is then judged (``time_quality``):

- ``agrees``: the clock's second agrees with the message's own, no correction needed;
- ``repaired``: the clock runs at a known offset from transmission, or a record strayed a few
  seconds from it; the time was set to the message's own second (the nearest such time to the
  clock's corrected time);
- ``unchecked``: the message carries no second (static data, long-range reports, "not
  available"), and nothing is known against its clock;
- ``suspect``: the time disagrees with the message's second, or comes from a clock whose
  residuals are spread (an arrival stamp with a varying lag). The record is kept and stored,
  but its time is not used to judge movement, and it never joins a vessel's track.

The judge is pure and sequential: a record is judged by the model as it stands after the records
before it, so the result never depends on how input was cut into batches.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from mda.ingest.message import AisMessage
from mda.ingest.sixbit import SIXBIT_VALUE
from mda.ingest.stats import IngestStats
from mda.model import Position, Record, TimeQuality, VesselStatic

# The clocks a record's time can come from.
TAG: Final = "tag"  # NMEA 4.0 tag block c: (the receiver's clock), or AIS-catcher's rxuxtime
PGHP: Final = "pghp"  # Gatehouse $PGHP wrapper line
TRAILING: Final = "trailing"  # epoch field after the checksum (USCG, forwarders)
RECORDER: Final = "recorder"  # the recording station's own $GPRMC / $GPZDA
ARRIVAL: Final = "arrival"  # stamped by mda when the line arrived
JSON: Final = "json"  # the time field of a decoded JSON object (gpsd)
ARCHIVE: Final = "archive"  # the time column of a decoded archive (CSV)
ASSIGNED: Final = "assigned"  # made up at the user's request (--start / --rate): not a clock

AGREES: Final = "agrees"
REPAIRED: Final = "repaired"
UNCHECKED: Final = "unchecked"
SUSPECT: Final = "suspect"

# A record's time agrees with the message's second within this many seconds either way (a
# receiver stamps a moment after the fix; a recorder's last GPS sentence came a moment before).
AGREE_S: Final = 2
# A steady clock's record that strays this far at most from the clock's usual residual is put
# right; further, it is suspect.
REPAIR_S: Final = 15
# Residuals kept per clock; a clock is judged only once it has this many.
WINDOW: Final = 128
MIN_SAMPLES: Final = 16  # a multiple of REFRESH_EVERY
# A clock is steady when this share of its residuals lies within STEADY_S of the most common
# one. A clock whose lag varies over minutes spreads them over the whole minute (about 35 %
# within 10 s); a receiver's clock, or a recorder's with sparse GPS sentences, gathers them.
STEADY_S: Final = 10
STEADY_SHARE: Final = 0.75
# Whole offsets (seconds, minutes included) from base stations, which report the full UTC date
# and time: most of the recent ones must agree (a few base stations run on wrong clocks).
OFFSETS_KEPT: Final = 32
MIN_OFFSETS: Final = 3
OFFSETS_SHARE: Final = 0.5
# A clock more than this far from transmission is not a transmission clock, however steady:
# within one satellite pass a forwarder's stamp lags by the same hour, and base stations
# measure that hour, but the next pass lags by another (exactEarth's wrapper runs 80 s behind;
# its forwarder's stamp 21 to 113 minutes).
MAX_STEADY_OFFSET_S: Final = 300.0
# A record that carries two clocks checks the runner-up against the better one (a tag block
# against a forwarder's stamp, a wrapper against the arrival time), never the reverse: a clock
# that mostly disagrees with a trusted better clock by more than REPAIR_S is not a transmission
# clock, however steady its seconds look (exactEarth's forwarder stamp lags its wrapper by 24 to
# 34 minutes, changing from one satellite pass to the next).
CROSS_KEPT: Final = 32
CROSS_SHARE: Final = 0.5
MAX_OFFSET_S: Final = 86_400.0
# The first records of a clock wait to be judged until its model has MIN_SAMPLES residuals, or
# until this many other records have come (a rarely heard station). Counted in records, not
# seconds: times of different clocks may be an hour apart, and a count bounds the memory.
WAIT_RECORDS: Final = 1000
# Bound on the clocks followed (a hostile feed could name a new station on every line).
MAX_MODELS: Final = 4096


def wrapped(seconds: int) -> int:
    """A difference of seconds of the minute, in [-30, 30)."""
    return (seconds + 30) % 60 - 30


def residual(second: int, time: float) -> int:
    """Seconds to add to ``time``'s second of the minute to reach ``second``, in [-30, 30)."""
    return wrapped(second - int(time // 1))


def snapped(estimate: float, second: int) -> float:
    """The whole second nearest to ``estimate`` whose second of the minute is ``second``."""
    base = float(int(estimate // 1))
    return base + residual(second, base)


# The model's verdict is brought up to date every few residuals (per model, so still a
# function of the input order alone): a scan of the minute per residual would cost more than
# the decoding.
REFRESH_EVERY: Final = 16
_WRAPPED: Final = tuple(wrapped(k) for k in range(60))
# Residuals of the minute from zero outwards: ties between modes go to the one nearest zero.
_FROM_ZERO: Final = tuple(sorted(range(60), key=lambda k: (abs((k + 30) % 60 - 30), k)))
_RANK: Final = tuple(_FROM_ZERO.index(k) for k in range(60))  # place in _FROM_ZERO
# _NEAR[a][b]: residual a adds to the ``near`` count of b; _IN_WINDOW[a][b]: a lies within
# STEADY_S of b (both modulo 60).
_NEAR: Final = tuple(tuple(abs(wrapped(a - b)) <= AGREE_S for b in range(60)) for a in range(60))
_IN_WINDOW: Final = tuple(
    tuple(int(abs(wrapped(a - b)) <= STEADY_S) for b in range(60)) for a in range(60)
)


@dataclass(slots=True)
class ClockModel:
    """What the residuals of one clock of one source have shown so far."""

    ring: list[int] = field(default_factory=list)
    histogram: list[int] = field(default_factory=lambda: [0] * 60)  # by residual modulo 60
    # near[k]: residuals within AGREE_S of k (modulo 60), kept as residuals come and go
    near: list[int] = field(default_factory=lambda: [0] * 60)
    next_slot: int = 0
    added: int = 0
    offsets: list[float] = field(default_factory=list)
    crosses: list[bool] = field(default_factory=list)  # agreed with a better, trusted clock
    runner_up: bool = False  # seen beside a better clock: it must agree with it to be trusted
    # The verdict: the most common residual, and whether the clock is steady (None: not yet
    # enough residuals to say).
    mode: int = 0
    steady: bool | None = None
    _correction: float = 0.0
    # Kept up to date as residuals, offsets and comparisons come, so that a refresh (on nearly
    # every record of a clock seen beside a better one) scans nothing it need not.
    _agreed: int = 0  # True values in ``crosses``
    _middle: float = 0.0  # median of ``offsets``
    _offsets_fit: bool = False  # most offsets near the median, and the median small
    # ``_best`` and ``_around`` describe the counts (kept as residuals come and go, scanned
    # afresh only when the mode's own count falls)
    _best: int = 0  # most common residual modulo 60 (ties: nearest zero)
    _around: int = 0  # residuals within STEADY_S of it
    _shape_known: bool = False
    # Whether anything the verdict weighs (the mode and its window, the number of residuals,
    # the offsets, the comparisons, ``runner_up``) changed since the last refresh: a runner-up's
    # model is refreshed on nearly every record, mostly to the same verdict.
    _stale: bool = True
    _runner_up_weighed: bool = False

    def add(self, r: int) -> None:
        """Record one residual (in [-30, 30))."""
        ring = self.ring
        r60 = r % 60
        if len(ring) < WINDOW:
            ring.append(r)
            self._stale = True  # the verdict weighs the residuals against their number
            self._count_in(r60, 0)
        else:
            slot = self.next_slot
            old = ring[slot] % 60
            ring[slot] = r
            self.next_slot = (slot + 1) % WINDOW
            if old != r60:  # the same residual out as in: the counts stay as they are
                histogram = self.histogram
                near = self.near
                histogram[old] -= 1
                a, b, c, d, e = _AROUND[old]
                near[a] -= 1
                near[b] -= 1
                near[c] -= 1
                near[d] -= 1
                near[e] -= 1
                lost = 0
                if self._shape_known:
                    if _NEAR[old][self._best]:  # the mode's own count fell: scan at refresh
                        self._shape_known = False
                    else:  # the mode stands; its window may have lost one
                        lost = _IN_WINDOW[old][self._best]
                self._count_in(r60, lost)
        self.added += 1
        if self.added % REFRESH_EVERY == 0 and len(ring) >= MIN_SAMPLES:
            self._refresh()

    def _count_in(self, r60: int, lost: int) -> None:
        """Count a residual in (modulo 60), and follow the mode (``lost``: residuals the mode's
        window lost just before)."""
        near = self.near
        histogram = self.histogram
        histogram[r60] += 1
        around = _AROUND[r60]
        a, b, c, d, e = around  # unrolled: this runs once per residual
        near[a] += 1
        near[b] += 1
        near[c] += 1
        near[d] += 1
        near[e] += 1
        if not self._shape_known:
            return
        if not self.runner_up:
            # Refreshed every REFRESH_EVERY residuals only: a scan then costs less than
            # following the mode residual by residual (a runner-up's model is refreshed on
            # nearly every record, by ``add_cross``).
            self._shape_known = False
            return
        # Only the counts just raised can overtake the mode (ties: nearest zero).
        best = self._best
        top = near[best]
        rank = _RANK[best]
        for k in around:
            v = near[k]
            if v > top or (v == top and _RANK[k] < rank):
                best, top, rank = k, v, _RANK[k]
        if best == self._best:
            gained = _IN_WINDOW[r60][best] - lost
            if gained:
                self._around += gained
                self._stale = True
        else:
            self._best = best
            self._around = _window_sum(histogram, best)
            self._stale = True

    def _refresh(self) -> None:
        if not self._shape_known:
            near = self.near
            top = max(near)
            # Ties go to the residual nearest zero: a clock is on time until shown otherwise.
            if near[0] == top:
                best = 0
            elif near.count(top) == 1:
                best = near.index(top)
            else:
                best = next(k for k in _FROM_ZERO if near[k] == top)
            self._best = best
            self._around = _window_sum(self.histogram, best)
            self._shape_known = True
            self._stale = True
        elif not self._stale and self.runner_up == self._runner_up_weighed:
            return  # nothing the verdict weighs has changed since it was reached
        self._stale = False
        self._runner_up_weighed = self.runner_up
        self.mode = _WRAPPED[self._best]
        self.steady = self._verdict(self._around)
        self._correct()

    def _verdict(self, around: int) -> bool | None:
        crosses = len(self.crosses)
        if self.runner_up and crosses < MIN_OFFSETS:
            return None  # a runner-up is known only once compared with the better clock
        if abs(self.mode) > REPAIR_S and len(self.offsets) < MIN_OFFSETS:
            # A clock 20 s off may as well be 80 s off (exactEarth's wrapper is): the minute is
            # known only from base stations' full times.
            return None
        return (
            around >= STEADY_SHARE * len(self.ring)
            and self._offsets_agree()
            and (crosses < MIN_OFFSETS or self._agreed >= CROSS_SHARE * crosses)
        )

    def add_offset(self, offset: float) -> None:
        """A whole offset: a base station's UTC minus this clock's time."""
        kept = self.offsets
        kept.append(offset)
        if len(kept) > OFFSETS_KEPT:
            del kept[0]
        # What the offsets alone say, worked out once here rather than at every refresh.
        self._stale = True
        middle = self._middle = sorted(kept)[len(kept) // 2]
        agreeing = sum(abs(o - middle) <= REPAIR_S for o in kept)
        self._offsets_fit = (
            agreeing >= OFFSETS_SHARE * len(kept) and abs(middle) <= MAX_STEADY_OFFSET_S
        )
        self._correct()
        if len(self.ring) >= MIN_SAMPLES and (
            len(kept) <= MIN_OFFSETS or len(kept) % REFRESH_EVERY == 0
        ):
            self._refresh()

    def add_cross(self, agreed: bool) -> None:
        """Whether this clock agreed with a better clock of the same record that was trusted."""
        crosses = self.crosses
        crosses.append(agreed)
        if len(crosses) > CROSS_KEPT:
            dropped = crosses.pop(0)
            if dropped != agreed:
                self._agreed += agreed - dropped
                self._stale = True
        else:
            self._agreed += agreed
            self._stale = True
        if len(self.ring) >= MIN_SAMPLES and (
            len(crosses) <= MIN_OFFSETS or len(crosses) % REFRESH_EVERY == 0
        ):
            self._refresh()

    def _offsets_agree(self) -> bool:
        if len(self.offsets) < MIN_OFFSETS:
            return True
        # ... most near their median, which is small and falls on the seconds the residuals
        # show.
        return self._offsets_fit and abs(wrapped(round(self._middle) - self.mode)) <= STEADY_S

    def describe(self) -> str:
        """The model's verdict as it stands, in words."""
        if self.steady is None:
            return f"not known yet ({len(self.ring)} reports checked)"
        if not self.steady:
            if self.crosses and sum(self.crosses) < CROSS_SHARE * len(self.crosses):
                why = "disagrees by minutes with a better clock of the same lines"
            elif not self._offsets_agree():
                why = "base stations put it at changing or large offsets"
            else:
                why = "its seconds scatter against the messages' own"
            return f"is not trusted: {why} (its times are suspect)"
        shift = self.correction
        if abs(shift) <= AGREE_S:
            return "agrees with the messages' own seconds"
        return f"reads {abs(shift):.0f} s {'early' if shift > 0 else 'late'} (repaired)"

    @property
    def correction(self) -> float:
        """Seconds to add to this clock's time to reach transmission time: the median of the
        whole offsets when there are enough, else the most common residual of a steady clock
        (worked out when the model changes, not per record)."""
        return self._correction

    def _correct(self) -> None:
        if len(self.offsets) >= MIN_OFFSETS:
            self._correction = self._middle  # the offsets' median
        else:
            self._correction = float(self.mode) if self.steady else 0.0


def _verdict(
    time: float, correction: float, second: int, steady: bool
) -> tuple[float, TimeQuality]:
    """A checked record whose time does not simply agree: repaired to its own second when its
    clock is steady and the corrected time is within REPAIR_S of it, else suspect."""
    estimate = time + correction
    if steady and abs(residual(second, estimate)) <= REPAIR_S:
        return snapped(estimate, second), REPAIRED
    return estimate, SUSPECT


def _judge_one(
    model: ClockModel, time: float, second: int | None, teach: bool
) -> tuple[float, TimeQuality]:
    """Judge one clock's time by its model as it stands (teaching the model first when asked:
    a record is judged by the residuals before it, its own excluded)."""
    steady = model.steady
    correction = model.correction
    if second is not None:
        r = residual(second, time)
        if teach:
            model.add(r)
        if steady is None:  # too few residuals to know the clock: the record alone
            return (time, AGREES) if abs(r) <= AGREE_S else (time, SUSPECT)
        if steady and abs(correction) <= AGREE_S and abs(r) <= AGREE_S:
            return time, AGREES
        return _verdict(time, correction, second, steady)
    if steady is None:
        return time, UNCHECKED
    return time + correction, UNCHECKED if steady else SUSPECT


@lru_cache(maxsize=256)
def _key(clock: str, quality: str) -> str:
    """The counter of a clock and judgement ("pghp/repaired")."""
    return f"{clock}/{quality}"


def _window_sum(histogram: list[int], best: int) -> int:
    """Residuals within STEADY_S of ``best`` (modulo 60): the window may wrap the minute."""
    lo = best - STEADY_S
    hi = best + STEADY_S + 1
    if lo < 0:
        return sum(histogram[lo:]) + sum(histogram[:hi])
    if hi > 60:
        return sum(histogram[lo:]) + sum(histogram[: hi - 60])
    return sum(histogram[lo:hi])


# The residuals (modulo 60) whose ``near`` count a residual adds to.
_AROUND: Final = tuple(
    tuple((k + d) % 60 for d in range(-AGREE_S, AGREE_S + 1)) for k in range(60)
)
# ClockModel.add and _count_in unpack these five at a time (AGREE_S = 2): a change of
# AGREE_S must change them too.
assert all(len(around) == 5 for around in _AROUND)
_ASSIGNED_KEY: Final = f"{ASSIGNED}/{SUSPECT}"
_CHECKED: Final = (AGREES, REPAIRED)


class ClockJudge:
    """Chooses each record's time among its clocks and says how far to trust it.

    A record whose clock's model has too few residuals yet waits (the first records of a
    source): it teaches the model at once, and is judged, with the others that waited, as
    soon as the model can say what the clock is, or after ``WAIT_RECORDS`` more records
    without that, or at the end of input. The first minutes of a feed are judged as well as
    the rest.
    """

    def __init__(self, stats: IngestStats | None = None) -> None:
        self.stats = stats if stats is not None else IngestStats()
        self.models: dict[tuple[str, str], ClockModel] = {}
        self._waiting: dict[tuple[str, str], list[tuple[Record, AisMessage, int | None]]] = {}
        self._waiting_since: dict[tuple[str, str], int] = {}  # record count at the first
        self._count = 0  # records judged or waiting so far
        self._oldest = 0  # the smallest of ``_waiting_since`` (when any)

    @property
    def waiting(self) -> int:
        """Records waiting for their clock's model."""
        return sum(len(w) for w in self._waiting.values())

    def model(self, source: str, clock: str) -> ClockModel:
        """The model of one clock of one source (created on first use, bounded in number)."""
        key = (source, clock)
        found = self.models.get(key)
        if found is None:
            if len(self.models) >= MAX_MODELS:
                del self.models[next(iter(self.models))]  # the oldest source first
            found = self.models[key] = ClockModel()
        return found

    def judge(
        self, records: Sequence[Record], messages: Sequence[AisMessage], origins: Sequence[int]
    ) -> list[Record]:
        """Records with their time chosen and judged; ``origins[i]`` is the index of the
        message record ``i`` was decoded from. Records of clocks not yet known come later
        (``finish`` hands over the last of them)."""
        out: list[Record] = []
        stats = self.stats
        models = self.models
        for record, at in zip(records, origins, strict=True):
            m = messages[at]
            self._count += 1
            if self._waiting and self._count - self._oldest > WAIT_RECORDS:
                out += self._overdue()
            if m.time is None:
                stats.untimed += 1
                out.append(record)
                continue
            if m.clock == ASSIGNED:
                stats.clocks[_ASSIGNED_KEY] += 1
                out.append(_timed(record, m.time, ASSIGNED, SUSPECT))
                continue
            source = record.source
            second = record.second if isinstance(record, Position) else None
            if second is not None and record.msg_type == 4:
                self._learn_offset(source, m)
            key = (source, m.clock or ARRIVAL)
            model = models.get(key) or self.model(*key)
            if model.steady is None:
                self._teach(source, m, second)
                if key not in self._waiting:
                    self._waiting[key] = []
                    self._waiting_since[key] = self._count
                    self._oldest = min(self._waiting_since.values())
                self._waiting[key].append((record, m, second))
                if model.steady is not None:  # this record made the model: judge them all
                    out += self._settle(key)
                continue
            current: ClockModel | None = model
            if key in self._waiting:  # known since (another record taught it): them first
                out += self._settle(key)
                current = self.models.get(key)  # (settling may crowd it out)
            if second is not None and model.steady:
                alt_time = m.alt_time
                clock = key[1]
                time = m.time
                correction = model.correction
                if alt_time is None:
                    # The usual case, inline: one clock, known steady, a second to check it by.
                    r = residual(second, time)
                    model.add(r)
                    if -AGREE_S <= correction <= AGREE_S and -AGREE_S <= r <= AGREE_S:
                        stats.clocks[_key(clock, AGREES)] += 1
                        out.append(_timed(record, time, clock, AGREES))
                        continue
                    time, quality = _verdict(time, correction, second, True)
                    stats.clocks[_key(clock, quality)] += 1
                    out.append(_timed(record, time, clock, quality))
                    continue
                alt_clock = m.alt_clock
                if alt_clock is not None and current is model:
                    # The usual case of two clocks (a tag block beside the arrival time),
                    # inline: ``_choose`` step for step, each model looked up once.
                    r = residual(second, time)
                    model.add(r)
                    quality = AGREES
                    if not (-AGREE_S <= correction <= AGREE_S and -AGREE_S <= r <= AGREE_S):
                        time, quality = _verdict(time, correction, second, True)
                    alt = self.model(source, alt_clock)
                    alt.runner_up = True
                    alt_time, alt_quality = _judge_one(alt, alt_time, second, True)
                    if quality != SUSPECT:  # checked: the runner-up is compared with it
                        alt.add_cross(-REPAIR_S <= alt_time - time <= REPAIR_S)
                    elif alt_quality in _CHECKED:  # (with a second, never "unchecked")
                        time, clock, quality = alt_time, alt_clock, alt_quality
                    stats.clocks[_key(clock, quality)] += 1
                    out.append(_timed(record, time, clock, quality))
                    continue
            elif (
                second is not None
                and model.steady is False
                and m.alt_time is None
                and current is model
            ):
                # One clock known not to be steady (an arrival time with a varying lag): the
                # record is suspect, at the clock's time corrected as far as it can be.
                correction = model.correction
                model.add(residual(second, m.time))
                stats.clocks[_key(key[1], SUSPECT)] += 1
                out.append(_timed(record, m.time + correction, key[1], SUSPECT))
                continue
            out.append(self._judged(record, m, second, teach=True))
        return out

    def notes(self, most: int = 8) -> list[str]:
        """What the clocks of the busiest sources turned out to be, one line each: the
        data-quality note a user reads after a run."""
        known = sorted(
            ((key, m) for key, m in self.models.items() if m.added >= MIN_SAMPLES),
            key=lambda item: -item[1].added,
        )
        return [f"{source}: {clock} {model.describe()}" for (source, clock), model in known[:most]]

    def settle_before(self, time: float) -> list[Record]:
        """Live mode: the clocks whose first waiting record was timed before ``time`` are
        judged by what is known now (a quiet feed must not hold its first records back)."""
        out: list[Record] = []
        for key in [k for k, w in self._waiting.items() if (w[0][1].time or 0.0) < time]:
            out += self._settle(key)
        return out

    def finish(self) -> list[Record]:
        """End of input: the records still waiting, judged by what is known."""
        out: list[Record] = []
        for key in list(self._waiting):
            out += self._settle(key)
        return out

    def _settle(self, key: tuple[str, str]) -> list[Record]:
        waited = self._waiting.pop(key)
        del self._waiting_since[key]
        if self._waiting_since:
            self._oldest = min(self._waiting_since.values())
        out: list[Record] = []
        counts = self.stats.clocks
        clock = key[1]
        model: ClockModel | None = None
        for r, m, second in waited:
            if m.alt_time is None or m.alt_clock is None:
                # One clock, inline: ``_judged`` step for step, the model looked up again only
                # after a record with two clocks (the only kind that can add a model).
                if model is None:
                    model = self.model(*key)
                assert m.time is not None
                time, quality = _judge_one(model, m.time, second, False)
                counts[_key(clock, quality)] += 1
                out.append(_timed(r, time, clock, quality))
            else:
                out.append(self._judged(r, m, second, teach=False))
                model = None
        return out

    def _overdue(self) -> list[Record]:
        """Records that waited ``WAIT_RECORDS`` (a station heard too rarely for its clock ever
        to be known): judged by themselves."""
        out: list[Record] = []
        late = [k for k, n in self._waiting_since.items() if self._count - n > WAIT_RECORDS]
        for key in late:
            out += self._settle(key)
        return out

    def _teach(self, source: str, m: AisMessage, second: int | None) -> None:
        """A record's residuals, to each of its clocks' models."""
        if second is None:
            return
        self.model(source, m.clock or ARRIVAL).add(residual(second, m.time or 0.0))
        if m.alt_clock is not None and m.alt_time is not None:
            alt = self.model(source, m.alt_clock)
            alt.runner_up = True
            alt.add(residual(second, m.alt_time))

    def _judged(self, record: Record, m: AisMessage, second: int | None, *, teach: bool) -> Record:
        time, clock, quality = self._choose(record.source, m, second, teach)
        self.stats.clocks[_key(clock, quality)] += 1
        return _timed(record, time, clock, quality)

    def _choose(
        self, source: str, m: AisMessage, second: int | None, teach: bool
    ) -> tuple[float, str, TimeQuality]:
        assert m.time is not None
        clock = m.clock or ARRIVAL
        time, quality = _judge_one(self.model(source, clock), m.time, second, teach)
        if m.alt_time is None or m.alt_clock is None:
            return time, clock, quality
        # The runner-up is judged too: its model learns from every record that carries it,
        # ready for the records that carry nothing else.
        alt = self.model(source, m.alt_clock)
        alt.runner_up = True
        alt_time, alt_quality = _judge_one(alt, m.alt_time, second, teach)
        if quality in _CHECKED:
            alt.add_cross(abs(alt_time - time) <= REPAIR_S)
            return time, clock, quality
        if alt_quality in _CHECKED:
            return alt_time, m.alt_clock, alt_quality
        if quality == SUSPECT and alt_quality == UNCHECKED:
            return alt_time, m.alt_clock, alt_quality
        return time, clock, quality

    def _learn_offset(self, source: str, m: AisMessage) -> None:
        """A base station's full UTC against each of the message's clocks."""
        utc = base_station_utc(m.payload)
        if utc is None:
            return
        for clock, t in ((m.clock, m.time), (m.alt_clock, m.alt_time)):
            if clock is not None and t is not None and abs(utc - t) < MAX_OFFSET_S:
                self.model(source, clock).add_offset(utc - float(int(t // 1)))


def base_station_utc(payload: bytes) -> float | None:
    """The UTC date and time of a type 4 report's payload (None when any part is "not
    available" or impossible)."""
    if len(payload) < 13:
        return None
    value = 0
    for c in payload[:13]:  # 78 bits: type, repeat, MMSI, then the date and time fields
        v = SIXBIT_VALUE.get(c)
        if v is None:
            return None
        value = (value << 6) | v
    year = (value >> 26) & 0x3FFF  # bits 38-51
    month = (value >> 22) & 0xF
    day = (value >> 17) & 0x1F
    hour = (value >> 12) & 0x1F
    minute = (value >> 6) & 0x3F
    second = value & 0x3F
    if not (2000 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    try:
        return float(calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)))
    except (ValueError, OverflowError):
        return None


def _timed(record: Record, time: float, clock: str, quality: TimeQuality) -> Record:
    """The record with its judged time (built in C: Position and VesselStatic both have the
    time first and the clock and its judgement at 18 and 19)."""
    rebuilt: Record = tuple.__new__(type(record), (time, *record[1:18], clock, quality,
                                                   *record[20:]))  # fmt: skip
    return rebuilt


for _kind in (Position, VesselStatic):  # what _timed relies on
    assert _kind._fields[0] == "time"
    assert _kind._fields[18:20] == ("clock", "time_quality")
