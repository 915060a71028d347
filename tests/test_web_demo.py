"""``mda demo --api``: the demo serves the API and the map, prints the map's address with a
throwaway admin token, and with ``--keep-serving`` stays up after the replay until Ctrl-C."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.test_cli_service import mda

WAIT_S = 120.0  # ends a test that would otherwise hang; nothing is timed


@contextmanager
def demo(*args: str) -> Iterator[tuple[subprocess.Popen[str], queue.Queue[str]]]:
    """``mda demo ARGS`` running, and the lines of its stderr as they come."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MDA_")}
    process = subprocess.Popen(
        [sys.executable, "-c", "import mda.cli; mda.cli.main()", "demo", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=environment,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        yield process, lines
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def line_with(lines: queue.Queue[str], text: str) -> str:
    """The next stderr line holding ``text`` (the lines before it are passed over)."""
    while True:
        line = lines.get(timeout=WAIT_S)
        if text in line:
            return line


def api(url: str, token: str) -> Any:
    """A JSON answer of the API."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_demo_serves_the_map_until_interrupted(plain_database: str) -> None:
    with demo("--speed", "100000", "--database", plain_database, "--api", "127.0.0.1:0",
              "--keep-serving") as (process, lines):  # fmt: skip
        announced = line_with(lines, "live map on ")
        found = re.search(r"(http://127\.0\.0\.1:\d+)/map/#token=(mda_\S+)", announced)
        assert found is not None, announced
        url, token = found.groups()
        line_with(lines, "the replay is over; the map stays up")

        page = urllib.request.urlopen(f"{url}/map/", timeout=30).read().decode()
        alerts = api(f"{url}/api/v1/alerts?state=cleared", token)
        who = api(f"{url}/api/v1/me", token)

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=WAIT_S) == 0
    assert "<title>mda — live map</title>" in page
    assert [(a["rule"], a["state"]) for a in alerts["alerts"]] == [("cable_threat", "cleared")]
    assert (who["name"], who["role"]) == ("demo", "admin")


def test_keep_serving_needs_an_address_to_serve_on() -> None:
    result = mda("demo", "--keep-serving")
    assert result.returncode == 2
    assert "--keep-serving needs --api HOST:PORT" in result.stderr
