"""Session fixtures: one real embedded stack (PostgreSQL, Valkey, S3) for the whole run."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tenants.embedded_stack import EmbeddedStack

# Fixtures every suite may use: `host` (a fresh plugin host) and `enable` (allow a plugin as
# the operator, enable it as the tenant's admin).
pytest_plugins = ["tests.support.plugin_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("XDG_RUNTIME_DIR", str(ROOT / ".kortisto" / "xdg"))
(ROOT / ".kortisto" / "xdg").mkdir(parents=True, exist_ok=True, mode=0o700)


@pytest.fixture(autouse=True)
def no_broker_from_earlier_tests():
    """Each test starts without the process's job broker (core.jobs keeps the last one built):
    a broker left by an earlier test would relay this test's outbox after commit, so whether a
    job stays queued would depend on test order. Tests that need one build it in a fixture."""
    from core import jobs

    jobs._broker = None
    yield
    jobs._broker = None


@pytest.fixture(scope="session")
def stack() -> Iterator[EmbeddedStack]:
    # Not pytest's tmp_path: it keeps only the newest three base dirs, so parallel runs
    # (several engineers, CI) would delete each other's live database.
    data_dir = Path(tempfile.mkdtemp(prefix="kortisto-test-"))
    stack = EmbeddedStack(data_dir)
    stack.up()
    env = stack.environment()
    env.update(
        KORTISTO_ENV="test",
        KORTISTO_DATA_DIR=str(data_dir),
        KORTISTO_TENANT_CACHE_SECONDS="0",
    )
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    from core.settings import reset_settings_cache

    reset_settings_cache()
    try:
        yield stack
    finally:
        stack.down()
        shutil.rmtree(data_dir, ignore_errors=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_settings_cache()


@pytest.fixture(scope="session")
async def settings(stack):
    from tenants.migrate import migrate_platform
    from tenants.runtime import prepare

    settings = prepare()
    await migrate_platform(settings.database.app_role)
    return settings


@pytest.fixture(scope="session")
def store(settings):
    from core.storage import ObjectStore

    return ObjectStore.from_settings(settings)


_counter = itertools.count(1)


def unique_slug(prefix: str = "t") -> str:
    return f"{prefix}{os.getpid() % 1000}x{next(_counter)}"


@pytest.fixture
async def make_tenant(settings, store) -> AsyncIterator:
    """Factory: `await make_tenant()` provisions a fresh tenant, deleted after the test."""
    from tenants.provisioning import TenantNotFoundError, create_tenant, delete_tenant

    created: list[str] = []

    async def make(slug: str | None = None, name: str | None = None):
        slug = slug or unique_slug()
        names = await create_tenant(
            slug, name or f"{slug.upper()} Oy", store=store, app_role=settings.database.app_role
        )
        created.append(slug)
        await _add_test_users(slug)
        return names

    yield make
    for slug in created:
        try:
            await delete_tenant(slug, store=store)
        except TenantNotFoundError:
            pass


_PASSWORD_HASH: list[str] = []


async def _add_test_users(slug: str) -> None:
    """An admin and a staff user in every test tenant (`add_self_user` adds an end customer)."""
    import uuid

    from core.db import DB
    from core.passwords import hash_password
    from tenants.scope import tenant_scope
    from tests.support.auth_client import PASSWORD, user_email

    if not _PASSWORD_HASH:  # argon2 is slow on purpose; hash once per run
        _PASSWORD_HASH.append(await hash_password(PASSWORD))
    async with tenant_scope(slug):
        for role in ("admin", "staff"):
            await DB.current_connection().execute(
                "INSERT INTO app_user (id, email, display_name, role, password_hash) "
                "VALUES ($1, $2, $3, $4, $5)",
                uuid.uuid4(),
                user_email(slug, role),
                f"Test {role}",
                role,
                _PASSWORD_HASH[0],
            )


async def add_self_user(slug: str):
    """An end customer with their own business card; returns the card's id."""
    import uuid

    from core.db import DB
    from tenants.scope import tenant_scope
    from tests.support.auth_client import user_email

    person = uuid.uuid4()
    async with tenant_scope(slug):
        conn = DB.current_connection()
        await conn.execute(
            "INSERT INTO person (id, first_name, last_name, search_name, sort_key) "
            "VALUES ($1, 'Asiakas', 'Itse', 'asiakas itse', 'itse asiakas')",
            person,
        )
        await conn.execute(
            "INSERT INTO app_user (id, email, display_name, role, person, password_hash) "
            "VALUES ($1, $2, 'Asiakas Itse', 'self', $3, $4)",
            uuid.uuid4(),
            user_email(slug, "self"),
            person,
            _PASSWORD_HASH[0],
        )
    return person


@pytest.fixture
async def anon_client(settings) -> AsyncIterator:
    """A browser with no session."""
    from litestar.testing import AsyncTestClient

    from web.app import create_app

    async with AsyncTestClient(app=create_app(prepare_runtime=False)) as c:
        yield c


@pytest.fixture
async def client(anon_client):
    """Signed in as the admin of every tenant it visits; sends CSRF tokens like the pages."""
    from tests.support.auth_client import SignedInClient

    return SignedInClient(anon_client)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kortisto_process(*args: str, env_extra: dict | None = None, **kw) -> subprocess.Popen:
    """Start `kortisto <args>` as a separate process against the session's servers."""
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.Popen(
        [sys.executable, "-m", "tenants.cli", *args],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        **kw,
    )


def wait_until(predicate, timeout: float, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")
