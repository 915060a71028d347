"""Run an asyncio scenario with a hard time limit that always ends the test.

pytest-timeout's signal raises its failure wherever the main thread is; inside an event loop
that is a task step or a callback, which asyncio catches, so a stuck scenario (a NATS client
that never gets an answer, a cancellation that waits on a dead server) hung a whole CI run
instead of failing one test. Here the scenario runs in a thread of its own; past the limit the
test fails with the stack of every task still pending (the witness of where it stuck), the
scenario is cancelled, and the test goes on whatever the thread does.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

# After the limit, how long a cancelled scenario gets to unwind before it is left behind.
UNWIND_S = 15.0


class ScenarioStuckError(AssertionError):
    """The scenario did not finish within its limit (an AssertionError, so a test marked as
    a known failure with ``raises=AssertionError`` counts it as that failure)."""


def run_bounded(main: Coroutine[Any, Any, T], limit_s: float, unwind_s: float = UNWIND_S) -> T:
    """``asyncio.run(main)``, failing with ScenarioStuckError after ``limit_s`` seconds."""
    outcome: list[tuple[bool, Any]] = []
    runner = asyncio.Runner()
    holder: dict[str, asyncio.Task[T]] = {}

    async def wrapped() -> T:
        current = asyncio.current_task()
        assert current is not None
        holder["task"] = current
        return await main

    def target() -> None:
        try:
            outcome.append((True, runner.run(wrapped())))
        except BaseException as exc:  # handed to the test's thread
            outcome.append((False, exc))
        finally:
            runner.close()

    thread = threading.Thread(target=target, name="bounded-scenario", daemon=True)
    thread.start()
    thread.join(limit_s)
    if thread.is_alive():
        stacks = _pending_stacks(runner)
        task = holder.get("task")
        if task is not None:
            runner.get_loop().call_soon_threadsafe(task.cancel)
        thread.join(unwind_s)
        left = " (and did not unwind when cancelled)" if thread.is_alive() else ""
        raise ScenarioStuckError(
            f"scenario still running after {limit_s:.0f} s{left}; pending tasks:\n{stacks}"
        )
    ok, value = outcome[0]
    if not ok:
        raise value
    result: T = value
    return result


def _pending_stacks(runner: asyncio.Runner) -> str:
    """Every pending task of the runner's loop with the chain of coroutines it waits in
    (read from another thread: only for the failure message)."""
    try:
        tasks = list(asyncio.all_tasks(runner.get_loop()))
    except RuntimeError as exc:  # the set changed while read
        return f"(tasks unreadable: {exc})"
    stacks = [f"{task.get_name()}:\n{_awaiting(task.get_coro())}" for task in tasks]
    return "\n".join(stacks) or "(none)"


def _awaiting(coro: object) -> str:
    """Where a coroutine and those it awaits stand (a task's own stack shows only the first)."""
    lines = []
    for _ in range(40):
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            lines.append(f"  {frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        following = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
        if following is None:
            if coro is not None and frame is None:
                lines.append(f"  waiting on {coro!r}")
            break
        coro = following
    return "\n".join(lines)
