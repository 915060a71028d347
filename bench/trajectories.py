"""Port visits and resampling on simulated ferries (``mda.simulate.ferry``), fixes per second by
wall and CPU time, each against a baseline measured in the same run, alternating.

    python -m bench.trajectories [--ferries N] [--repeats N]

- port visits (``port_visits`` over the default catalogue's ports and anchorages) against the
  floor of any port-distance method: numpy haversine from every fix to every port (no state
  machine, no events);
- resampling to 5 min (``resample``, linear, segments kept apart, gaps over 30 min left
  empty) against polars' ``upsample`` + ``interpolate`` per vessel (which keeps the original
  fixes beside the grid and bridges every gap).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import polars as pl

from mda.geo import haversine_m
from mda.simulate.ferry import ferry_route
from mda.simulate.recording import decoded
from mda.store.track_shapes import with_segments
from mda.trajectories.port_visits import PORT_KINDS, port_visits
from mda.trajectories.resample import resample
from mda.zones import load_zones

T0 = 1_767_225_600


def ferries(count: int) -> pl.DataFrame:
    """``count`` ferries (one seed each) as stored fixes, MMSIs 1, 2 ..."""
    frames = []
    for n in range(count):
        heard = ferry_route(seed=n, t0=T0).heard
        frames.append(pl.DataFrame({
            "mmsi": [n + 1] * len(heard),
            "time": [datetime.fromtimestamp(f.time, UTC) for f in heard],
            "lat": [decoded(f.lat) for f in heard],
            "lon": [decoded(f.lon) for f in heard],
            "sog": [round(f.sog, 1) for f in heard],
            "cog": [round(f.cog % 360.0, 1) for f in heard],
        }))  # fmt: skip
    return pl.concat(frames)


def best(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Best wall and CPU seconds of ``repeats`` runs."""
    walls, cpus = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus)


def compare(name: str, rows: int, mine: Callable[[], object], baseline: Callable[[], object],
            base_name: str, repeats: int) -> None:  # fmt: skip
    figures: dict[str, list[tuple[float, float]]] = {name: [], base_name: []}
    for _ in range(repeats):  # alternating, so load falls on both
        figures[name].append(best(mine, 1))
        figures[base_name].append(best(baseline, 1))
    for label, runs in figures.items():
        wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
        print(f"  {label:<38} wall {wall * 1000:8.1f} ms  cpu {cpu * 1000:8.1f} ms  "
              f"{rows / wall:11,.0f} fixes/s wall  {rows / cpu:11,.0f} fixes/s cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ferries", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    fixes = ferries(args.ferries)
    ports = load_zones().of_kind(*PORT_KINDS)
    print(f"{len(fixes):,} fixes of {args.ferries} ferries; {len(ports)} ports and anchorages")

    lat, lon = fixes["lat"].to_numpy(), fixes["lon"].to_numpy()
    port_lat = np.array([p.point.coords[0][1] for p in ports if p.point is not None])
    port_lon = np.array([p.point.coords[0][0] for p in ports if p.point is not None])

    def nearest_port() -> object:
        return np.min(haversine_m(lat[:, None], lon[:, None], port_lat[None, :],
                                  port_lon[None, :]), axis=1)  # fmt: skip

    visits = port_visits(fixes, ports)
    print(f"port visits: {len(visits)} found ({len(visits) / args.ferries:g} per ferry)")
    compare("port_visits", len(fixes), lambda: port_visits(fixes, ports), nearest_port,
            "baseline: haversine to every port", args.repeats)  # fmt: skip

    segmented = with_segments(fixes, 1800.0)
    grid = resample(segmented, 300.0, max_gap_s=1800.0)
    print(f"resample to 5 min: {len(grid):,} points, {grid['interpolated'].sum():,} interpolated")

    def upsampled() -> object:
        return (
            fixes.sort("mmsi", "time")
            .upsample("time", every="5m", group_by="mmsi", maintain_order=True)
            .with_columns(pl.col("lat", "lon").interpolate().over("mmsi"))
        )

    compare("resample", len(fixes), lambda: resample(segmented, 300.0, max_gap_s=1800.0),
            upsampled, "baseline: polars upsample+interpolate", args.repeats)  # fmt: skip


if __name__ == "__main__":
    main()
