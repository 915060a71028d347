"""The live map in a real browser (headless Chromium through Playwright) against a real
service: the bundled anchor-drag recording replayed into a real PostgreSQL store, the API on
loopback, the page signed in as a user would sign in.

The recording is cut at 02:10, after the dragging bulk carrier's cable alarm opened (01:51)
and before it cleared (02:22), and held open after its last line, so the alert stays open for
the page to acknowledge and the service keeps running until the test stops it.
"""

from __future__ import annotations

import asyncio
import gzip
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from mda.api import TokenStore
from mda.config import Config, SourceSettings
from mda.demo import HeldOpen
from mda.ingest.sources import LineBatch, Source, open_source
from mda.resources import default_folder
from mda.runtime.core import make_pipeline
from mda.runtime.service import Service
from mda.settings.api import ApiSettings
from mda.store.writer import StoreWriter

try:
    from playwright.async_api import Browser, Page, async_playwright, expect
except ImportError as exc:  # a failure that says how to install, never a skip
    raise AssertionError(
        "the map tests need Playwright for Python: pip install -e '.[dev]'"
    ) from exc

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ANCHOR_DRAG = default_folder("ingest") / "samples" / "anchor-drag.nmea.gz"
DRAGGING = 538_367_459  # ATLAS GRAIN, the bulk carrier dragging its anchor over the cable
CUT_AT = 1_767_233_400  # 2026-01-01T02:10Z: the alarm is open, not yet cleared
WAIT_MS = 30_000  # waits end a test that would otherwise hang; nothing is timed


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Headless Chromium from the system (Playwright never downloads a browser here)."""
    if not CHROMIUM.exists():  # noqa: ASYNC240 - one stat, before anything runs
        raise AssertionError(
            f"the map tests need Chromium at {CHROMIUM}: install it with "
            "`apt-get install -y chromium` (Debian); .ci/run does"
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                   args=CHROMIUM_ARGS)  # fmt: skip
        try:
            yield browser
        finally:
            await browser.close()


def cut_recording(folder: Path) -> Path:
    """The anchor-drag recording up to ``CUT_AT`` (tag-block times ``c:``)."""
    out = folder / "anchor-drag-cut.nmea"
    stamp = re.compile(rb"c:(\d+)")
    data = ANCHOR_DRAG.read_bytes()
    if data[:2] == b"\x1f\x8b":  # stored compressed or not, as mda's own reader takes it
        data = gzip.decompress(data)
    with open(out, "wb") as cut:
        for line in data.splitlines(keepends=True):
            found = stamp.search(line)
            if found is not None and int(found.group(1)) > CUT_AT:
                break
            cut.write(line)
    return out


class Gated:
    """A real source that hands over nothing until ``gate`` is set: the page can be loaded
    and listening before the first line is replayed, so what it shows came live."""

    def __init__(self, source: Source) -> None:
        self.name = source.name
        self.lateness_s = source.lateness_s
        self.source = source
        self.gate = asyncio.Event()

    async def batches(self) -> AsyncIterator[LineBatch]:
        await self.gate.wait()
        async for batch in self.source.batches():
            yield batch


@dataclass
class Running:
    """A service replaying the cut recording, with its API, and the tokens to sign in."""

    service: Service
    url: str
    tokens: dict[str, str]
    gate: Gated
    database: str

    def map_url(self, role: str) -> str:
        return f"{self.url}/map/#token={self.tokens[role]}"


@asynccontextmanager
async def running(tmp_path: Path, database: str, *, gated: bool) -> AsyncIterator[Running]:
    """The service, storing in ``database``, its API on a free loopback port. With ``gated``
    the replay waits for ``gate.gate``; the service runs until the test is done."""
    settings = ApiSettings(listen="127.0.0.1:0", tokens_file=tmp_path / "tokens.json")
    store = TokenStore(settings.tokens_file)
    tokens = {role: store.add(name, role) for role, name in
              (("officer", "OOW Diallo"), ("analyst", "Analyst Berg"))}  # fmt: skip
    recording = cut_recording(tmp_path)
    config = Config(sources=(SourceSettings(str(recording)),), http_listen=None, api=settings)
    writer = StoreWriter(database, spool_dir=tmp_path / "spool")
    await writer.start()
    gate = Gated(open_source(str(recording), fail_fast=True))
    if not gated:
        gate.gate.set()
    service = Service(config, make_pipeline(config), [HeldOpen(gate)], writer=writer,
                      live=False)  # fmt: skip
    assert service.api is not None
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    try:
        for _ in range(WAIT_MS // 10):
            if service.api.serving or task.done():
                break
            await asyncio.sleep(0.01)
        assert service.api.serving, "the API did not start"
        yield Running(service, service.api.url, tokens, gate, database)
    finally:
        stop.set()
        await task


async def stored(database: str, sql: str, *args: Any) -> Any:
    """One value from the store."""
    async with await psycopg.AsyncConnection.connect(database) as conn:
        cursor = await conn.execute(sql, args)  # type: ignore[arg-type]
        row = await cursor.fetchone()
    return None if row is None else row[0]


async def until_stored(database: str, sql: str, *args: Any, want: Any) -> Any:
    """Ask the store until it answers ``want`` (the service writes in the background)."""
    value = None
    for _ in range(WAIT_MS // 50):
        value = await stored(database, sql, *args)
        if value == want:
            return value
        await asyncio.sleep(0.05)
    return value


async def drawn(page: Page) -> int:
    """Vessel symbols drawn in view, as the page counts them after each drawing."""
    return int(await page.locator("#vessel-count").get_attribute("data-drawn") or 0)


async def click_vessel(page: Page, mmsi: int) -> None:
    """Click the map where the vessel's symbol is drawn until its panel opens: the live
    picture redraws as fixes stream in, and on a loaded machine the symbol can move between
    reading its place and the click landing (seen in CI)."""
    panel = page.locator("#vessel")
    for _ in range(10):
        point = await page.evaluate(f"window.mdaMap.vessels.pointOf({mmsi})")
        assert point is not None, f"vessel {mmsi} is not on the map"
        box = await page.locator("#map").bounding_box()
        assert box is not None
        await page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        try:
            await expect(panel).to_have_attribute("data-mmsi", str(mmsi), timeout=3_000)
        except AssertionError:
            continue
        return
    raise AssertionError(f"ten clicks on vessel {mmsi}'s symbol never opened its panel")


async def test_the_map_shows_vessels_and_alerts_as_they_stream_in_and_acknowledges(
    tmp_path: Path, plain_database: str
) -> None:
    async with running(tmp_path, plain_database, gated=True) as run, chromium() as browser:
        page = await browser.new_page(viewport={"width": 1400, "height": 860})
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        await page.goto(run.map_url("officer"))
        await expect(page.locator("#link")).to_have_attribute("data-state", "live",
                                                              timeout=WAIT_MS)  # fmt: skip
        assert await drawn(page) == 0 and await page.locator("li.alert").count() == 0

        run.gate.gate.set()  # the replay starts: everything from here comes by the stream
        await expect(page.locator("#vessel-count")).not_to_have_attribute(
            "data-drawn", "0", timeout=WAIT_MS
        )
        alert = page.locator(f'li.alert[data-mmsi="{DRAGGING}"]')
        await expect(alert).to_have_attribute("data-state", "open", timeout=WAIT_MS)
        await expect(alert).to_have_attribute("data-severity", "alarm")
        await expect(alert.locator(".alert-message")).to_contain_text("ATLAS GRAIN")
        assert await drawn(page) > 0

        await alert.locator(".note").fill("calling the master on ch 16")
        await alert.locator("button.ack").click()
        await expect(alert).to_have_attribute("data-state", "acknowledged", timeout=WAIT_MS)
        await expect(alert.locator(".state")).to_have_text("acknowledged by OOW Diallo")
        await expect(alert.locator("button.ack")).to_be_hidden()
        alert_id = await alert.get_attribute("data-alert-id")
        shot = tmp_path / "live-map.png"
        await page.screenshot(path=str(shot))
        print(f"screenshot: {shot}")
    state = await until_stored(plain_database, "SELECT state FROM alerts WHERE alert_id = %s",
                               alert_id, want="acknowledged")  # fmt: skip
    assert state == "acknowledged"
    note = await stored(plain_database, "SELECT note FROM alert_history WHERE alert_id = %s "
                        "AND state = 'acknowledged'", alert_id)  # fmt: skip
    assert note == "calling the master on ch 16"
    # Offline: the page fetched nothing from anywhere but the service itself.
    assert requested and all(url.startswith(run.url + "/") for url in requested), {
        url for url in requested if not url.startswith(run.url + "/")}  # fmt: skip


async def test_clicking_a_vessel_shows_its_identity_and_its_stored_track(
    tmp_path: Path, plain_database: str
) -> None:
    async with running(tmp_path, plain_database, gated=False) as run, chromium() as browser:
        # Once the vessel's latest fix is in the store, its track there is complete.
        pipeline = run.service.pipeline
        for _ in range(WAIT_MS // 50):
            vessel = pipeline.tracks.vessels.get(DRAGGING)
            if vessel is not None and vessel.current is not None:
                break
            await asyncio.sleep(0.05)
        await until_stored(plain_database, "SELECT count(*) > 0 FROM positions WHERE mmsi = %s "
                           "AND time >= to_timestamp(%s)", DRAGGING, CUT_AT - 60,
                           want=True)  # fmt: skip
        page = await browser.new_page(viewport={"width": 1400, "height": 860})
        await page.goto(run.map_url("analyst"))
        await expect(page.locator("#vessel-count")).not_to_have_attribute(
            "data-drawn", "0", timeout=WAIT_MS
        )
        await click_vessel(page, DRAGGING)
        panel = page.locator("#vessel")
        await expect(panel).to_have_attribute("data-mmsi", str(DRAGGING), timeout=WAIT_MS)
        await expect(panel.locator("#v-name")).to_have_text("ATLAS GRAIN")
        await expect(panel.locator("#v-facts")).to_contain_text("Cargo (70)")
        await expect(panel.locator("#v-facts")).to_contain_text("V774937")
        await expect(panel.locator("#v-track")).to_contain_text("the last 6 h from the store",
                                                                timeout=WAIT_MS)  # fmt: skip
        fixes = int(re.findall(r"\((\d+) fixes\)", await panel.locator("#v-track").inner_text())[0])
        assert fixes > 100  # about two hours of fixes, thinned to one each 30 s
        assert await page.evaluate("window.mdaMap.track.getLayers().length") > 0
        await page.screenshot(path=str(tmp_path / "vessel.png"))
        print(f"screenshot: {tmp_path / 'vessel.png'}")


async def test_an_officer_sees_the_live_hour_of_track_without_history_access(
    tmp_path: Path, plain_database: str
) -> None:
    async with running(tmp_path, plain_database, gated=False) as run, chromium() as browser:
        page = await browser.new_page(viewport={"width": 1200, "height": 800})
        await page.goto(run.map_url("officer"))
        alert = page.locator(f'li.alert[data-mmsi="{DRAGGING}"]')
        await expect(alert).to_have_attribute("data-state", "open", timeout=WAIT_MS)
        await alert.locator(".alert-message").click()  # an alert leads to its vessel
        panel = page.locator("#vessel")
        await expect(panel).to_have_attribute("data-mmsi", str(DRAGGING), timeout=WAIT_MS)
        await expect(panel.locator("#v-track")).to_contain_text(
            "the last hour from the live picture", timeout=WAIT_MS
        )
        await expect(panel.locator("#v-alerts")).to_contain_text("possible anchor drag")
