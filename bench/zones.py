"""Zone membership rate of mda's grid index against a plain loop of shapely.contains.

    python -m bench.zones [--positions N]

The catalogue is mda's default one plus all of TeleGeography's cables (2022, world, from
../shared/data/zones) as 1 nm corridors. Positions are synthetic: half uniform over the Red Sea
to West Africa box, half scattered around ports and cable routes, where membership is decided.
The baseline tests every position against every zone with shapely.contains, one Python call at
a time (on a sample: it is thousands of times slower).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import shapely
from shapely.geometry import Point

from bench.common import rate, timed
from mda.zones import ZoneCatalog, ZoneIndex, load_zones
from mda.zones.catalog import zones_from_geojson
from mda.zones.importers import telegeography_cables
from tests.data import shared


def positions(catalog: ZoneCatalog, n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-20.0, 55.0, n)
    lat = rng.uniform(-10.0, 46.0, n)
    anchors = np.array(
        [(z.point.x, z.point.y) for z in catalog if z.point is not None]
        + [c for z in catalog if z.line is not None for c in shapely.get_coordinates(z.line)]
    )
    pick = anchors[rng.integers(0, len(anchors), n // 2)]
    lon[: n // 2] = pick[:, 0] + rng.normal(0, 0.05, n // 2)
    lat[: n // 2] = pick[:, 1] + rng.normal(0, 0.05, n // 2)
    return lon, lat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--positions", type=int, default=1_000_000)
    parser.add_argument("--baseline-positions", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    start = time.perf_counter()
    catalog = load_zones()
    cables = telegeography_cables(
        shared("zones/telegeography_submarine_cables_2022/cable-geo.json")
    ).features
    for zone in zones_from_geojson({"type": "FeatureCollection", "features": cables}, "tg", "tg"):
        catalog.add(zone)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    index = ZoneIndex(list(catalog))
    built = time.perf_counter() - start
    zones = list(catalog)
    print(f"catalogue: {len(zones)} zones ({len(cables)} TeleGeography cables); "
          f"loading with corridors {loaded:.1f} s, index {built:.1f} s")  # fmt: skip

    lon, lat = positions(catalog, args.positions)
    hits = len(index.locate(lon, lat).point)
    mda_s = timed(lambda: index.locate(lon, lat), args.repeats)

    sample = args.baseline_positions
    points = [Point(x, y) for x, y in zip(lon[:sample], lat[:sample], strict=True)]
    areas = [z.area for z in zones]

    def baseline() -> int:
        found = 0
        for point in points:
            for area in areas:
                if shapely.contains(area, point):
                    found += 1
        return found

    base_s = timed(baseline, 1)
    m_best, m_median = rate(len(lon), mda_s)
    b_best, _ = rate(sample, base_s)
    print(f"positions: {len(lon):,} ({hits:,} zone memberships)")
    print(f"plain shapely.contains loop   {b_best:>12,.0f} positions/s  (sample of {sample:,})")
    print(
        f"mda ZoneIndex.locate          {m_best:>12,.0f} positions/s best, {m_median:,.0f} median"
    )
    print(f"ratio                         {m_best / b_best:>12,.0f}x")


if __name__ == "__main__":
    main()
