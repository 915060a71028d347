"""The ``zone_hours`` table holds the same rows as before zone hours were aggregated across
batches: every ``mda simulate`` scenario, every real recording and the late satellite feed
(``tests/test_clocks.py``, with the default lateness and with one that covers its passes) is
stored through the pipeline and the store writer, a small step at a time as a live service
would, and ``SELECT * FROM zone_hours`` is compared with the digest recorded in
``tests/golden/stored_zone_hours.json`` before that change.

The pipeline's own zone-hour rows may differ in number and in the steps they come in (fewer,
later); the table they build must not. Regenerate (saying why in the commit) with

    MDA_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_stored_zone_hours.py
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import psycopg
import pytest

from mda.pipeline import Pipeline
from mda.resources import default_folder
from mda.rules.engine import RuleEngine
from mda.simulate.scenarios import SCENARIOS
from mda.store.writer import StoreWriter
from mda.zones.catalog import ZoneCatalog
from mda.zones.index import ZoneIndex
from tests.data import NMEA_RECORDINGS
from tests.test_clocks import satellite
from tests.test_determinism import default_rules, default_zones, recording_lines, scenario_lines
from tests.test_history_recount import zones
from tests.test_same_output import Digest, check

GOLDEN = Path(__file__).parent / "golden" / "stored_zone_hours.json"
HOW_TO_REGENERATE = (
    "MDA_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest -q -p no:cacheprovider "
    "tests/test_stored_zone_hours.py"
)
STEP = 1_000  # lines a step: many steps, so that hours span several of them

# Times as whole microseconds since the epoch: compared exactly, whatever the session's zone.
TABLE = """
SELECT zone_id, mmsi, (extract(epoch FROM hour) * 1e6)::bigint,
    (extract(epoch FROM first_time) * 1e6)::bigint, (extract(epoch FROM last_time) * 1e6)::bigint
FROM zone_hours ORDER BY zone_id, mmsi, hour
"""


async def store(lines: tuple[bytes, ...], feed: str, url: str, lateness_s: float,
                index: ZoneIndex) -> None:  # fmt: skip
    pipeline = Pipeline(index, RuleEngine(list(default_rules()), index), lateness_s=lateness_s)
    writer = StoreWriter(url, locate=index.zone_sets)
    await writer.start()
    try:
        for i in range(0, len(lines), STEP):
            await writer.write(pipeline.process(list(lines[i : i + STEP]), feed).store_batch())
        await writer.write(pipeline.finish().store_batch())
    finally:
        await writer.close()


def stored_hours(lines: tuple[bytes, ...], feed: str, url: str, lateness_s: float = 120.0,
                 index: ZoneIndex | None = None) -> Digest:  # fmt: skip
    asyncio.run(store(lines, feed, url, lateness_s, index or default_zones()))
    with psycopg.connect(url) as conn:
        rows = conn.execute(TABLE).fetchall()
    return {"zone_hours": {"rows": len(rows),
                           "sha256": hashlib.sha256(repr(rows).encode()).hexdigest()}}  # fmt: skip


def check_stored(key: str, got: Digest) -> None:
    check(key, got, GOLDEN, HOW_TO_REGENERATE)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_scenario_stores_the_golden_zone_hours(name: str, plain_database: str) -> None:
    check_stored(f"scenario:{name}", stored_hours(scenario_lines(name), name, plain_database))


@pytest.mark.parametrize("rel", NMEA_RECORDINGS)
def test_every_real_recording_stores_the_golden_zone_hours(rel: str, plain_database: str) -> None:
    check_stored(f"recording:{rel}", stored_hours(recording_lines(rel), rel, plain_database))


@pytest.mark.parametrize("lateness_s", [120.0, 3 * 3600.0])
def test_a_late_satellite_feed_stores_the_golden_zone_hours(
    lateness_s: float, plain_database: str, tmp_path: Path
) -> None:
    """With a zone over the English Channel's lanes, which most of its traffic crosses."""
    catalog = ZoneCatalog.load([default_folder("zones"), zones(tmp_path / "zones")])
    index = ZoneIndex(list(catalog), [z.area for z in catalog.of_kind("land")])
    lines = tuple(satellite().lines)
    got = stored_hours(lines, "satellite", plain_database, lateness_s, index)
    check_stored(f"satellite:lateness {lateness_s:g} s", got)
