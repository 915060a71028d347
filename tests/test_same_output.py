"""The pipeline's complete output is the same as the golden digests recorded before
optimisation: every ``mda simulate`` scenario (15 vessels of ordinary traffic besides its
actors) and every real recording of the shared data.

Compared per input and per part: alerts (ids, states, rules, vessels, zones, times, messages,
in the order raised), stored positions (with clock, time quality and segment), statics, zone
events and zone hours, each as a SHA-256 of its canonical form (``tests.test_determinism``'s
snapshot) with its row count.

When an output is meant to change, regenerate the digests and say why in the commit:

    MDA_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_same_output.py

``MDA_SAME_OUTPUT_STEP=N`` feeds the input N lines a step instead of all at once (the digests
must not depend on it).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from mda.simulate.scenarios import SCENARIOS
from tests.data import NMEA_RECORDINGS
from tests.test_determinism import Snapshot, recording_lines, replay, scenario_lines

GOLDEN = Path(__file__).parent / "golden" / "same_output.json"
REGENERATE = os.environ.get("MDA_REGENERATE_GOLDEN") == "1"
STEP = int(os.environ.get("MDA_SAME_OUTPUT_STEP", "0"))  # 0: the whole input in one step
HOW_TO_REGENERATE = (
    "MDA_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest -q -p no:cacheprovider "
    "tests/test_same_output.py"
)

Digest = dict[str, dict[str, Any]]


def digest(snap: Snapshot) -> Digest:
    """Each part of a replay's output as its row count and a hash of its canonical form."""
    return {
        part: {"rows": len(rows), "sha256": hashlib.sha256(repr(rows).encode()).hexdigest()}
        for part, rows in snap.items()
    }


def output(lines: tuple[bytes, ...], feed: str) -> Digest:
    steps = [STEP] * (len(lines) // STEP + 1) if STEP else [len(lines)]
    return digest(replay(lines, feed, steps))


def golden(path: Path = GOLDEN) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {"inputs": {}}


def record(key: str, got: Digest, path: Path, how: str) -> None:
    """Write this input's digest into the golden file (regeneration only)."""
    document = golden(path)
    document["regenerate"] = how
    document["inputs"][key] = got
    document["inputs"] = dict(sorted(document["inputs"].items()))
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(document, indent=1) + "\n")


def check(key: str, got: Digest, path: Path = GOLDEN, how: str = HOW_TO_REGENERATE) -> None:
    """This input's digest against the golden file ``path`` (``how``: how to regenerate it)."""
    if REGENERATE:
        record(key, got, path, how)
        return
    want = golden(path)["inputs"].get(key)
    assert want is not None, f"{key}: no golden digest; regenerate with {how}"
    differ = [
        f"{part} ({want[part]['rows']} rows golden, {got[part]['rows']} now)"
        for part in want
        if got.get(part) != want[part]
    ]
    assert not differ, f"{key}: output differs from the golden digest in " + ", ".join(differ)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_scenario_gives_the_golden_output(name: str) -> None:
    check(f"scenario:{name}", output(scenario_lines(name), name))


@pytest.mark.parametrize("rel", NMEA_RECORDINGS)
def test_every_real_recording_gives_the_golden_output(rel: str) -> None:
    check(f"recording:{rel}", output(recording_lines(rel), rel))
