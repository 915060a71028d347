"""The ingest core: lines in, records out. Framing and decoding joined, still pure."""

from __future__ import annotations

from collections.abc import Iterable

from mda.ingest.decode import Decoder
from mda.ingest.framing import Framer
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

    def finish(self) -> None:
        """End of input: count what can no longer complete (held fragments)."""
        self.framer.finish()
