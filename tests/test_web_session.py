"""What the map page needs from the API, over HTTP: its files without a token, served so that
nothing is loaded from elsewhere, and a session cookie a browser gets for its token, accepted
wherever the token is and for no more than the token's role."""

from __future__ import annotations

from pathlib import Path

import httpx

from mda.web.vendoring import PINS, VENDOR, target
from tests.test_api_kit import ALPHA, World, world

SESSION = "/api/v1/session"


async def signed_in(w: World, role: str) -> httpx.Response:
    """Sign the test client in with ``role``'s token (its cookie jar keeps the session)."""
    response = await w.client.post(SESSION, headers=w.auth(role))
    assert response.status_code == 200
    return response


async def test_the_root_sends_a_browser_to_the_map(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        response = await w.client.get("/")
    assert (response.status_code, response.headers["location"]) == (307, "/map/")


async def test_the_page_needs_no_token_and_may_reach_nothing_but_its_own_origin(
    tmp_path: Path,
) -> None:
    async with world(tmp_path, None) as w:
        page = await w.client.get("/map/")
        script = await w.client.get("/map/app.js")
    assert page.status_code == 200 and "<title>mda — live map</title>" in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert page.headers["cache-control"] == "no-cache"


async def test_the_vendored_files_are_served_as_pinned(tmp_path: Path) -> None:
    files = [(pin, member) for pin in PINS for member in pin.files]
    async with world(tmp_path, None) as w:
        for pin, member in files:
            path = target(pin, member).relative_to(VENDOR)
            response = await w.client.get(f"/map/vendor/{path.as_posix()}")
            assert response.status_code == 200, path
            assert response.content == target(pin, member).read_bytes()


async def test_signing_in_sets_an_http_only_same_site_cookie_for_the_api(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        response = await signed_in(w, "officer")
    permissions = ["acknowledge", "alerts", "live", "zones"]
    assert response.json() == {"name": "officer", "role": "officer", "permissions": permissions}
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("mda_session=mda_")
    for part in ("HttpOnly", "Path=/api/", "SameSite=strict", "Max-Age=43200"):
        assert part in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback; set when served over HTTPS


async def test_the_session_is_accepted_where_the_token_is(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        await signed_in(w, "officer")
        vessels = await w.client.get("/api/v1/vessels")
        one = await w.client.get(f"/api/v1/vessels/{ALPHA}")
        me = await w.client.get("/api/v1/me")
    assert (vessels.status_code, one.status_code) == (200, 200)
    assert me.json()["name"] == "officer"


async def test_a_session_carries_its_token_s_role_and_no_more(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        await signed_in(w, "officer")
        tokens = await w.client.get("/api/v1/tokens")
    assert tokens.status_code == 403
    assert tokens.json() == {"detail": "role officer may not use this (admin access needed)"}


async def test_signing_in_needs_a_valid_token_in_the_header(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        bare = await w.client.post(SESSION)
        bad = await w.client.post(SESSION, headers={"Authorization": "Bearer mda_0_nonsense"})
    assert (bare.status_code, bad.status_code) == (401, 401)
    assert bare.json()["detail"] == (
        "sign in with the token in the header (Authorization: Bearer ...)")  # fmt: skip
    assert bad.json()["detail"] == "the bearer token is not valid (unknown or revoked)"
    assert "set-cookie" not in bare.headers and "set-cookie" not in bad.headers


async def test_a_revoked_token_ends_its_sessions(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        await signed_in(w, "officer")
        assert (await w.client.get("/api/v1/me")).status_code == 200
        w.token_store.revoke("officer")
        response = await w.client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["detail"] == (
        "the session's token is not valid (unknown or revoked): sign in again")  # fmt: skip


async def test_a_header_is_judged_alone_even_with_a_session(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        await signed_in(w, "admin")
        response = await w.client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401


async def test_a_session_may_not_change_anything_from_another_origin(tmp_path: Path) -> None:
    alert_id = "ffffffff-0000-0000-0000-000000000000"
    async with world(tmp_path, None) as w:
        await signed_in(w, "officer")
        path = f"/api/v1/alerts/{alert_id}/acknowledge"
        foreign = await w.client.post(path, json={}, headers={"Origin": "http://evil.example"})
        own = await w.client.post(path, json={}, headers={"Origin": "http://mda"})
    assert foreign.status_code == 403
    assert foreign.json()["detail"] == (
        "a session may not be used from another origin (http://evil.example)")  # fmt: skip
    assert own.status_code == 404  # let through: the alert does not exist


async def test_signing_out_forgets_the_session(tmp_path: Path) -> None:
    async with world(tmp_path, None) as w:
        await signed_in(w, "officer")
        out = await w.client.delete(SESSION)
        after = await w.client.get("/api/v1/me")
    assert out.status_code == 204 and 'mda_session=""' in out.headers["set-cookie"]
    assert after.status_code == 401
