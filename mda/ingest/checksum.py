"""NMEA checksums verified for a whole batch of lines at once.

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


def verify_checksums(lines: Sequence[bytes]) -> list[bool]:
    """For each line (without line breaks), whether it holds a sentence with a valid checksum.

    The sentence is the text from the first ``!`` or ``$`` of the line to its last ``*``
    followed by two hex digits; anything before (a tag block) or after (trailing fields) is
    outside the checksum, as NMEA defines it.
    """
    if not lines:
        return []
    buf = np.frombuffer(b"\n".join(lines) + b"\n", dtype=np.uint8)
    size = len(buf)
    ends = np.flatnonzero(buf == _NEWLINE)
    if len(ends) != len(lines):
        # A line with a newline inside (only from callers that did not split on newlines):
        # check such a batch line by line.
        return [bool(verify_checksums([part])[0]) if b"\n" not in part else False for part in lines]
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    delimiters = np.flatnonzero((buf == _BANG) | (buf == _DOLLAR))
    stars = np.flatnonzero(buf == _STAR)
    first_delimiter = np.append(delimiters, size)[np.searchsorted(delimiters, starts)]
    last_star_index = np.searchsorted(stars, ends) - 1
    last_star = np.where(last_star_index >= 0, np.append(stars, -1)[last_star_index], -1)
    framed = (first_delimiter < ends) & (last_star > first_delimiter + 1) & (last_star + 2 < ends)
    begin = np.where(framed, first_delimiter + 1, 0)
    end = np.where(framed, last_star, 0)
    bounds: npt.NDArray[np.intp] = np.empty(2 * len(begin), dtype=np.intp)
    bounds[0::2] = begin
    bounds[1::2] = end
    xor = np.bitwise_xor.reduceat(buf, bounds)[0::2]
    high = _HEX_VALUE[buf[np.minimum(last_star + 1, size - 1)]]
    low = _HEX_VALUE[buf[np.minimum(last_star + 2, size - 1)]]
    valid = framed & (high >= 0) & (low >= 0) & (xor == high * 16 + low)
    result: list[bool] = valid.tolist()
    return result
