"""Fixtures on real services: each test session gets its own databases, dropped after."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.services import SERVERS, database_url

# The scale-out tests' fixtures (a recording, what mda replay stores of it, a shared database).
pytest_plugins = ("tests.scale_kit",)


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """mda's cached files (the zone index) in a folder of the session's, never the user's;
    commands run as processes inherit it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MDA_CACHE_DIR", str(tmp_path_factory.mktemp("mda-cache")))
        yield


def _create_database(server: str) -> Iterator[str]:
    server_url, how = SERVERS[server]
    name = f"mda_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(server_url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise AssertionError(
            f"these tests need {server} at {server_url}; start it: {how} ({exc})"
        ) from exc
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        yield database_url(server_url, name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


@pytest.fixture(params=sorted(SERVERS))
def database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A new, empty database on each server in turn (PostgreSQL 15 and TimescaleDB)."""
    yield from _create_database(request.param)


@pytest.fixture
def plain_database() -> Iterator[str]:
    """A new, empty database on the plain PostgreSQL server."""
    yield from _create_database("postgresql")


@pytest.fixture
def timescale_database() -> Iterator[str]:
    """A new, empty database on the TimescaleDB (Apache build) server."""
    yield from _create_database("timescaledb")


@pytest.fixture
def database_pair() -> Iterator[tuple[str, str]]:
    """Two new, empty databases on the plain PostgreSQL server (to compare two runs)."""
    first, second = _create_database("postgresql"), _create_database("postgresql")
    try:
        yield next(first), next(second)
    finally:
        for made in (first, second):
            made.close()  # drops the database (the generator's finally)
