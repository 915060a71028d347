"""Records the store set aside, with the reason, in a JSON-lines file beside the spool.

A row the database refuses, or one whose time would make the store create partitions for a
lone fix, is not retried and does not hold back the rows around it: it is counted, and kept
here so that a user can see what was left out and why (``mda db spool`` sums it up). The file
is bounded: past ``max_bytes`` rows are still counted but no longer kept, and the log says so.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

log = logging.getLogger("mda.store")

REJECTS_FILE: Final = "rejects.jsonl"


class RejectsFile:
    """Appends set-aside records; ``folder`` None keeps nothing on disk (counts only)."""

    def __init__(
        self,
        folder: Path | None,
        max_bytes: int = 64 << 20,
        on_first: Callable[[], None] | None = None,
    ) -> None:
        """``on_first``: called before the first record is kept (creates the folder)."""
        self.path = folder / REJECTS_FILE if folder is not None else None
        self._on_first = on_first
        self.max_bytes = max_bytes
        self.counts: Counter[str] = Counter()
        self.not_kept = 0
        exists = self.path is not None and self.path.exists()
        self._bytes = self.path.stat().st_size if self.path is not None and exists else 0

    @property
    def total(self) -> int:
        """Records set aside since this writer started."""
        return sum(self.counts.values())

    def keep(self, kind: str, records: list[tuple[Any, str]], detail: str = "") -> None:
        """Set aside ``records`` of a kind ("position", "static", ...), each with its reason."""
        if not records:
            return
        for _, reason in records:
            self.counts[reason] += 1
        lines = "".join(
            json.dumps({"kind": kind, "reason": reason, "detail": detail, "row": list(row)},
                       default=str, separators=(",", ":")) + "\n"
            for row, reason in records
        )  # fmt: skip
        if self.path is None:
            return
        if self._bytes + len(lines) > self.max_bytes:
            if not self.not_kept:
                log.error("%s is full: further set-aside records are counted, not kept", self.path)
            self.not_kept += len(records)
            return
        if self._on_first is not None:
            self._on_first()
            self._on_first = None
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(lines)
        self._bytes += len(lines)


def summarise(path: Path) -> tuple[int, Counter[str]]:
    """(records, records per reason) of a rejects file."""
    reasons: Counter[str] = Counter()
    if not path.exists():
        return 0, reasons
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                reasons[str(json.loads(line).get("reason"))] += 1
            except ValueError:
                reasons["unreadable line"] += 1
    return sum(reasons.values()), reasons
