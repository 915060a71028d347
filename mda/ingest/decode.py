"""Decoding: AIS messages in, ``Position`` and ``VesselStatic`` records out.

Position reports (types 1-3, 4, 18, 27) are most of any feed and the static reports (5, 24)
repeat with them, so those take fast paths written from the ITU-R M.1371 field layouts: the
payload becomes one integer and each field is a shift and a mask; 168-bit reports are decoded a
whole batch at a time (``vectorised``). pyais decodes every other type and remains the oracle:
``Decoder(fast=False)`` decodes everything through pyais, and a differential test holds the
paths equal on every message of the real recordings.

Payloads are checked before any decoding: only armour characters, a known message type, and at
least as many bits as that type needs. A short or corrupted payload is counted, never decoded
into a record with fields made up of padding.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterable
from typing import Final

from pyais.exceptions import AISBaseException
from pyais.messages import MSG_CLASS, bit_vector

from mda.ingest.message import AisMessage
from mda.ingest.positions import base_station, class_a, class_b, long_range
from mda.ingest.pyais_records import records_from_pyais
from mda.ingest.sixbit import (
    ARMOUR,
    LAYOUT_BITS,
    MIN_BITS,
    PADDING,
    PADDING_BITS,
    SIXBIT_VALUE,
    TO_BASE64,
    TYPE24B_MIN_BITS,
)
from mda.ingest.statics import UnknownPartError, static_data_report, static_voyage
from mda.ingest.stats import IngestStats
from mda.ingest.vectorised import REPORT_CHARS, VECTOR_TYPES, decode_reports
from mda.model import Record

STATIC_TYPES: Final = frozenset((5, 24))
# First payload character of each type the batch decoder takes.
_VECTOR_FIRST_CHAR: Final = {ARMOUR[t]: t for t in VECTOR_TYPES}


class Decoder:
    """Turns framed messages into records, counting everything it cannot decode."""

    def __init__(
        self, stats: IngestStats | None = None, *, fast: bool = True, vectorise: bool = True
    ) -> None:
        """``fast=False`` decodes everything through pyais (the oracle); ``vectorise=False``
        keeps the fast layouts but decodes them one message at a time."""
        self.stats = stats if stats is not None else IngestStats()
        self._layouts = LAYOUT_BITS if fast else {}
        self._statics = STATIC_TYPES if fast else frozenset()
        self._vectorise = fast and vectorise
        self._types: list[int] = []

    def decode(
        self, messages: Iterable[AisMessage], origins: list[int] | None = None
    ) -> list[Record]:
        """Decode a batch; records keep the order of their messages. ``origins``, when given,
        receives the index of each record's message (a message can give two records)."""
        batch = messages if isinstance(messages, list) else list(messages)
        stats = self.stats
        vector_first = _VECTOR_FIRST_CHAR if self._vectorise else {}
        vector_index: list[int] = []
        vector_types: list[int] = []
        scalar: dict[int, Record | list[Record]] = {}
        for i, m in enumerate(batch):
            payload = m.payload
            t = (
                vector_first.get(payload[0])
                if len(payload) == REPORT_CHARS and not m.fill
                else None
            )
            if t is not None:
                vector_index.append(i)
                vector_types.append(t)
                continue
            if m.decoded is not None:
                scalar[i] = m.decoded
                self._types.append(m.decoded.msg_type)
                continue
            result = self._decode_one(m)
            if result is not None:
                scalar[i] = result
        out: list[Record] = []
        if vector_index:
            positions = decode_reports(
                [batch[i] for i in vector_index], vector_types, stats.rejected_values
            )
            invalid = positions.count(None)
            if invalid:
                stats.invalid_payload += invalid
                vector_types = [t for t, p in zip(vector_types, positions, strict=True) if p]
            self._types.extend(vector_types)
            merged: dict[int, Record | list[Record] | None] = dict(
                zip(vector_index, positions, strict=True)
            )
            merged.update(scalar)
            scalar = {i: r for i in sorted(merged) if (r := merged[i]) is not None}
        for i, found in scalar.items():  # in message order
            if isinstance(found, list):
                out.extend(found)
                if origins is not None:
                    origins.extend([i] * len(found))
            else:
                out.append(found)
                if origins is not None:
                    origins.append(i)
        stats.by_type.update(self._types)
        self._types.clear()
        stats.records += len(out)
        return out

    def _decode_one(self, m: AisMessage) -> Record | list[Record] | None:
        """Decode one message on the scalar paths (fast layouts or pyais)."""
        stats = self.stats
        payload = m.payload
        msg_type = SIXBIT_VALUE.get(payload[0]) if payload else None
        if msg_type is None:
            stats.invalid_payload += 1
            return None
        rejected = stats.rejected_values
        layout = self._layouts.get(msg_type)
        if layout is not None:
            total_bits = 6 * len(payload)
            if total_bits - m.fill < MIN_BITS[msg_type]:
                stats.short_payload += 1
                return None
            tail = len(payload) & 3
            try:
                data = binascii.a2b_base64(
                    payload.translate(TO_BASE64) + PADDING[tail], strict_mode=True
                )
            except binascii.Error:
                stats.invalid_payload += 1
                return None
            self._types.append(msg_type)
            # Align the value on the layout's length so that field offsets are constants;
            # a report cut short in its radio-state tail gets zeros there, never read.
            v = int.from_bytes(data, "big")
            excess = total_bits - layout + PADDING_BITS[tail]
            v = v >> excess if excess >= 0 else v << -excess
            if msg_type <= 3:
                return class_a(v, msg_type, m, rejected)
            if msg_type == 18:
                return class_b(v, m, rejected)
            if msg_type == 4:
                return base_station(v, m, rejected)
            return long_range(v, m, rejected)
        if payload.translate(None, ARMOUR):
            stats.invalid_payload += 1
            return None
        if not 1 <= msg_type <= 27:
            stats.unknown_type += 1
            return None
        min_bits = MIN_BITS.get(msg_type)
        if min_bits is None:
            self._types.append(msg_type)
            stats.not_decoded_by_type[msg_type] += 1
            return None
        bits = 6 * len(payload) - m.fill
        if bits < min_bits or (
            msg_type == 24
            and (SIXBIT_VALUE[payload[6]] >> 2) & 3 == 1  # part B (part number, bits 38-39)
            and bits < TYPE24B_MIN_BITS
        ):
            stats.short_payload += 1
            return None
        self._types.append(msg_type)
        if msg_type in self._statics:
            tail = len(payload) & 3
            data = binascii.a2b_base64(payload.translate(TO_BASE64) + PADDING[tail])
            v = int.from_bytes(data, "big") >> (PADDING_BITS[tail] + m.fill)
            if msg_type == 5:
                return static_voyage(v, bits, m, rejected)
            try:
                return static_data_report(v, bits, m)
            except UnknownPartError:
                stats.decode_errors += 1  # counted; the message stays in the raw stream
                return None
        bv = bit_vector(m.payload, m.fill)
        try:
            return records_from_pyais(MSG_CLASS[msg_type].from_vector(bv), bv, m, rejected)
        except (AISBaseException, ValueError, KeyError, TypeError):
            stats.decode_errors += 1  # counted; the message stays in the raw stream
            return None
