"""A clock model's verdict, kept up to date as residuals come and go (the mode is followed
from one residual to the next rather than scanned for at every refresh), is the one a scan of
the residuals it holds gives: the most common residual, counting those within AGREE_S of it,
ties to the one nearest zero; steady when STEADY_SHARE of them lie within STEADY_S of it.
"""

from __future__ import annotations

import random

import pytest

from mda.ingest.clocks import (
    AGREE_S,
    CROSS_SHARE,
    MIN_OFFSETS,
    MIN_SAMPLES,
    REFRESH_EVERY,
    REPAIR_S,
    STEADY_S,
    STEADY_SHARE,
    ClockModel,
    wrapped,
)


def scanned_mode(ring: list[int]) -> int:
    """The most common residual by a scan of the minute, ties to the one nearest zero."""
    near = {k: sum(abs(wrapped(r - k)) <= AGREE_S for r in ring) for k in range(-30, 30)}
    return min(near, key=lambda k: (-near[k], abs(k), k % 60))


def scanned_steady(ring: list[int], mode: int) -> bool:
    around = sum(abs(wrapped(r - mode)) <= STEADY_S for r in ring)
    return around >= STEADY_SHARE * len(ring)


def residuals(rng: random.Random, n: int) -> list[int]:
    """Residuals gathered around a centre that moves now and then, some spread, with ties
    between modes (two centres as busy as each other)."""
    out: list[int] = []
    centre, spread = rng.randrange(-30, 30), rng.choice([0, 1, 3, 8, 30])
    for _ in range(n):
        if rng.random() < 0.02:
            centre, spread = rng.randrange(-30, 30), rng.choice([0, 1, 3, 8, 30])
        twin = centre + 30 if rng.random() < 0.5 else centre
        out.append(wrapped(twin + rng.randint(-spread, spread)))
    return out


@pytest.mark.parametrize("runner_up", [False, True])
def test_the_mode_and_verdict_kept_up_to_date_are_those_a_scan_gives(runner_up: bool) -> None:
    rng = random.Random(15)
    refreshes = 0
    for _ in range(60):
        model = ClockModel(runner_up=runner_up)
        if runner_up:  # (a runner-up is judged once compared with its better clock)
            for _ in range(MIN_OFFSETS):
                model.add_cross(True)
        for r in residuals(rng, rng.randrange(MIN_SAMPLES, 600)):
            model.add(r)
            if model.added % REFRESH_EVERY == 0:
                refreshes += 1
                assert model.mode == scanned_mode(model.ring)
                # (a clock far off the minute is known only once base stations tell it)
                expected = (
                    None if abs(model.mode) > REPAIR_S else scanned_steady(model.ring, model.mode)
                )
                assert model.steady == expected
    assert refreshes > 1000


def test_a_runner_up_is_trusted_by_its_share_of_agreements_with_the_better_clock() -> None:
    rng = random.Random(16)
    model = ClockModel(runner_up=True)
    for _ in range(MIN_SAMPLES):
        model.add(0)
    seen: list[bool] = []
    for _ in range(200):
        agreed = rng.random() < 0.55
        seen = [*seen, agreed][-32:]
        model.add(0)
        model.add_cross(agreed)
        kept = model.crosses
        assert kept == seen
        if len(kept) == MIN_OFFSETS or len(kept) % REFRESH_EVERY == 0:  # refreshed by it
            assert model.steady == (sum(kept) >= CROSS_SHARE * len(kept))
