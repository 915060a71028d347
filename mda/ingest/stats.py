"""Counters of what ingest saw, kept, dropped and why: nothing is lost without being counted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields


@dataclass(slots=True)
class IngestStats:
    """Counts for one run of the ingest core; ``merge`` adds another run's counts."""

    lines: int = 0
    sentences: int = 0
    messages: int = 0
    records: int = 0
    other_nmea: int = 0  # valid non-AIS NMEA (GPS fixes, proprietary sentences ...)
    junk_lines: int = 0  # comments, blank lines and lines that are not NMEA at all
    bad_checksum: int = 0
    missing_checksum: int = 0
    malformed_sentence: int = 0  # wrong field count, fragment numbers, fill bits, channel
    too_long: int = 0
    non_ascii: int = 0
    bad_tag_block: int = 0  # no closing backslash or unparseable
    tag_block_bad_checksum: int = 0  # used leniently: the sentence has its own checksum
    bad_time: int = 0  # a time field that was present but implausible
    invalid_payload: int = 0  # characters outside the six-bit armour, or empty
    short_payload: int = 0  # fewer bits than the message type needs
    unknown_type: int = 0  # message type 0 or above 27
    orphan_fragments: int = 0
    duplicate_fragments: int = 0
    out_of_order_fragments: int = 0
    expired_fragments: int = 0
    evicted_fragments: int = 0  # dropped by the bound on held fragments
    duplicates: int = 0  # whole messages already heard from this or another receiver
    decode_errors: int = 0
    bad_json: int = 0
    untimed: int = 0  # records no clock could time (a plain log with no time at all)
    # Records that came behind the time already handed to the rules (the lateness passed):
    # stored and counted in history, but not used to move vessels back in time.
    late: int = 0
    # Vessels forgotten because the cap on vessels held was reached (their oldest reports).
    evicted_vessels: int = 0
    # Records by the clock that gave their time and its judgement ("pghp/repaired").
    clocks: Counter[str] = field(default_factory=Counter)
    by_type: Counter[int] = field(default_factory=Counter)
    not_decoded_by_type: Counter[int] = field(default_factory=Counter)
    rejected_values: Counter[str] = field(default_factory=Counter)

    def merge(self, other: IngestStats) -> None:
        """Add the counts of ``other`` to these."""
        for f in fields(self):
            mine = getattr(self, f.name)
            theirs = getattr(other, f.name)
            if isinstance(mine, Counter):
                mine.update(theirs)
            else:
                setattr(self, f.name, mine + theirs)

    @property
    def dropped_lines(self) -> int:
        """Lines or sentences discarded as damaged (not counting comments or other NMEA)."""
        return (
            self.bad_checksum
            + self.missing_checksum
            + self.malformed_sentence
            + self.too_long
            + self.non_ascii
            + self.bad_tag_block
            + self.bad_json
        )

    def as_dict(self) -> dict[str, object]:
        """All counters as plain JSON-friendly values (type keys as strings)."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Counter):
                out[f.name] = {str(k): v for k, v in sorted(value.items())}
            else:
                out[f.name] = value
        return out

    def summary(self) -> str:
        """A short human summary: the figures a user checks after a decode run."""
        types = ", ".join(f"{t}:{n}" for t, n in sorted(self.by_type.items())) or "none"
        rejected = ", ".join(f"{k}:{n}" for k, n in sorted(self.rejected_values.items())) or "0"
        not_decoded = sum(self.not_decoded_by_type.values())
        fragments = (
            f"orphan {self.orphan_fragments}, duplicate {self.duplicate_fragments}, "
            f"out of order {self.out_of_order_fragments}, expired {self.expired_fragments}, "
            f"evicted {self.evicted_fragments}"
        )
        return "\n".join(
            [
                f"lines {self.lines}, AIS sentences {self.sentences}, messages {self.messages}, "
                f"records {self.records}",
                f"messages by type: {types}",
                f"counted but not decoded (types without a record): {not_decoded}",
                f"bad checksums {self.bad_checksum}, missing checksums {self.missing_checksum}, "
                f"malformed sentences {self.malformed_sentence}, too long {self.too_long}, "
                f"non-ASCII {self.non_ascii}, bad tag blocks {self.bad_tag_block}, "
                f"bad JSON {self.bad_json}",
                f"fragments: {fragments}",
                f"invalid payloads {self.invalid_payload}, short payloads {self.short_payload}, "
                f"unknown types {self.unknown_type}, decode errors {self.decode_errors}",
                f"duplicates suppressed {self.duplicates}, rejected values {rejected}, "
                f"implausible times {self.bad_time}, "
                f"tag blocks with bad checksum (used) {self.tag_block_bad_checksum}",
                f"other NMEA {self.other_nmea}, comments or junk {self.junk_lines}",
                f"times: {self.clock_summary()}",
            ]
        )

    def clock_summary(self) -> str:
        """Records by clock and how their time was judged, in one line."""
        by_clock: dict[str, dict[str, int]] = {}
        for key, n in sorted(self.clocks.items()):
            clock, _, quality = key.partition("/")
            by_clock.setdefault(clock, {})[quality] = n
        parts = [
            f"{clock} {sum(q.values())} ("
            + ", ".join(f"{quality} {n}" for quality, n in q.items())
            + ")"
            for clock, q in by_clock.items()
        ]
        parts.append(f"no time {self.untimed}")
        if self.late:
            parts.append(f"late {self.late}")
        return "; ".join(parts)

    @property
    def suspect_times(self) -> int:
        """Records whose time could not be trusted (stored, not used to judge movement)."""
        return sum(n for key, n in self.clocks.items() if key.endswith("/suspect"))
