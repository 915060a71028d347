"""Framing: raw lines of a feed in, complete AIS messages with their best event time out.

Handles any talker's ``!--VDM``/``!--VDO`` with checksum verification, NMEA 4.0 tag blocks,
Gatehouse ``$PGHP`` wrappers, USCG trailing fields, recorder clocks from ``$--RMC``/``$--ZDA``,
JSON feeds, multi-sentence reassembly and duplicate suppression. Pure: the caller passes the
arrival time stamped by the source, and the same lines always give the same messages.

Time precedence for a sentence: its tag block ``c:``, a preceding tag-block-only line or
``$PGHP`` wrapper, a trailing epoch field, the feed's recorder clock, the arrival time. The
first is the message's time; the next one found is kept beside it, with both clocks named, so
that the clock judge (``mda.ingest.clocks``) can check them against the message's own UTC second
and choose.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from mda.ingest.clocks import ARRIVAL, ASSIGNED, JSON, PGHP, RECORDER, TAG, TRAILING
from mda.ingest.dedup import DuplicateFilter
from mda.ingest.fragments import FragmentAssembler
from mda.ingest.jsonfeeds import parse_json_line
from mda.ingest.message import AisMessage
from mda.ingest.nmea import (
    TagBlock,
    TagBlockCache,
    parse_hex2,
    parse_trailing,
    pghp_time,
    rmc_time,
    tag_block,
    zda_time,
)
from mda.ingest.scan import LineScan
from mda.ingest.stats import IngestStats

MAX_LINE: Final = 1024  # NMEA allows 82 characters; tag blocks and trailing fields add some
MAX_JSON_LINE: Final = 65_536
_DIGIT: Final = {str(i).encode(): i for i in range(10)}
_FILL_BITS: Final = {str(i).encode(): i for i in range(6)}
_AIS_FORMATTERS: Final = frozenset((b"VDM", b"VDO"))
_CHANNELS: Final = frozenset([b""] + [bytes([c]) for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"])
_BANG: Final = 0x21
_DOLLAR: Final = 0x24
_BACKSLASH: Final = 0x5C
_BRACE: Final = 0x7B


@dataclass(slots=True)
class _FeedState:
    """What framing remembers about one feed between batches."""

    recorder_time: float | None = None
    # (time, station, clock) from a $PGHP or tag-block-only line, for the next sentence only
    pending: tuple[float | None, str | None, str] | None = None
    sentences: int = 0
    newest: float | None = None


class Framer:
    """Turns batches of lines into AIS messages; holds fragments and the duplicate window."""

    def __init__(
        self,
        stats: IngestStats | None = None,
        *,
        fragment_timeout_s: float = FragmentAssembler.DEFAULT_TIMEOUT_S,
        max_held_fragments: int = FragmentAssembler.DEFAULT_MAX_HELD,
        duplicate_window_s: float | None = DuplicateFilter.DEFAULT_WINDOW_S,
    ) -> None:
        self.stats = stats if stats is not None else IngestStats()
        self._feeds: dict[str, _FeedState] = {}
        self._ais_heads: set[bytes] = set()  # sentence heads seen to be !--VDM / !--VDO
        self._tag_blocks = TagBlockCache()
        self._fragments = FragmentAssembler(
            self.stats, timeout_s=fragment_timeout_s, max_held=max_held_fragments
        )
        self._dedup = (
            None
            if duplicate_window_s is None
            else DuplicateFilter(self.stats, window_s=duplicate_window_s)
        )
        # Lines that carry no time at all may be given one (``assign_times``).
        self._assigned: tuple[float, float] | None = None
        self._assigned_lines = 0
        self._last_resort = ARRIVAL

    def assign_times(self, start: float, per_second: float) -> None:
        """Time lines that carry none as if they came ``per_second`` from ``start`` (the user's
        say for a plain log; such times are never trusted to judge movement)."""
        if per_second <= 0:
            raise ValueError("the rate of assigned times must be above zero")
        self._assigned = (start, per_second)
        self._last_resort = ASSIGNED

    @property
    def held_fragments(self) -> int:
        """Incomplete multi-sentence messages currently held."""
        return self._fragments.held

    def frame(
        self, lines: Iterable[bytes], feed: str, arrival: float | None = None
    ) -> list[AisMessage]:
        """Frame a batch of lines from one feed, all stamped with the same arrival time."""
        return self.frame_chunks([(lines, arrival)], feed)

    def frame_chunks(
        self, chunks: Sequence[tuple[Iterable[bytes], float | None]], feed: str
    ) -> list[AisMessage]:
        """Frame consecutive chunks of one feed in one pass, each line keeping its own
        chunk's arrival time (a live source stamps every read)."""
        state = self._feeds.get(feed)
        if state is None:
            state = self._feeds[feed] = _FeedState()
        stripped: list[bytes] = []
        arrivals: list[float | None] = []
        for lines, arrival in chunks:
            before = len(stripped)
            stripped += [line.strip() for line in lines]
            arrivals += [arrival] * (len(stripped) - before)
        if self._assigned is not None:
            start, rate = self._assigned
            first = self._assigned_lines
            self._assigned_lines += len(stripped)
            arrivals = [start + (first + i) / rate for i in range(len(stripped))]
        self.stats.lines += len(stripped)
        out = self._frame_lines(stripped, state, feed, arrivals)
        self.stats.messages += len(out)
        self._fragments.expire(feed, state.sentences)
        return out if self._dedup is None else self._dedup.unique(out)

    def _frame_lines(
        self, stripped: list[bytes], state: _FeedState, feed: str,
        arrivals: list[float | None],
    ) -> list[AisMessage]:  # fmt: skip
        """Complete messages of stripped lines (before duplicate suppression)."""
        checksum_ok = LineScan(stripped).checksum_ok
        out: list[AisMessage] = []
        emit = out.append
        stats = self.stats
        add_fragment = self._fragments.add
        new_message = tuple.__new__
        fill_bits = _FILL_BITS
        channels = _CHANNELS
        ais_heads = self._ais_heads
        sentences = 0
        for raw, ok, arrival in zip(stripped, checksum_ok, arrivals, strict=True):
            if not raw:
                stats.junk_lines += 1
                continue
            first = raw[0]
            line = raw  # the sentence, once a tag block is split off
            tag: TagBlock | None = None
            if first == _BACKSLASH:
                tag, line = self._tag_block(raw, state)
                if tag is None or not line:
                    continue
                first = line[0]
            if first != _BANG:
                if first == _DOLLAR:
                    self._other_nmea(line, ok, state)
                elif first == _BRACE and tag is None:
                    self._json(line, state, feed, arrival, out)
                else:
                    stats.junk_lines += 1
                continue
            if len(line) > MAX_LINE:
                stats.too_long += 1
                continue
            star = line.rfind(b"*")
            fields = line[1:star].split(b",")
            if not ok or len(fields) < 7 or not line.isascii():
                self._reject_sentence(line, ok)
                continue
            head = fields[0]
            if head not in ais_heads:
                if len(head) != 5 or head[2:] not in _AIS_FORMATTERS:
                    self._reject_sentence(line, ok)
                    continue
                ais_heads.add(head)  # talker + VDM/VDO: a handful per feed
            if fields[1] == b"1" and fields[2] == b"1":
                total = num = 1
            else:
                total_or_none = _DIGIT.get(fields[1])
                num_or_none = _DIGIT.get(fields[2])
                if (
                    total_or_none is None
                    or num_or_none is None
                    or not 1 <= num_or_none <= total_or_none
                ):
                    stats.malformed_sentence += 1
                    continue
                total, num = total_or_none, num_or_none
            fill = fill_bits.get(fields[6])
            if fill is None or fields[4] not in channels:
                stats.malformed_sentence += 1
                continue
            sentences += 1

            # Event time and receiving station, best first; the runner-up clock is kept.
            time: float | None = None
            alt: float | None = None
            clock: str | None = None
            alt_clock: str | None = None
            station: str | None = None
            if tag is not None:
                station = tag.station
                if tag.time is not None:
                    time, clock = tag.time, TAG
            if state.pending is not None:
                pending_time, pending_station, pending_clock = state.pending
                if pending_time is not None:
                    if time is None:
                        time, clock = pending_time, pending_clock
                    else:
                        alt, alt_clock = pending_time, pending_clock
                if station is None:
                    station = pending_station
                state.pending = None
            if len(line) > star + 3:
                trailing = parse_trailing(line[star + 3 :])
                if trailing.bad_time:
                    stats.bad_time += 1
                if trailing.time is not None:
                    if time is None:
                        time, clock = trailing.time, TRAILING
                    elif alt is None:
                        alt, alt_clock = trailing.time, TRAILING
                if station is None:
                    station = trailing.station
            if alt is None:
                recorder = state.recorder_time
                if recorder is not None:
                    if time is None:
                        time, clock = recorder, RECORDER
                    else:
                        alt, alt_clock = recorder, RECORDER
                if alt is None and arrival is not None:
                    if time is None:
                        time, clock = arrival, self._last_resort
                    else:
                        alt, alt_clock = arrival, self._last_resort
            if total == 1:
                source = station or feed
                message = new_message(
                    AisMessage,
                    (time, source, fields[5], fill, (raw,), [source], None, clock, alt, alt_clock),
                )
            else:
                group = tag.group if tag is not None else None
                assembled = add_fragment(
                    # A tag-block group names the message outright; the later sentences of a
                    # group often carry nothing else (no station), so the group is the key.
                    (feed, None, b"g", group.encode())
                    if group is not None
                    else (feed, station, fields[4], fields[3]),
                    total,
                    num,
                    fields[5],
                    fill,
                    raw,
                    (time, clock, alt, alt_clock),
                    group,
                    station,
                    state.sentences + sentences,
                )
                if assembled is None:
                    continue
                source = assembled.station or feed
                first_time, first_clock, first_alt, first_alt_clock = assembled.stamp
                message = AisMessage(
                    first_time,
                    source,
                    assembled.payload,
                    assembled.fill,
                    tuple(assembled.raws),
                    [source],
                    None,
                    first_clock,
                    first_alt,
                    first_alt_clock,
                )
            emit(message)
            if time is not None and (state.newest is None or time > state.newest):
                state.newest = time
        stats.sentences += sentences
        state.sentences += sentences
        return out

    def finish(self) -> None:
        """End of input: fragments still waiting for the rest of their message are counted."""
        self._fragments.expire_all()

    def _tag_block(self, line: bytes, state: _FeedState) -> tuple[TagBlock | None, bytes]:
        """Split off a leading tag block; a tag block alone describes the next sentence."""
        stats = self.stats
        end = line.find(b"\\", 1)
        if end < 0 or not line.isascii():
            stats.bad_tag_block += 1
            return None, b""
        tag = self._tag_blocks.parse(line[1:end])
        if not tag.checksum_ok:
            # Used all the same: the sentence carries its own checksum, and real feeds send
            # tag blocks with dummy checksums ("*00") around otherwise good sentences.
            stats.tag_block_bad_checksum += 1
        if tag.bad_time:
            stats.bad_time += 1
        rest = line[end + 1 :]
        if not rest:
            state.pending = (tag.time, tag.station, TAG)
        return tag, rest

    def _reject_sentence(self, line: bytes, ok: bool) -> None:
        """Count a '!' line that cannot be framed, with the most specific reason."""
        stats = self.stats
        is_ais = line[3:6] in _AIS_FORMATTERS
        if not line.isascii():
            stats.non_ascii += 1
        elif ok:
            # Valid checksum but not an AIS sentence of the expected shape.
            if is_ais:
                stats.malformed_sentence += 1
            else:
                stats.other_nmea += 1
        elif not is_ais:
            stats.junk_lines += 1  # e.g. "!AIPWR,UNIT=0,PWV": receiver status, no checksum
        else:
            star = line.rfind(b"*")
            if star < 0 or parse_hex2(line[star + 1 : star + 3]) is None:
                stats.missing_checksum += 1
            else:
                stats.bad_checksum += 1

    def _json(
        self,
        line: bytes,
        state: _FeedState,
        feed: str,
        arrival: float | None,
        out: list[AisMessage],
    ) -> None:
        if len(line) > MAX_JSON_LINE:
            self.stats.too_long += 1
            return
        parsed = parse_json_line(line, feed, arrival, self.stats.rejected_values)
        if not parsed.ok:
            self.stats.bad_json += 1
            return
        if parsed.sentences:
            # The object's reception time and station apply to its sentences, like a tag
            # block; a time-less object falls back to the feed's clock. Framed one by one:
            # the object carries one message, and its sentences are checked individually.
            prefix = b""
            if parsed.time is not None or parsed.station is not None:
                parts = []
                if parsed.time is not None:
                    parts.append(b"c:%d" % round(parsed.time * 1000))  # milliseconds
                if parsed.station is not None:
                    parts.append(b"s:" + parsed.station.encode("ascii", "replace"))
                prefix = tag_block(parts)
            sentences = [prefix + s.strip() for s in parsed.sentences]
            out.extend(self._frame_lines(sentences, state, feed, [arrival] * len(sentences)))
            return
        for record in parsed.records:
            clock = JSON if parsed.time is not None else self._last_resort
            out.append(
                AisMessage(
                    record.time, record.source, b"", 0, (line,), list(record.receivers), record,
                    clock,
                )
            )  # fmt: skip

    def _other_nmea(self, line: bytes, ok: bool, state: _FeedState) -> None:
        stats = self.stats
        if not ok:
            # Damaged or unchecked non-AIS sentences are not trusted for time either.
            stats.junk_lines += 1
            return
        stats.other_nmea += 1
        star = line.rfind(b"*")
        fields = line[1:star].split(b",")
        head = fields[0]
        if head == b"PGHP":
            state.pending = (pghp_time(fields), None, PGHP)
            return
        kind = head[2:]
        if kind == b"RMC":
            t = rmc_time(fields)
        elif kind == b"ZDA":
            t = zda_time(fields)
        else:
            return
        if t is not None:
            state.recorder_time = t
