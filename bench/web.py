"""Live map load time in headless Chromium, against baselines measured in the same browser.

    python -m bench.web [--vessels 100,10000] [--runs 9]

For each picture size, a server process builds a pipeline over mda's default zones and rules,
feeds it that many synthetic vessels (as ``bench.api`` does) and serves the API and the map on
loopback. Chromium (Debian's, through Playwright) then loads, ``--runs`` times each:

- the map, signed in by its session cookie: navigation start to the first drawing of the
  vessels (the page's ``mda-vessels-drawn`` performance mark), with a cold cache (a new
  browser context per run) and a warm one (a reload in the same context);
- baselines: a small static file of the same server (the floor of one page load over
  loopback), and the raw JSON of the picture (``/api/v1/vessels``) shown by the browser,
  navigation start to the load event.

Figures are medians (p50) and the slowest run, in milliseconds. They depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.api import serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
VIEWPORT = {"width": 1400, "height": 860}
DRAWN_JS = """() => new Promise((resolve) => {
  const look = () => {
    const [mark] = performance.getEntriesByName("mda-vessels-drawn");
    if (!mark) return setTimeout(look, 20);
    const vessels = performance.getEntriesByType("resource")
      .find((e) => e.name.includes("/api/v1/vessels"));
    resolve({drawn: mark.startTime, vessels: mark.detail.vessels,
             answered: vessels ? vessels.responseEnd : null});
  };
  look();
})"""
LOADED_JS = """() => new Promise((resolve) => {
  const look = () => {
    const [nav] = performance.getEntriesByType("navigation");
    if (!nav || !nav.loadEventEnd) return setTimeout(look, 20);
    resolve(nav.loadEventEnd);
  };
  look();
})"""


def measure(url: str, token: str, runs: int) -> dict[str, list[float]]:
    """Milliseconds of each run of each thing loaded."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium is needed at {CHROMIUM}: apt-get install -y chromium")
    host = url.split("://", 1)[1]
    cookie = {"name": "mda_session", "value": token, "domain": host.split(":")[0],
              "path": "/api/", "httpOnly": True, "sameSite": "Strict"}  # fmt: skip
    out: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        out.setdefault(name, []).append(value)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for run in range(runs + 1):  # the first run warms the server and is not counted
            keep: Callable[[str, float], None] = add if run else (lambda _n, _v: None)
            context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
            context.add_cookies([cookie])  # type: ignore[list-item]
            page = context.new_page()
            page.goto(f"{url}/map/favicon.svg")
            keep("baseline: small static file", page.evaluate(LOADED_JS))
            page.goto(f"{url}/api/v1/vessels?limit=10000")
            keep("baseline: raw /api/v1/vessels JSON", page.evaluate(LOADED_JS))
            context.close()

            context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
            context.add_cookies([cookie])  # type: ignore[list-item]
            page = context.new_page()
            page.goto(f"{url}/map/")
            cold: dict[str, Any] = page.evaluate(DRAWN_JS)
            keep("map, cold cache: vessels drawn", cold["drawn"])
            keep("  of which /api/v1/vessels answered", cold["answered"])
            page.reload()
            warm: dict[str, Any] = page.evaluate(DRAWN_JS)
            keep("map, warm cache: vessels drawn", warm["drawn"])
            context.close()
        browser.close()
    return out


def run_size(vessels: int, runs: int) -> None:
    """Serve a picture of ``vessels`` vessels and print the figures of loading it."""
    from mda.api.tokens import TokenStore

    with tempfile.TemporaryDirectory(prefix="mda-bench-web-") as folder:
        tokens_file = Path(folder) / "tokens.json"
        token = TokenStore(tokens_file).add("bench", "officer")
        command = [sys.executable, "-m", "bench.web", "--serve", str(tokens_file),
                   "--vessels", str(vessels)]  # fmt: skip
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            ready = server.stdout.readline().split()
            if not ready or ready[0] != "ready":
                raise SystemExit("the server did not start")
            url, count = ready[1], int(ready[2])
            figures = measure(url, token, runs)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(30)
    print(f"\n{count} vessels in the picture, {runs} runs (ms from navigation start)")
    print(f"  {'':40} {'p50':>8} {'slowest':>8}")
    for name, values in figures.items():
        print(f"  {name:40} {statistics.median(values):8.1f} {max(values):8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vessels", default="100,10000", help="picture sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=9, help="loads of each kind per size")
    parser.add_argument("--serve", metavar="TOKENS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(None, Path(args.serve), int(args.vessels)))
        return
    for size in (int(v) for v in args.vessels.split(",")):
        run_size(size, args.runs)


if __name__ == "__main__":
    main()
