"""The six-bit payload armour of AIS (ITU-R M.1371 / IEC 61162-1) and payload checks.

The armour maps each 6-bit group to one ASCII character ('0'..'W', '`'..'w'). Translating those
characters to the base64 alphabet turns the whole payload into an integer with two C-level calls
(``bytes.translate`` and ``binascii.a2b_base64``), which is what makes the fast decoders fast.
"""

from __future__ import annotations

import binascii
from typing import Final

ARMOUR: Final = bytes(range(0x30, 0x58)) + bytes(range(0x60, 0x78))
_BASE64: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Armour characters map onto base64; every other byte maps onto '!', which strict base64
# decoding refuses, so one translation both converts and validates a payload.
TO_BASE64: Final = bytes(_BASE64[ARMOUR.index(b)] if b in ARMOUR else ord("!") for b in range(256))
PADDING: Final = (b"", b"AAA", b"AA", b"A")  # indexed by len % 4
PADDING_BITS: Final = (0, 18, 12, 6)

# Six-bit value of each armour character, for the message type in the first character.
SIXBIT_VALUE: Final = {c: i for i, c in enumerate(ARMOUR)}

# Fewest bits each decoded message type must carry: every field mda reads must be complete.
# ITU lengths are longer (168 for a class A position report); the tail they add is radio state
# that mda does not read, and real receivers do emit reports cut short there (156 and 163 bits
# are in the test recordings). Anything shorter than this would decode padding as data.
MIN_BITS: Final[dict[int, int]] = {
    1: 143,  # through the UTC second
    2: 143,
    3: 143,
    4: 138,  # through the EPFD type
    5: 422,  # through the destination
    9: 134,  # through the UTC second
    18: 139,  # through the UTC second
    19: 305,  # through the EPFD type
    21: 259,  # through the UTC second; the name extension is optional
    24: 160,  # part A through the name; part B needs TYPE24B_MIN_BITS
    27: 94,  # through the course
}
TYPE24B_MIN_BITS: Final = 162  # through the dimensions

# Bit lengths of the layouts the fast decoders read at constant offsets.
LAYOUT_BITS: Final[dict[int, int]] = {1: 168, 2: 168, 3: 168, 4: 168, 18: 168, 27: 96}


def payload_value(payload: bytes) -> int:
    """The payload as one integer of ``6 * len(payload)`` bits (fill bits included).

    Raises ``binascii.Error`` if a byte is not an armour character.
    """
    tail = len(payload) & 3
    data = binascii.a2b_base64(payload.translate(TO_BASE64) + PADDING[tail], strict_mode=True)
    return int.from_bytes(data, "big") >> PADDING_BITS[tail]


# AIS text characters for six-bit values 0-63 ('@' is padding and ends the text).
SIXBIT_TEXT: Final = b"@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?"
_BASE64_TO_TEXT: Final = bytes.maketrans(_BASE64, SIXBIT_TEXT)


def raw_text(value: int, nbits: int, offset: int, width: int) -> str:
    """The six-bit characters of ``width`` bits at ``offset`` of an ``nbits``-bit value.

    Characters beyond the end of the value are absent, never padding read as text. The bits
    become text through base64 (one character per six bits) and a translation of alphabets.
    """
    chars = (min(offset + width, nbits) - offset) // 6
    if chars <= 0:
        return ""
    bits = (value >> (nbits - offset - 6 * chars)) & ((1 << (6 * chars)) - 1)
    pad = -chars % 4  # base64 works on groups of four characters (24 bits)
    data = (bits << (6 * pad)).to_bytes((chars + pad) * 6 // 8, "big")
    encoded = binascii.b2a_base64(data, newline=False)[:chars]
    return encoded.translate(_BASE64_TO_TEXT).decode("ascii")
