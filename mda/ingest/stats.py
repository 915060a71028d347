"""Counters of what ingest saw, kept, dropped and why: nothing is lost without being counted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any, Final

# Field metadata read by ``/metrics`` (mda.metrics), so a counter added here is scraped with no
# wiring of its own: ``reject`` counts input dropped as damaged or unusable (one sample of
# ``mda_bad_input_total`` by reason); ``metric`` names a counter's own series where it is not
# the field's name; ``label`` names the label of a counter kept by key.
REJECT: Final = "reject"
METRIC: Final = "metric"
LABEL: Final = "label"


def _rejected() -> Any:
    return field(default=0, metadata={REJECT: True})


@dataclass(slots=True)
class IngestStats:
    """Counts for one run of the ingest core; ``merge`` adds another run's counts."""

    lines: int = 0
    sentences: int = 0
    messages: int = 0
    records: int = 0
    other_nmea: int = 0  # valid non-AIS NMEA (GPS fixes, proprietary sentences ...)
    junk_lines: int = _rejected()  # comments, blank lines and lines that are not NMEA at all
    bad_checksum: int = _rejected()
    missing_checksum: int = _rejected()
    malformed_sentence: int = _rejected()  # wrong field count, fragment numbers, fill bits ...
    too_long: int = _rejected()
    non_ascii: int = _rejected()
    bad_tag_block: int = _rejected()  # no closing backslash or unparseable
    tag_block_bad_checksum: int = 0  # used leniently: the sentence has its own checksum
    bad_time: int = 0  # a time field that was present but implausible
    invalid_payload: int = _rejected()  # characters outside the six-bit armour, or empty
    short_payload: int = _rejected()  # fewer bits than the message type needs
    unknown_type: int = _rejected()  # message type 0 or above 27
    orphan_fragments: int = _rejected()
    duplicate_fragments: int = _rejected()
    out_of_order_fragments: int = _rejected()
    expired_fragments: int = _rejected()
    evicted_fragments: int = _rejected()  # dropped by the bound on held fragments
    duplicates: int = 0  # whole messages already heard from this or another receiver
    decode_errors: int = _rejected()
    bad_json: int = _rejected()
    # Dropped by the sources before framing: a "line" too long to hold with no end in sight,
    # and datagrams a full queue could not take (UDP cannot push back).
    oversized_lines: int = _rejected()
    dropped_datagrams: int = _rejected()
    untimed: int = 0  # records no clock could time (a plain log with no time at all)
    # Records that came behind the time already handed to the rules (the lateness passed):
    # stored and counted in history, but not used to move vessels back in time.
    late: int = field(default=0, metadata={METRIC: "late_records"})
    # Records whose time is far from their feed's (a broken clock): counted, never stored.
    quarantined: int = field(default=0, metadata={METRIC: "quarantined_records"})
    # Vessels forgotten because the cap on vessels held was reached (their oldest reports).
    evicted_vessels: int = 0
    # Records by the clock that gave their time and its judgement ("pghp/repaired").
    clocks: Counter[str] = field(default_factory=Counter, metadata={METRIC: "record_times"})
    by_type: Counter[int] = field(
        default_factory=Counter, metadata={LABEL: "type", METRIC: "messages_by_type"}
    )
    not_decoded_by_type: Counter[int] = field(default_factory=Counter, metadata={LABEL: "type"})
    rejected_values: Counter[str] = field(default_factory=Counter, metadata={LABEL: "field"})

    def merge(self, other: IngestStats) -> None:
        """Add the counts of ``other`` to these."""
        for f in fields(self):
            mine = getattr(self, f.name)
            theirs = getattr(other, f.name)
            if isinstance(mine, Counter):
                mine.update(theirs)
            else:
                setattr(self, f.name, mine + theirs)

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
                f"dropped by the sources: oversized lines {self.oversized_lines}, "
                f"dropped datagrams {self.dropped_datagrams}",
                f"times: {self.clock_summary()}",
                f"vessels evicted by the cap {self.evicted_vessels}",
                *self._other_counts(),
            ]
        )

    def _other_counts(self) -> list[str]:
        """Counters the lines above do not name (added since): listed by name, so every
        count of the run is in the summary as it is in ``/metrics``."""
        others = [
            f"{f.name.replace('_', ' ')} {getattr(self, f.name)}"
            for f in fields(self)
            if f.name not in _SUMMARISED and not isinstance(getattr(self, f.name), Counter)
        ]
        return [f"other counts: {', '.join(others)}"] if others else []

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
        if self.quarantined:
            parts.append(f"quarantined {self.quarantined}")
        return "; ".join(parts)

    @property
    def suspect_times(self) -> int:
        """Records whose time could not be trusted (stored, not used to judge movement)."""
        return sum(n for key, n in self.clocks.items() if key.endswith("/suspect"))


# The counters ``IngestStats.summary`` names in its own words.
_SUMMARISED: Final = frozenset((
    "lines", "sentences", "messages", "records", "other_nmea", "junk_lines", "bad_checksum",
    "missing_checksum", "malformed_sentence", "too_long", "non_ascii", "bad_tag_block",
    "tag_block_bad_checksum", "bad_time", "invalid_payload", "short_payload", "unknown_type",
    "orphan_fragments", "duplicate_fragments", "out_of_order_fragments", "expired_fragments",
    "evicted_fragments", "duplicates", "decode_errors", "bad_json", "oversized_lines",
    "dropped_datagrams", "untimed", "late", "quarantined", "evicted_vessels",
))  # fmt: skip

