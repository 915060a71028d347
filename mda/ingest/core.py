"""The ingest core: lines in, records out. Framing and decoding joined, still pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mda.ingest.decode import Decoder
from mda.ingest.framing import Framer
from mda.ingest.message import AisMessage
from mda.ingest.stats import IngestStats
from mda.model import Record


class Ingestor:
    """Frames and decodes batches of lines; one instance per pipeline, state kept between."""

    def __init__(
        self, stats: IngestStats | None = None, *, duplicate_window_s: float | None = 10.0
    ) -> None:
        self.stats = stats if stats is not None else IngestStats()
        self.framer = Framer(self.stats, duplicate_window_s=duplicate_window_s)
        self.decoder = Decoder(self.stats)

    def ingest(
        self, lines: Iterable[bytes], feed: str, arrival: float | None = None
    ) -> list[Record]:
        """Records decoded from a batch of lines of one feed."""
        return self.decoder.decode(self.framer.frame(lines, feed, arrival))

    def ingest_chunks(
        self,
        chunks: Sequence[tuple[Iterable[bytes], str, float | None]],
        keep: list[AisMessage] | None = None,
    ) -> list[Record]:
        """Records of several chunks (lines, feed, arrival) in one pass: consecutive chunks of
        a feed are framed together, each line with its own chunk's arrival time. ``keep``
        collects the framed messages too (their original sentences feed raw NMEA partners)."""
        messages = []
        i = 0
        while i < len(chunks):
            feed = chunks[i][1]
            j = i
            while j < len(chunks) and chunks[j][1] == feed:
                j += 1
            messages += self.framer.frame_chunks([(c[0], c[2]) for c in chunks[i:j]], feed)
            i = j
        if keep is not None:
            keep.extend(messages)
        return self.decoder.decode(messages)

    def finish(self) -> None:
        """End of input: count what can no longer complete (held fragments)."""
        self.framer.finish()
