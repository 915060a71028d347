"""The scenario limit of the NATS tests: a stuck scenario fails its test, with where it stuck."""

from __future__ import annotations

import asyncio

import pytest

from tests.bounded import ScenarioStuckError, run_bounded


async def _answer() -> int:
    await asyncio.sleep(0.01)
    return 42


async def _deaf_to_cancel() -> None:
    """Stuck the way a client of a dead server was: even its cancellation waits for ever."""
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        await asyncio.sleep(3600)


async def _broken() -> None:
    raise ValueError("the scenario's own error")


def test_a_finished_scenario_gives_its_result() -> None:
    assert run_bounded(_answer(), 10.0) == 42


def test_a_scenario_error_reaches_the_test() -> None:
    with pytest.raises(ValueError, match="the scenario's own error"):
        run_bounded(_broken(), 10.0)


def test_a_stuck_scenario_fails_with_where_it_stuck() -> None:
    with pytest.raises(ScenarioStuckError) as failure:
        run_bounded(_deaf_to_cancel(), 0.5, unwind_s=0.5)
    message = str(failure.value)
    assert "did not unwind when cancelled" in message
    assert "in _deaf_to_cancel" in message  # the awaited coroutine, not only the task's top
