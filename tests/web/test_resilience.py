"""A running web process when PostgreSQL goes away: fast 503s, clear pages, recovery by itself."""

import time

import httpx
import pytest

from tests.conftest import free_port, kortisto_process, wait_until


@pytest.fixture
def web_process(settings, make_tenant):
    port = free_port()
    proc = kortisto_process("serve", "--port", str(port))
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(up, 30, message="the web server to start")
        yield base
    finally:
        proc.terminate()
        proc.wait(15)


@pytest.mark.slow
async def test_database_outage_gives_503_at_once_and_recovers_without_restart(
    stack, web_process, make_tenant
):
    tenant = await make_tenant()
    # The login page is public but still a tenant page: scope, catalog lookup and all.
    page = f"{web_process}/t/{tenant.slug}/login"
    assert httpx.get(f"{web_process}/readyz").status_code == 200
    assert httpx.get(page).status_code == 200

    stack.stop_postgres()
    try:
        started = time.monotonic()
        ready = httpx.get(f"{web_process}/readyz", timeout=10)
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("unavailable")
        assert ready.json()["checks"]["broker"] == "ok"
        assert time.monotonic() - started < 3, "readyz must not hang while the database is down"

        started = time.monotonic()
        down = httpx.get(page, timeout=10)
        assert down.status_code == 503
        assert time.monotonic() - started < 3
        assert "tilapäisesti poissa käytöstä" in down.text  # a real page, not a traceback
        assert "Traceback" not in down.text and "asyncpg" not in down.text
        assert down.headers["retry-after"] == "5"
    finally:
        stack.up()

    restarted = time.monotonic()
    wait_until(
        lambda: httpx.get(page, timeout=5).status_code == 200,
        10,
        message="the app to recover by itself",
    )
    assert httpx.get(f"{web_process}/readyz").status_code == 200
    assert time.monotonic() - restarted < 10
