"""What the register's page benchmarks share: one demo tenant, the servers, the sign-in.

`pages` (bench/register_pages.py: Kortisto vs a baseline under wrk) and `fragments`
(bench/register_fragments.py: HTMX fragments vs whole pages) use one demo tenant
(`tenants.demo_data.seed_tenant`: ~250 realistic Finnish cards through the core services) plus
one rich card written through the services too: three e-mails, three phones, keywords, a
description, and three employment rows (moved twice). A bench admin user with a known password
signs in through the real login form once; the benchmarks then send that session cookie (and
the CSRF cookie, as a browser would) with every request. The search benchmark at 100k persons
is in bench/register_search.py.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import uuid

import httpx

from bench.common import ROOT, free_port, stop_process, wait_http
from bench.register_app import CSRF_COOKIE, bench_user_email

SLUG = "regbench"
PASSWORD = "Penkki-salasana-2026!"
SEARCH_TERM = "virtanen"


# -- the shared tenant --------------------------------------------------------------------------


async def ensure_register_tenant(stack) -> dict:
    """The demo tenant, the rich card and the bench user; created once per run."""
    if "register" in stack.extras:
        return stack.extras["register"]
    from core.db import DB
    from core.organizations import list_organizations
    from core.passwords import hash_password
    from core.persons import PersonInput, create_person, update_person
    from core.storage import ObjectStore
    from tenants.demo_data import seed_tenant
    from tenants.provisioning import create_tenant
    from tenants.scope import tenant_scope

    t0 = time.perf_counter()
    await create_tenant(
        SLUG, "Penkkitesti Oy", store=ObjectStore.from_settings(stack.settings),
        app_role=stack.settings.database.app_role,
    )  # fmt: skip
    counts = await seed_tenant(SLUG) or {}
    password_hash = await hash_password(PASSWORD)
    async with tenant_scope(SLUG):
        conn = DB.current_connection()
        orgs = await list_organizations(limit=3)
        card = PersonInput(
            first_name="Päivi",
            last_name="Hämäläinen-Virtanen",
            emails=[
                "paivi.hamalainen@pohjolanrakennus.example",
                "paivi.virtanen@kotiposti.example",
                "P.Hamalainen@hallitus.example",
            ],
            phones=["040 123 4567", "+358 9 612 3456", "050-765 4321"],
            title="Talousjohtaja",
            organization_id=orgs[0]["id"],
            keywords=["hallitus", "laskutus", "VIP"],
            description="Hoitaa sopimusasiat ja laskutuksen; puhuu ruotsia ja suomea.",
        )
        rich_id = await create_person(card, actor="bench")
        for org in orgs[1:]:  # moved twice: three employment rows, two of them history
            card.organization_id = org["id"]
            await update_person(rich_id, card, actor="bench")
        await conn.execute(
            "INSERT INTO app_user (id, email, display_name, role, password_hash) "
            "VALUES ($1, $2, $3, 'admin', $4)",
            uuid.uuid4(),
            bench_user_email(SLUG),
            "Penkki Testaaja",
            password_hash,
        )
        persons = await conn.fetchval("SELECT count(*) FROM person")
        phone = await conn.fetchval(
            "SELECT f.phone_e164 FROM person_phone f JOIN person p ON p.id = f.person "
            "WHERE p.left_organization_on IS NULL ORDER BY p.sort_key LIMIT 1"
        )
        virtanen = await conn.fetchval(
            "SELECT count(*) FROM person WHERE search_name LIKE $1", f"%{SEARCH_TERM}%"
        )
    setup = {
        "slug": SLUG,
        "rich_id": rich_id,
        "persons": persons,
        "organizations": counts.get("organizations"),
        "phone": phone,
        "virtanen": virtanen,
        "seconds": time.perf_counter() - t0,
    }
    stack.extras["register"] = setup
    return setup


def setup_note(setup: dict) -> str:
    return (
        f"tenant `{setup['slug']}`: demo data ({setup['persons']} cards incl. the rich one, "
        f"{setup['organizations']} organizations; {setup['virtanen']} cards match "
        f"'{SEARCH_TERM}' as a substring) written through the core services in "
        f"{setup['seconds']:.1f} s; the rich card: 3 e-mails, 3 phones, 3 keywords, a "
        "description, 3 employment rows"
    )


# -- servers ------------------------------------------------------------------------------------


def _start(mode: str, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.register_app", mode, str(port)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


@contextlib.contextmanager
def servers(*modes: str):
    """Start the named servers (real, baseline); yields {mode: (base url, process)}."""
    started: dict[str, tuple[str, subprocess.Popen]] = {}
    try:
        for mode in modes:
            port = free_port()
            started[mode] = (f"http://127.0.0.1:{port}", _start(mode, port))
        for base, proc in started.values():
            wait_http(f"{base}/healthz", 60, proc)
        yield started
    finally:
        for _base, proc in started.values():
            stop_process(proc)


def sign_in(base: str, slug: str) -> tuple[dict[str, str], str]:
    """Sign in through the real login form; returns (cookies, how)."""
    with httpx.Client(base_url=base, timeout=30) as client:
        probe = client.get(f"/t/{slug}/persons/", follow_redirects=False)
        if probe.status_code == 200:
            return dict(client.cookies), "no sign-in needed (this build has no session layer)"
        client.get(f"/t/{slug}/login")
        response = client.post(
            f"/t/{slug}/login",
            data={
                "email": bench_user_email(slug),
                "password": PASSWORD,
                "_csrf_token": client.cookies.get(CSRF_COOKIE, ""),
            },
            follow_redirects=False,
        )
        if response.status_code not in (302, 303):
            raise RuntimeError(f"sign-in failed: {response.status_code} {response.text[:300]}")
        page = client.get(f"/t/{slug}/persons/", follow_redirects=False)
        if page.status_code != 200:
            raise RuntimeError(f"signed in, but the list answers {page.status_code}")
        return dict(client.cookies), "signed in once through POST /t/<slug>/login"


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted(cookies.items()))
