"""One framed AIS message as a NATS message, and back.

The gateway has done the framing (checksums, tag blocks, fragments, duplicates): what travels
is the complete message a worker decodes, with its event time and source in headers and the
original sentences in the body, so raw NMEA partner feeds still get them byte for byte.

Body: ``payload,fill`` then each original sentence, one per line.
"""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Mapping

from mda.ingest.message import AisMessage
from mda.ingest.sixbit import payload_value

TIME = "Mda-Time"
CLOCK = "Mda-Clock"  # which clock gave the time (the worker's clock judge checks it)
ALT_TIME = "Mda-Alt-Time"  # the runner-up clock's time, and which clock that is
ALT_CLOCK = "Mda-Alt-Clock"
SOURCE = "Mda-Source"
RECEIVERS = "Mda-Receivers"
# JetStream drops a message whose id it stored within its duplicate window: a gateway that
# resends after a lost acknowledgement (a node died) does not store a message twice.
MSG_ID = "Nats-Msg-Id"


class WireError(ValueError):
    """A NATS message that is not an mda AIS message."""


def mmsi_of(payload: bytes) -> int | None:
    """The MMSI (bits 8-37) of an armoured AIS payload; None if it is too short or invalid."""
    if len(payload) < 7:
        return None
    try:
        value = payload_value(payload[:7])
    except (binascii.Error, ValueError):
        return None
    return (value >> 4) & ((1 << 30) - 1)


def encode(message: AisMessage) -> tuple[bytes, dict[str, str]]:
    """Body and headers of a framed message."""
    body = b"\n".join((message.payload + b"," + str(message.fill).encode(), *message.raws))
    headers = {
        SOURCE: message.source,
        MSG_ID: hashlib.blake2b(
            repr(message.time).encode() + b"|" + message.payload, digest_size=12
        ).hexdigest(),
    }
    if message.time is not None:
        headers[TIME] = repr(message.time)
    if message.clock is not None:
        headers[CLOCK] = message.clock
    if message.alt_time is not None and message.alt_clock is not None:
        headers[ALT_TIME] = repr(message.alt_time)
        headers[ALT_CLOCK] = message.alt_clock
    if len(message.receivers) > 1:
        headers[RECEIVERS] = ",".join(message.receivers)
    return body, headers


def decode(body: bytes, headers: Mapping[str, str] | None) -> AisMessage:
    """The framed message of a NATS message; WireError if it is not one."""
    headers = headers or {}
    first, *raws = body.split(b"\n")
    payload, sep, fill = first.rpartition(b",")
    if not sep or not payload or not fill.isdigit():
        raise WireError(f"not an mda AIS message body: {first[:40]!r}")
    source = headers.get(SOURCE, "")
    time = _seconds(headers, TIME)
    alt_time = _seconds(headers, ALT_TIME)
    receivers = headers[RECEIVERS].split(",") if RECEIVERS in headers else [source]
    return AisMessage(
        time, source, payload, int(fill), tuple(raws), receivers, None, headers.get(CLOCK),
        alt_time, headers.get(ALT_CLOCK) if alt_time is not None else None,
    )  # fmt: skip


def _seconds(headers: Mapping[str, str], name: str) -> float | None:
    text = headers.get(name)
    try:
        return float(text) if text else None
    except ValueError as exc:
        raise WireError(f"bad {name} header {text!r}") from exc
