"""Numeric options that make no sense are one clear line and a non-zero exit, never a
traceback and never a run with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli_service import SAMPLE, mda

RECORDING = str(SAMPLE / "anchor-drag.nmea.gz")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["replay", RECORDING, "--speed", "-1", "-q"], "--speed: must be more than 0, not -1"),
        (["replay", RECORDING, "--speed", "0", "-q"], "--speed: must be more than 0, not 0"),
        (["decode", RECORDING, "--speed", "-1"], "--speed: must be more than 0, not -1"),
        (["demo", "--speed", "-5"], "--speed: must be more than 0, not -5"),
        (["simulate", "traffic", "--vessels", "-5", "-o", "{out}"],
         "--vessels: must be at least 1, not -5"),
        (["simulate", "traffic", "--minutes", "-1", "-o", "{out}"],
         "--minutes: must be more than 0, not -1"),
        (["simulate", "gulf-of-aden-stop", "--vessels", "-1", "-o", "{out}"],
         "--vessels: must be at least 0, not -1"),
        (["scale", "nats-config", "--partitions", "0"], "--partitions: must be at least 1, not 0"),
        (["alerts", "ack", "abc", "--by", "me", "--wait", "-1"],
         "--wait: must be more than 0, not -1"),
    ],
)
def test_a_nonsense_number_is_one_line_and_a_failure(
    tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "out.nmea"
    result = mda(*[a.replace("{out}", str(out)) for a in args], timeout=120)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [f"mda: error: {message}"]
    assert not out.exists()
