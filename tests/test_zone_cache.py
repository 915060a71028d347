"""The zone index kept on disk: read back identical, rebuilt when a zone file changes or the
entry is damaged, never read from the user's own cache in tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from mda.zones import ZoneIndex, zone_folders
from mda.zones import cache as zone_cache


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("zone-index-*.npz"))


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MDA_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def zones(tmp_path: Path) -> Path:
    """A copy of the default catalogue that a test may change."""
    folder = tmp_path / "zones"
    shutil.copytree(zone_folders()[0], folder)
    return folder


def _sample_points(index: ZoneIndex) -> tuple[np.ndarray, np.ndarray]:
    """Positions in and around every piece of every zone (corridors included), on cell edges
    and without a fix."""
    rng = np.random.default_rng(7)
    lon, lat = [], []
    for piece in index.grid.pieces.tolist():
        x0, y0, x1, y1 = piece.bounds
        lon.append(rng.uniform(x0 - 0.1, x1 + 0.1, 20))
        lat.append(rng.uniform(y0 - 0.1, y1 + 0.1, 20))
    x, y = np.concatenate(lon), np.concatenate(lat)
    return np.r_[x, np.round(x[:500]), np.nan], np.r_[y, y[:500], 0.0]


def _assert_same(kept: ZoneIndex, fresh: ZoneIndex) -> None:
    assert kept.zone_ids == fresh.zone_ids
    for a, b in zip(kept.zones, fresh.zones, strict=True):
        assert a == b and a.properties == b.properties
    assert kept.coastline == fresh.coastline and kept.shore == fresh.shore
    lon, lat = _sample_points(fresh)
    one, other = kept.locate(lon, lat), fresh.locate(lon, lat)
    assert np.array_equal(one.point, other.point) and np.array_equal(one.zone, other.zone)
    assert {fresh.zones[z].kind for z in other.zone.tolist()} >= {"cable", "pipeline"}
    near = slice(0, 2_000)
    assert kept.near_lines(lon[near], lat[near], 10_000) == fresh.near_lines(
        lon[near], lat[near], 10_000
    )


def test_the_tests_never_use_the_users_cache() -> None:
    assert zone_cache.cache_dir() != Path.home() / ".cache" / "mda"
    assert "MDA_CACHE_DIR" in os.environ


def test_a_kept_index_is_identical_to_a_fresh_build(cache_dir: Path, zones: Path) -> None:
    built = ZoneIndex.from_folders([zones])
    assert len(_entries(cache_dir)) == 1
    kept = ZoneIndex.from_folders([zones])
    assert kept.grid is not built.grid  # read back, not rebuilt
    _assert_same(kept, ZoneIndex(list(built.zones), built.coastline))
    _assert_same(kept, built)


def test_a_changed_zone_file_invalidates_the_kept_index(cache_dir: Path, zones: Path) -> None:
    before = ZoneIndex.from_folders([zones])
    file = sorted(zones.glob("*.geojson"))[0]
    first = before.zones[0]
    file.write_text(file.read_text("utf-8").replace(first.name, first.name + " (renamed)", 1),
                    "utf-8")  # fmt: skip
    after = ZoneIndex.from_folders([zones])
    assert after.zones[0].name == first.name + " (renamed)"
    assert len(_entries(cache_dir)) == 2


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_damaged_entry_is_rebuilt(cache_dir: Path, zones: Path, damage: str) -> None:
    fresh = ZoneIndex.from_folders([zones])
    (entry,) = _entries(cache_dir)
    data = entry.read_bytes()
    entry.write_bytes({"truncated": data[: len(data) // 2], "garbage": data[:100] + b"x" * 999,
                       "empty": b""}[damage])  # fmt: skip
    rebuilt = ZoneIndex.from_folders([zones])
    _assert_same(rebuilt, fresh)
    assert entry.read_bytes() == data  # written again, whole


def test_an_entry_under_another_key_is_not_trusted(cache_dir: Path, zones: Path) -> None:
    ZoneIndex.from_folders([zones])
    (entry,) = _entries(cache_dir)
    key = zone_cache.entry_key([zones], ())
    assert key is not None and zone_cache.read(key) is not None
    entry.rename(cache_dir / "zone-index-0000.npz")
    assert zone_cache.read("0000") is None  # the key inside is the other one


def test_an_unwritable_cache_folder_is_no_error(
    tmp_path: Path, zones: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MDA_CACHE_DIR", str(blocker / "cache"))
    assert len(ZoneIndex.from_folders([zones]).zones) > 0
