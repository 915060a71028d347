"""The pure parts of scale-out: a message on the wire and back, a partition's state saved and
restored (what a worker taking a partition over starts from)."""

from __future__ import annotations

import pytest

from mda.ingest.framing import Framer
from mda.ingest.message import AisMessage
from mda.pipeline import build_pipeline
from mda.resources import default_folder
from mda.scale import snapshot, wire
from mda.simulate.scenarios import simulate


def framed(lines: list[bytes]) -> list[AisMessage]:
    return Framer().frame(lines, "feed")


def test_every_framed_message_crosses_the_wire_unchanged() -> None:
    messages = framed(simulate("dark-tanker", vessels=5).lines[:3000])
    assert any(len(m.raws) > 1 for m in messages)  # multi-sentence messages too
    for m in messages:
        body, headers = wire.encode(m)
        back = wire.decode(body, headers)
        assert back == m._replace(receivers=back.receivers)
        assert back.receivers == m.receivers
    assert wire.mmsi_of(messages[0].payload) is not None


def test_a_message_that_is_not_ours_is_refused_with_its_reason() -> None:
    with pytest.raises(wire.WireError, match="not an mda AIS message"):
        wire.decode(b"hello", {})
    with pytest.raises(wire.WireError, match="Mda-Time"):
        wire.decode(b"13u?etPv2;0n:dDPwUM1U1Cb069D,0", {wire.TIME: "noon"})
    assert wire.mmsi_of(b"1") is None and wire.mmsi_of(b"\x00\x00\x00\x00\x00\x00\x00") is None


def test_a_restored_partition_raises_what_the_original_would_have() -> None:
    lines = simulate("dark-tanker", vessels=20).lines
    messages = framed(lines)
    half = len(messages) // 2
    paths = [default_folder("zones")], [default_folder("alerts")]
    original = build_pipeline(*paths)
    original.process_messages(messages[:half])
    saved = snapshot.dump((original, "extra"), original.index, 1234)
    # The new owner has its own zone index (the snapshot refers to it, it does not carry it).
    other = build_pipeline(*paths)
    (restored, extra), sequence = snapshot.load(saved, other.index)
    assert (sequence, extra) == (1234, "extra") and restored.index is other.index
    rest = messages[half:]
    want = [(a.alert_id, a.state) for a in original.process_messages(rest).alerts]
    got = [(a.alert_id, a.state) for a in restored.process_messages(rest).alerts]
    # The clear of an alert opened before the snapshot: the restored state knew of it.
    assert got == want and want


def test_a_snapshot_of_another_version_is_not_used() -> None:
    pipeline = build_pipeline([default_folder("zones")], [default_folder("alerts")])
    with pytest.raises(snapshot.SnapshotError, match="version"):
        snapshot.load(b"mda-partition-snapshot/0.0.1 5\n...", pipeline.index)
    with pytest.raises(snapshot.SnapshotError, match="damaged"):
        snapshot.load(f"{snapshot.FORMAT} 5\n".encode() + b"garbage", pipeline.index)
