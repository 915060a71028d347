"""mda's segments against Global Fishing Watch's segmenter on real AIS (19 MMSIs, 9 days).

The score is the adjusted Rand index over pairs of positions of one MMSI, among the positions
GFW put in a segment (see ``bench/segments.py``, which prints the same table).
"""

from __future__ import annotations

import pytest

from bench.segments import (
    SHARED_MMSI,
    Score,
    adjusted_rand_index,
    read_reference,
    score,
    table,
)

# MMSIs GFW splits only where mda splits too: after 24 h of silence, or between two
# transmitters (type 27 positions, which GFW sets apart one by one, left out).
SPLIT_ALIKE = (338_142_021, 412_327_821, 412_420_375, SHARED_MMSI, 412_588_888, 416_229_900,
               600_000_019, 663_092_000)  # fmt: skip


@pytest.fixture(scope="module")
def reference_score() -> Score:
    result = score(read_reference())
    print("\n" + table(result))
    return result


@pytest.fixture(scope="module")
def without_type_27() -> Score:
    result = score(read_reference(), leave_out_types=(27,))
    print("\ntype 27 positions left out:\n" + table(result))
    return result


def test_adjusted_rand_index_of_known_labellings() -> None:
    assert adjusted_rand_index("aabb", "xxyy") == 1.0  # the same partition, other names
    # Worked by hand: one pair shared of two and one, 1/3 expected by chance -> 4/7.
    assert adjusted_rand_index("aabb", "xxyz") == pytest.approx(4 / 7)
    assert adjusted_rand_index("aaaa", "xxxx") == 1.0  # one cluster on both sides
    assert adjusted_rand_index("abab", "xxyy") < 0  # worse than chance


def test_two_transmitters_on_one_mmsi_are_kept_apart(reference_score: Score) -> None:
    assert reference_score.transmitters_kept_apart == 1.0
    shared = next(v for v in reference_score.vessels if v.mmsi == SHARED_MMSI)
    assert shared.mda_segments >= 2


def test_mda_never_joins_what_gfw_keeps_apart_but_for_single_fixes(
    reference_score: Score,
) -> None:
    # Pair recall: two positions GFW joins, mda joins too (mda never splits a GFW segment).
    assert reference_score.overall.recall > 0.999
    # Pair precision: what mda joins and GFW does not is GFW's type 27 positions, each set
    # apart, and two single noisy fixes (a speed of 102.3 kn, a stale rounded position).
    assert reference_score.overall.precision > 0.97


def test_segments_agree_where_gfw_splits_for_silence_or_a_second_transmitter(
    without_type_27: Score,
) -> None:
    by_mmsi = {v.mmsi: v for v in without_type_27.vessels}
    for mmsi in SPLIT_ALIKE:
        assert by_mmsi[mmsi].pairs.ari == 1.0, mmsi
    assert without_type_27.overall.ari > 0.95


def test_scores_do_not_depend_on_how_the_feed_is_batched() -> None:
    items = read_reference()
    minute, hour = score(items, batch_s=60.0), score(items, batch_s=3600.0)
    assert minute.overall.ari == pytest.approx(hour.overall.ari, abs=0.01)
