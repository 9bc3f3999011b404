"""Browser tests: a real `kortisto serve` process driven by Debian's Chromium via Playwright."""

from __future__ import annotations

import re
import shutil

import httpx
import pytest

from tests.conftest import free_port, kortisto_process, wait_until

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def fake_services_port() -> int:
    """The port browser tests' fake third-party services listen on: the one private address
    the live server may fetch from (KORTISTO_PRIVATE_FETCH_ALLOW, empty by default)."""
    return free_port()


@pytest.fixture(scope="session")
def live_server(settings, fake_services_port):
    port = free_port()
    allow = {"KORTISTO_PRIVATE_FETCH_ALLOW": f"127.0.0.1:{fake_services_port}"}
    proc = kortisto_process("serve", "--port", str(port), env_extra=allow)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(up, 30, message="the web server")
        yield base
    finally:
        proc.terminate()
        proc.wait(15)


@pytest.fixture(scope="session")
async def browser():
    from playwright.async_api import async_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()


@pytest.fixture
async def page(browser):
    context = await browser.new_context(locale="fi-FI")
    page = await context.new_page()
    yield page
    await context.close()


async def sign_in(page, tenant_url: str, role: str = "admin") -> None:
    """Sign in through the real login form, as a person would."""
    from tests.support.auth_client import PASSWORD, user_email

    slug = tenant_url.rstrip("/").rsplit("/", 1)[-1]
    await page.goto(f"{tenant_url.rstrip('/')}/login")
    await page.get_by_label("Sähköposti").fill(user_email(slug, role))
    await page.get_by_label("Salasana").fill(PASSWORD)
    await page.get_by_role("button", name="Kirjaudu").click()
    await page.wait_for_url(re.compile(rf".*/t/{slug}/$"))
