"""Signing in to the map in a real browser: the page asks for a token, or takes it once from
the address; a refused token (401) or a role that may not see something (403) is said plainly.
The API runs on loopback over an empty picture: these tests are about the door, not the map."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from mda.api import ApiServer, LivePicture, TokenStore, build_api
from mda.config import Config
from mda.runtime.core import make_pipeline
from mda.settings.api import ApiSettings
from tests.test_web_map import WAIT_MS, chromium, expect


@dataclass
class Door:
    """The API's address and its tokens."""

    url: str
    tokens: TokenStore


@asynccontextmanager
async def door(tmp_path: Path) -> AsyncIterator[Door]:
    settings = ApiSettings(listen="127.0.0.1:0", tokens_file=tmp_path / "tokens.json")
    tokens = TokenStore(settings.tokens_file)
    app = build_api(settings, tokens, live=LivePicture(make_pipeline(Config(http_listen=None))))
    server = ApiServer(app, "127.0.0.1:0")
    await server.start()
    try:
        yield Door(server.url, tokens)
    finally:
        await server.stop()


async def test_the_page_asks_for_a_token_and_says_why_one_is_refused(tmp_path: Path) -> None:
    async with door(tmp_path) as d, chromium() as browser:
        token = d.tokens.add("OOW Diallo", "officer")
        page = await browser.new_page()
        await page.goto(f"{d.url}/map/")
        await expect(page.locator("#login")).to_be_visible(timeout=WAIT_MS)
        await expect(page.locator("#login-error")).to_have_text("")

        await page.locator("#token").fill("mda_000000000000_not-a-token")
        await page.locator("#login-form button").click()
        await expect(page.locator("#login-error")).to_have_text(
            "Not signed in (401): the bearer token is not valid (unknown or revoked)"
        )

        await page.locator("#token").fill(token)
        await page.locator("#login-form button").click()
        await expect(page.locator("#login")).to_be_hidden(timeout=WAIT_MS)
        await expect(page.locator("#who")).to_have_text("OOW Diallo · officer")
        await expect(page.locator("#link")).to_have_attribute("data-state", "live",
                                                              timeout=WAIT_MS)  # fmt: skip


async def test_a_token_in_the_address_signs_in_once_and_is_wiped_from_it(tmp_path: Path) -> None:
    async with door(tmp_path) as d, chromium() as browser:
        token = d.tokens.add("OOW Diallo", "officer")
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(f"{d.url}/map/#token={token}")
        await expect(page.locator("#who")).to_have_text("OOW Diallo · officer", timeout=WAIT_MS)
        assert page.url == f"{d.url}/map/"
        (cookie,) = await context.cookies()
        assert (cookie["name"], cookie["value"], cookie["httpOnly"], cookie["sameSite"],
                cookie["path"]) == ("mda_session", token, True, "Strict", "/api/")  # fmt: skip

        await page.reload()  # the session carries on without the token in the address
        await expect(page.locator("#who")).to_have_text("OOW Diallo · officer", timeout=WAIT_MS)
        await page.locator("#sign-out").click()
        await expect(page.locator("#login")).to_be_visible(timeout=WAIT_MS)
        assert await context.cookies() == []


async def test_a_revoked_token_sends_the_page_back_to_sign_in_saying_why(tmp_path: Path) -> None:
    async with door(tmp_path) as d, chromium() as browser:
        token = d.tokens.add("OOW Diallo", "officer")
        page = await browser.new_page()
        await page.goto(f"{d.url}/map/#token={token}")
        await expect(page.locator("#who")).to_have_text("OOW Diallo · officer", timeout=WAIT_MS)
        d.tokens.revoke("OOW Diallo")
        await page.reload()
        await expect(page.locator("#login")).to_be_visible(timeout=WAIT_MS)
        await expect(page.locator("#login-error")).to_have_text(
            "Not signed in (401): the session's token is not valid (unknown or revoked): "
            "sign in again"
        )


async def test_what_a_role_may_not_see_is_said_with_its_403(tmp_path: Path) -> None:
    async with door(tmp_path) as d, chromium() as browser:
        token = d.tokens.add("navy-x", "partner:navy-x")  # a partner with no feed configured
        page = await browser.new_page()
        await page.goto(f"{d.url}/map/#token={token}")
        await expect(page.locator("#who")).to_have_text("navy-x · partner:navy-x",
                                                        timeout=WAIT_MS)  # fmt: skip
        notice = page.locator("#notice")
        await expect(notice).to_contain_text(
            "Zones and cables are not shown: role partner:navy-x may not read them (403).",
            timeout=WAIT_MS,
        )
        await expect(notice).to_contain_text(
            "Not allowed (403): no partner feed named 'navy-x' is configured"
        )
