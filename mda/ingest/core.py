"""The ingest core: lines in, records out. Framing and decoding joined, still pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mda.ingest.clocks import ClockJudge
from mda.ingest.decode import Decoder
from mda.ingest.framing import Framer
from mda.ingest.message import AisMessage, RawMessage, raw_messages
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
        self.judge = ClockJudge(self.stats)

    def ingest(
        self, lines: Iterable[bytes], feed: str, arrival: float | None = None
    ) -> list[Record]:
        """Records decoded from a batch of lines of one feed, their times judged."""
        return self.decode(self.framer.frame(lines, feed, arrival))

    def ingest_all(
        self, lines: Iterable[bytes], feed: str, arrival: float | None = None
    ) -> list[Record]:
        """Records of lines that are the whole input (a file read at once, a test)."""
        return self.ingest(lines, feed, arrival) + self.finish()

    def decode(
        self, messages: list[AisMessage], keep: list[RawMessage] | None = None
    ) -> list[Record]:
        """Framed messages decoded, each record's time chosen among its clocks and judged.
        ``keep`` collects the sentences of the messages that decoded, with their MMSI and
        type (raw NMEA partner feeds pass them on)."""
        origins: list[int] = []
        records = self.decoder.decode(messages, origins)
        if keep is not None:
            keep += raw_messages(messages, records, origins)
        return self.judge.judge(records, messages, origins)

    def ingest_chunks(
        self,
        chunks: Sequence[tuple[Iterable[bytes], str, float | None]],
        keep: list[RawMessage] | None = None,
    ) -> list[tuple[str, list[Record]]]:
        """Records of several chunks (lines, feed, arrival), by feed: consecutive chunks of a
        feed are framed together, each line with its own chunk's arrival time. ``keep`` as in
        :meth:`decode`."""
        out: list[tuple[str, list[Record]]] = []
        i = 0
        while i < len(chunks):
            feed = chunks[i][1]
            j = i
            while j < len(chunks) and chunks[j][1] == feed:
                j += 1
            messages = self.framer.frame_chunks([(c[0], c[2]) for c in chunks[i:j]], feed)
            out.append((feed, self.decode(messages, keep)))
            i = j
        return out

    def finish(self) -> list[Record]:
        """End of input: count what can no longer complete (held fragments); returns the
        records still waiting for their clock to be known, judged by what is known."""
        self.framer.finish()
        return self.judge.finish()
