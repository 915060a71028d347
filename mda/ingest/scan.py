"""One vectorised look at a whole batch of lines: where each sentence is, and its checksum.

XOR-ing every byte of every sentence is the one per-byte loop of framing; done line by line in
Python it costs more than the rest of framing together. Here the batch is joined into one
buffer and numpy finds each sentence's delimiter and ``*``, XORs the bytes between them and
compares with the two hex digits after the ``*``, all in C.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

_HEX_VALUE: Final = np.full(256, -1, dtype=np.int16)
for _i, _c in enumerate(b"0123456789ABCDEF"):
    _HEX_VALUE[_c] = _i
for _i, _c in enumerate(b"abcdef"):
    _HEX_VALUE[_c] = 10 + _i

_NEWLINE: Final = 0x0A
_BANG: Final = 0x21
_DOLLAR: Final = 0x24
_STAR: Final = 0x2A

Positions = npt.NDArray[np.intp]


class LineScan:
    """Offsets of each line's sentence in the joined buffer, and whether its checksum holds.

    The sentence is the text from the first ``!`` or ``$`` of a line to its last ``*``
    followed by two hex digits; anything before (a tag block) or after (trailing fields) is
    outside the checksum, as NMEA defines it.
    """

    def __init__(self, lines: Sequence[bytes]) -> None:
        self.buf: npt.NDArray[np.uint8] = np.frombuffer(b"\n".join(lines) + b"\n", dtype=np.uint8)
        size = len(self.buf)
        buf = self.buf
        self.ends: Positions = np.flatnonzero(buf == _NEWLINE)
        # Lines are split on newlines by every source; a caller passing a line with a newline
        # inside gets that batch checked line by line instead (the arrays would not align).
        self.aligned = len(self.ends) == len(lines)
        self.checksum_ok: list[bool]
        if not self.aligned or not lines:
            self.checksum_ok = [False if b"\n" in line else _one_line_ok(line) for line in lines]
            return
        starts = np.empty_like(self.ends)
        starts[0] = 0
        starts[1:] = self.ends[:-1] + 1
        self.starts: Positions = starts
        delimiters = np.flatnonzero((buf == _BANG) | (buf == _DOLLAR))
        stars = np.flatnonzero(buf == _STAR)
        self.first_delimiter: Positions = np.append(delimiters, size)[
            np.searchsorted(delimiters, starts)
        ]
        last_star_index = np.searchsorted(stars, self.ends) - 1
        self.last_star: Positions = np.where(
            last_star_index >= 0, np.append(stars, -1)[last_star_index], -1
        )
        first, last = self.first_delimiter, self.last_star
        framed = (first < self.ends) & (last > first + 1) & (last + 2 < self.ends)
        bounds: Positions = np.empty(2 * len(starts), dtype=np.intp)
        bounds[0::2] = np.where(framed, first + 1, 0)
        bounds[1::2] = np.where(framed, last, 0)
        xor = np.bitwise_xor.reduceat(buf, bounds)[0::2]
        high = _HEX_VALUE[buf[np.minimum(last + 1, size - 1)]]
        low = _HEX_VALUE[buf[np.minimum(last + 2, size - 1)]]
        self.valid: npt.NDArray[np.bool_] = (
            framed & (high >= 0) & (low >= 0) & (xor == high * 16 + low)
        )
        self.checksum_ok = self.valid.tolist()


def _one_line_ok(line: bytes) -> bool:
    scan = LineScan([line])
    return bool(scan.checksum_ok[0]) if scan.aligned else False
