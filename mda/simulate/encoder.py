"""AIS messages encoded as the sentences a shore station would emit, with NMEA 4.0 tag blocks."""

from __future__ import annotations

from typing import Any

from pyais.encode import encode_dict

from mda.ingest.nmea import checksum, tag_block

# Reports that carry the UTC second of their fix (a transponder always fills it in; the
# receiver's clock is checked against it).
_WITH_SECOND = frozenset((1, 2, 3, 9, 18, 19, 21))


def position_report(
    mmsi: int, class_b: bool, lat: float, lon: float, speed_kn: float, course: float,
    heading: int, second: int,
) -> dict[str, object]:
    """The fields every position report carries, type 1 for class A or 18 for class B (the
    caller adds the class's own): the position to 6 decimals (finer than the message's
    1/10000 minute) and the speed to a tenth of a knot, as transmitted."""
    return {
        "type": 18 if class_b else 1,
        "mmsi": mmsi,
        "lat": round(lat, 6),
        "lon": round(lon, 6),
        "speed": round(speed_kn, 1),
        "course": course,
        "heading": heading,
        "second": second,
        "accuracy": True,
    }


class SentenceWriter:
    """Encodes messages into tag-blocked sentences, numbering multi-sentence messages."""

    def __init__(self, station: str = "sim") -> None:
        self._station = station
        self._sequence = 0  # sequence id of multi-sentence messages, 0-9
        self._group = 0  # tag-block group id

    def encode(
        self, fields: dict[str, Any], time: float, channel: str = "A", station: str | None = None
    ) -> list[bytes]:
        """The sentences of one message received at ``time`` (epoch seconds); a position
        report's UTC second is that of ``time`` unless ``fields`` give one."""
        if fields.get("type") in _WITH_SECOND and "second" not in fields:
            fields = {**fields, "second": int(time // 1) % 60}
        seq = self._sequence
        sentences = encode_dict(
            fields, talker_id="AI", sentence_type="VDM", radio_channel=channel, seq_id=seq
        )
        source = (station or self._station).encode()
        stamp = b"c:%d" % round(time)
        if len(sentences) == 1:
            # A single sentence carries no sequence id.
            line = sentences[0].replace(f",1,1,{seq},", ",1,1,,", 1)
            body = line[1 : line.rindex("*")].encode()
            fixed = b"!" + body + b"*%02X" % checksum(body)
            return [tag_block([b"s:" + source, stamp]) + fixed]
        self._sequence = (seq + 1) % 10
        self._group += 1
        total = len(sentences)
        return [
            tag_block(
                [b"g:%d-%d-%d" % (i + 1, total, self._group)]
                + ([b"s:" + source, stamp] if i == 0 else [])
            )
            + s.encode()
            for i, s in enumerate(sentences)
        ]
