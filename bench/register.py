"""The register's pages: Kortisto vs a baseline under wrk (`pages`), HTMX fragments vs whole pages
(`fragments`). The search benchmark at 100k persons is in bench/register_search.py.

Both use one demo tenant (`tenants.demo_data.seed_tenant`: ~250 realistic Finnish cards through
the core services) plus one rich card written through the services too: three e-mails, three
phones, keywords, a description, and three employment rows (moved twice). A bench admin user
with a known password signs in through the real login form once; wrk then sends that session
cookie (and the CSRF cookie, as a browser would) with every request.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.common import (
    FULL,
    ROOT,
    Result,
    Table,
    Target,
    free_port,
    median,
    stop_process,
    wait_http,
)
from bench.register_app import (
    CSRF_COOKIE,
    EMAILS_SQL,
    HISTORY_SQL,
    PERSON_SQL,
    PHONES_SQL,
    VARIANT_HEADER,
    WHAT_IF_POOL_MAX,
    bench_user_email,
    name_search_statement,
    sql,
)
from bench.scope import _cpu_seconds, _PgCpu, parse_wrk
from core.search import HIDE_DEPARTED

SLUG = "regbench"
PASSWORD = "Penkki-salasana-2026!"
SEARCH_TERM = "virtanen"
THREADS, CONNECTIONS = 2, 16
DURATION_S = 10 if FULL else 6
ROUNDS = 7 if FULL else 5
WARMUP_S = 2
THROUGHPUT_TARGET = 0.65
P95_TARGET = 1.5
FRAGMENT_TARGET = 0.5
FRAGMENT_SAMPLES = 100 if FULL else 40  # sequential requests per URL, interleaved
RENDER_SAMPLES = 300

_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("KB_P50_US %d\\n", latency:percentile(50)))
  io.write(string.format("KB_P95_US %d\\n", latency:percentile(95)))
  io.write(string.format("KB_P99_US %d\\n", latency:percentile(99)))
end
"""


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


def _setup_note(setup: dict) -> str:
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


# -- wrk -----------------------------------------------------------------------------------------


def run_wrk(
    url: str,
    headers: dict[str, str],
    seconds: int,
    lua: Path,
    server: int | None = None,
    postmaster: int | None = None,
    expect_bytes: int | None = None,
) -> dict[str, float]:
    app_cpu0 = _cpu_seconds([server]) if server else 0.0
    pg = _PgCpu(postmaster) if postmaster else None
    if pg:
        pg.start()
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", str(lua)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    stats = parse_wrk(out)
    for pct in ("50", "95", "99"):
        m = re.search(rf"KB_P{pct}_US (\d+)", out)
        stats[f"p{pct}"] = int(m.group(1)) / 1000.0 if m else float("nan")
    m = re.search(r"requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB) read", out)
    if m:
        scale = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[m.group(2)]
        stats["bytes_per_request"] = float(m.group(1)) * scale / stats["requests"]
    if server:
        stats["app_cpu_us"] = (_cpu_seconds([server]) - app_cpu0) / stats["requests"] * 1e6
    if pg:
        stats["pg_cpu_us"] = pg.stop() / stats["requests"] * 1e6
    if stats["errors"]:
        raise RuntimeError(f"{url}: {stats['errors']:.0f} non-2xx/3xx responses under load")
    if expect_bytes and "bytes_per_request" in stats:
        # wrk does not count redirects (a lost session) as errors: the size tells them apart.
        if not 0.9 * expect_bytes <= stats["bytes_per_request"] <= expect_bytes + 2000:
            raise RuntimeError(
                f"{url}: {stats['bytes_per_request']:.0f} bytes per response under load, "
                f"expected ~{expect_bytes} (redirects or errors?)"
            )
    return stats


# -- the baseline's SQL is the product's --------------------------------------------------------


class _Recorder:
    """Stands in for `DB` in a core module: hands out a connection that records its SQL."""

    def __init__(self, db) -> None:
        self.db = db
        self.statements: list[str] = []

    def current_connection(self):
        conn = self.db.current_connection()
        recorder = self

        class Conn:
            def __getattr__(self, name):
                return getattr(conn, name)

            async def fetch(self, query, *args):
                recorder.statements.append(query)
                return await conn.fetch(query, *args)

            async def fetchrow(self, query, *args):
                recorder.statements.append(query)
                return await conn.fetchrow(query, *args)

            async def execute(self, query, *args):
                recorder.statements.append(query)
                return await conn.execute(query, *args)

        return Conn()


def _norm(text: str) -> str:
    return " ".join(text.split())


async def baseline_sql_drift(slug: str, rich_id) -> list[str]:
    """The statements the product runs for the two pages vs the baseline's copies (unqualified):
    returns what differs (nothing when the baseline still does the same queries)."""
    import core.persons
    import core.search
    from core.db import DB
    from tenants.scope import tenant_scope

    recorders = {core.persons: _Recorder(DB), core.search: _Recorder(DB)}
    try:
        for module, recorder in recorders.items():
            module.DB = recorder  # type: ignore[attr-defined]
        async with tenant_scope(slug):
            await core.persons.get_person(rich_id)
            await core.search.search(SEARCH_TERM)
    finally:
        for module in recorders:
            module.DB = DB  # type: ignore[attr-defined]
    product = [_norm(s) for s in recorders[core.persons].statements]
    product += [_norm(s) for s in recorders[core.search].statements if "WITH hits" in s]
    ours = [_norm(sql(t, None)) for t in (PERSON_SQL, EMAILS_SQL, PHONES_SQL, HISTORY_SQL)]
    ours.append(_norm(name_search_statement(SEARCH_TERM, HIDE_DEPARTED, None)[0]))
    drift = []
    for i, theirs in enumerate(product):
        if theirs not in ours:
            drift.append(f"product statement #{i + 1} has no baseline copy: {theirs[:160]}…")
    if len(product) != len(ours):
        drift.append(f"the product ran {len(product)} statements, the baseline {len(ours)}")
    return drift


# -- 1. pages: Kortisto vs baseline ---------------------------------------------------------------


def _same_bytes(page: str, urls: dict[str, tuple[str, dict[str, str]]]) -> int:
    """Every variant must answer 200 with the very bytes Kortisto answers; returns the size."""
    bodies = {}
    with httpx.Client(timeout=30) as client:
        for name, (url, headers) in urls.items():
            r = client.get(url, headers=headers, follow_redirects=False)
            if r.status_code != 200:
                raise RuntimeError(f"{name} {url}: HTTP {r.status_code}")
            bodies[name] = r.content
    reference = bodies["A Kortisto"]
    for name, body in bodies.items():
        if body != reference:
            at = next(
                (i for i, (a, b) in enumerate(zip(body, reference, strict=False)) if a != b),
                min(len(body), len(reference)),
            )
            raise RuntimeError(
                f"{page}: {name} renders other bytes than Kortisto at {at}: "
                f"{body[max(0, at - 80) : at + 80]!r} vs {reference[max(0, at - 80) : at + 80]!r}"
            )
    return len(reference)


VARIANTS = (
    ("A Kortisto", "real", ""),
    ("B baseline", "baseline", ""),
    ("B+S: + session read", "baseline", "session"),
    ("B+S+T: + tenant scope", "baseline", "scope"),
    (f"A, pool max {WHAT_IF_POOL_MAX} (what-if)", "real-pool", ""),
)
WHAT_IF = VARIANTS[-1][0]


async def run_pages(stack) -> Result:
    import shutil

    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: apt-get install -y wrk")
    result = Result("pages", "Person page and name search: Kortisto vs baseline")
    setup = await ensure_register_tenant(stack)
    drift = await baseline_sql_drift(SLUG, setup["rich_id"])
    pages = {
        "person page (rich card)": f"/t/{SLUG}/persons/{setup['rich_id']}",
        f"name search ?q={SEARCH_TERM}": f"/t/{SLUG}/persons/?q={SEARCH_TERM}",
    }
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    sizes: dict[str, int] = {}
    with (
        tempfile.TemporaryDirectory(prefix="kb-wrk-") as tmp,
        servers("real", "baseline", "real-pool") as srv,
    ):
        lua = Path(tmp) / "p95.lua"
        lua.write_text(_LUA)
        cookies, how = await asyncio.to_thread(sign_in, srv["real"][0], SLUG)
        headers = {"Cookie": cookie_header(cookies)}

        def target(mode: str, variant: str, path: str) -> tuple[str, dict[str, str], int]:
            base, proc = srv[mode]
            h = dict(headers)
            if variant:
                h[VARIANT_HEADER] = variant
            return base + path, h, proc.pid

        # Same bytes from every variant, or the comparison means nothing.
        for page, path in pages.items():
            urls = {name: target(mode, variant, path)[:2] for name, mode, variant in VARIANTS}
            sizes[page] = await asyncio.to_thread(_same_bytes, page, urls)

        for page, path in pages.items():
            for _name, mode, variant in VARIANTS:  # warm-up: pools, caches, statements
                url, h, _pid = target(mode, variant, path)
                await asyncio.to_thread(run_wrk, url, h, WARMUP_S, lua)
            for i in range(ROUNDS):
                k = i % len(VARIANTS)
                order = list(VARIANTS[k:] + VARIANTS[:k])
                for name, mode, variant in order:
                    url, h, pid = target(mode, variant, path)
                    stats = await asyncio.to_thread(
                        run_wrk, url, h, DURATION_S, lua, pid, stack.postgres_pid,
                        sizes[page],
                    )  # fmt: skip
                    runs.setdefault((page, name), []).append(stats)

    result.notes.append(_setup_note(setup))
    result.notes.append(
        f"both servers: uvicorn, 1 worker, loopback; Kortisto = web.app:create_app (every "
        f"middleware: host rewrite, locale, tenant scope, session, CSRF, compression, HTMX, "
        f"access guard), {how}; the baseline (bench/register_app.py) renders the same "
        f"templates through its own Jinja environment with the same context and answers "
        f"byte-identical pages (checked before the load: person page {sizes[list(pages)[0]]:,} "
        f"B, search page {sizes[list(pages)[1]]:,} B)"
    )
    if drift:
        result.notes.append("WARNING — the baseline's SQL no longer matches the product's: "
                            + "; ".join(drift))  # fmt: skip
    else:
        result.notes.append(
            "the baseline's SQL was checked against the statements the product ran for the same "
            "pages (recorded in-process): identical apart from the schema prefix"
        )
    for page in pages:
        table = Table(
            f"{page}: wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION_S}s, {ROUNDS} rounds, "
            "variants in rotating order (medians over rounds)",
            [
                "variant",
                "req/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "req/s vs B",
                "p95 vs B",
                "app CPU µs/req",
                "PG CPU µs/req",
                "req/s per round",
            ],
        )
        base_runs = runs[(page, "B baseline")]
        summary: dict[str, dict[str, float]] = {}
        for name, _mode, _variant in VARIANTS:
            stats = runs[(page, name)]
            summary[name] = {
                k: median([s[k] for s in stats])
                for k in ("rps", "p50", "p95", "p99", "app_cpu_us", "pg_cpu_us")
            }
            summary[name]["rps_ratio"] = median(
                [s["rps"] / b["rps"] for s, b in zip(stats, base_runs, strict=True)]
            )
            summary[name]["p95_ratio"] = median(
                [s["p95"] / b["p95"] for s, b in zip(stats, base_runs, strict=True)]
            )
            row = summary[name]
            table.add(
                name, row["rps"], row["p50"], row["p95"], row["p99"], row["rps_ratio"],
                row["p95_ratio"], row["app_cpu_us"], row["pg_cpu_us"],
                " / ".join(f"{s['rps']:,.0f}" for s in stats),
            )  # fmt: skip
        result.tables.append(table)
        a, b = summary["A Kortisto"], summary["B baseline"]
        bs, bst = summary["B+S: + session read"], summary["B+S+T: + tenant scope"]
        gap = a["app_cpu_us"] - b["app_cpu_us"]
        parts = [
            ("session read (Valkey + user row)", bs["app_cpu_us"] - b["app_cpu_us"]),
            ("tenant scope (transaction, catalog lookup, role switch)",
             bst["app_cpu_us"] - bs["app_cpu_us"]),
            ("the rest: Litestar middleware stack (host rewrite, locale, CSRF, compression, "
             "HTMX, guard), the handlers' service layer", a["app_cpu_us"] - bst["app_cpu_us"]),
        ]  # fmt: skip
        w = summary[WHAT_IF]
        if gap > 0.05 * b["app_cpu_us"]:
            split = (
                f"Kortisto spends {gap:.0f} µs more app CPU per request than B "
                f"({a['app_cpu_us']:.0f} vs {b['app_cpu_us']:.0f}); of that "
                + ", ".join(f"{label} {v:.0f} µs ({v / gap:.0%})" for label, v in parts)
            )
        else:
            split = (
                f"no measurable extra app CPU per request (Kortisto {a['app_cpu_us']:.0f} µs, B "
                f"{b['app_cpu_us']:.0f} µs): this page's cost is the database's (PostgreSQL "
                f"{a['pg_cpu_us']:.0f} vs {b['pg_cpu_us']:.0f} µs per request), so the Python "
                "side's differences drown in it"
            )
        result.notes.append(
            f"{page}: {split}. By req/s: B+S {bs['rps_ratio']:.2f}× B, B+S+T "
            f"{bst['rps_ratio']:.2f}× B, Kortisto {a['rps_ratio']:.2f}× B. CPU-predicted ratio "
            f"B/A {b['app_cpu_us'] / a['app_cpu_us']:.2f}. Latency: p50 Kortisto / B "
            f"{a['p50'] / b['p50']:.2f}, p95 {a['p95_ratio']:.2f}; the same Kortisto with a pool "
            f"of {WHAT_IF_POOL_MAX} connections (fewer than the {CONNECTIONS} concurrent requests; "
            f"default {_pool_max()}): p95 {w['p95_ratio']:.2f}× B, req/s {w['rps_ratio']:.2f}× B"
        )
        result.targets.append(
            Target(f"{page}: req/s Kortisto / baseline", a["rps_ratio"], THROUGHPUT_TARGET,
                   "x", ">=")
        )  # fmt: skip
        result.targets.append(
            Target(f"{page}: p95 Kortisto / baseline", a["p95_ratio"], P95_TARGET, "x", "<=")
        )
    result.notes.append(
        f"the what-if row is a third server, the product unchanged but started with "
        f"KORTISTO_DB_POOL_MAX={WHAT_IF_POOL_MAX} (the old default): under {CONNECTIONS} "
        f"concurrent requests a pool smaller than that makes requests wait for a connection (the "
        "tenant scope holds its connection for the whole request, response included) — the p95 "
        f"tail that moved the default to {_pool_max()}; the baseline holds its connection only "
        "around its queries and render"
    )
    result.notes.append(
        "the single uvicorn process is the bottleneck (one worker, one core; wrk and "
        "PostgreSQL share the other): its CPU per request is the steadier figure, req/s moves "
        "with outside load; the baseline's pool is a plain asyncpg pool (asyncpg's reset "
        "query on release), the product's runtime pool skips it"
    )
    return result


def _pool_max() -> int:
    from core.settings import get_settings

    return get_settings().database.pool_max


# -- 3. fragments vs pages ------------------------------------------------------------------------


def _fake_request(path: str, query: str, cookies: dict[str, str], user: dict):
    from litestar import Request

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1:8000"), (b"cookie", cookie_header(cookies).encode())],
        "path_params": {"tenant": SLUG},
        "state": {},
        "user": user,
    }
    return Request(scope)  # type: ignore[arg-type]


async def _render_times(setup: dict, cookies: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Jinja only (no HTTP, no SQL): median µs to render the whole page and the fragment from
    the same context, as web.forms.render does it. {pair: (fragment µs, page µs)}."""
    from bench.register_app import _jinja
    from core.accounts import get_user
    from core.db import DB
    from core.persons import get_person
    from tenants.scope import tenant_scope
    from web.forms import display_phone, pager, tenant_context
    from web.routes.search import _find

    env = _jinja()
    async with tenant_scope(SLUG):
        user_id = await DB.current_connection().fetchval(
            "SELECT id FROM app_user WHERE email = $1", bench_user_email(SLUG)
        )
        user = await get_user(user_id)
        tenant = tenant_context()
        card = await get_person(setup["rich_id"])
        card["phone_rows"] = [(p, display_phone(p)) for p in card["phones"]]
        lists = {}
        for label, query in ((f"list ?q={SEARCH_TERM}", SEARCH_TERM), ("list (no query)", "")):
            rows, total, matched_by = await _find(query, False, 0)
            lists[label] = (query, rows, total, matched_by)

    def timed(template, context, block: str | None) -> float:
        samples = []
        for _ in range(RENDER_SAMPLES):
            t0 = time.perf_counter()
            if block is None:
                template.render(context)
            else:
                "".join(template.blocks[block](template.new_context(context)))
            samples.append(time.perf_counter() - t0)
        return median(samples) * 1e6

    out: dict[str, tuple[float, float]] = {}
    list_template = env.get_template("persons/list.html")
    for label, (query, rows, total, matched_by) in lists.items():
        path = f"/t/{SLUG}/persons/"
        request = _fake_request(path, f"q={query}" if query else "", cookies, user)
        context = {
            **tenant, "current": "persons", "query": query, "include_departed": False,
            "rows": rows, "total": total, "matched_by": matched_by,
            "pager": pager(path, {"q": query, "include_departed": ""}, 1, total, 20),
            "request": request,
        }  # fmt: skip
        out[label] = (timed(list_template, context, "results"), timed(list_template, context, None))
    page_template = env.get_template("persons/detail.html")
    path = f"/t/{SLUG}/persons/{setup['rich_id']}"
    request = _fake_request(path, "", cookies, user)
    page_context = {**tenant, "current": "persons", "person": card, "request": request}
    page_us = timed(page_template, page_context, None)
    from web.routes.persons import SECTIONS

    for name in SECTIONS:
        context = {**tenant, "person": card, "request": request}
        out[f"section {name}"] = (timed(page_template, context, f"section_{name}"), page_us)
    return out


async def run_fragments(stack) -> Result:
    from web.routes.persons import SECTIONS

    result = Result("fragments", "HTMX fragment vs whole page")
    setup = await ensure_register_tenant(stack)
    base_path = f"/t/{SLUG}"
    person = f"{base_path}/persons/{setup['rich_id']}"
    pairs = [
        (f"list ?q={SEARCH_TERM}", f"{base_path}/persons/?q={SEARCH_TERM}",
         f"{base_path}/persons/?q={SEARCH_TERM}"),
        ("list (no query)", f"{base_path}/persons/", f"{base_path}/persons/"),
        ("search by phone", f"{base_path}/search?q={setup['phone']}",
         f"{base_path}/search?q={setup['phone']}"),
        *[(f"section {name}", f"{person}/section/{name}", person) for name in SECTIONS],
        ("person page itself (no fragment on this route)", person, person),
    ]  # fmt: skip
    hx = {"HX-Request": "true"}
    figures: dict[str, dict[str, float]] = {}
    with servers("real") as srv:
        base, _proc = srv["real"]
        cookies, _how = await asyncio.to_thread(sign_in, base, SLUG)

        def measure() -> None:
            with httpx.Client(base_url=base, cookies=cookies, timeout=30) as client:
                for label, frag_url, page_url in pairs:
                    got = {}
                    for kind, url, headers in (("frag", frag_url, hx), ("page", page_url, {})):
                        plain = client.get(url, headers={**headers, "Accept-Encoding": "identity"})
                        zipped = client.get(url, headers={**headers, "Accept-Encoding": "gzip"})
                        if plain.status_code != 200 or zipped.status_code != 200:
                            raise RuntimeError(f"{url}: HTTP {plain.status_code}")
                        lean = re.sub(rb' data-label="[^"]*"', b"", plain.content)
                        lean = re.sub(rb">\s+<", b"><", lean)
                        got[kind] = {
                            "bytes": len(plain.content),
                            "lean": len(lean),
                            "gzip9": len(gzip.compress(plain.content, compresslevel=9)),
                            "wire_gzip": zipped.num_bytes_downloaded,
                            "served_gzip": zipped.headers.get("content-encoding") == "gzip",
                        }
                    times: dict[str, list[float]] = {"frag": [], "page": []}
                    for _ in range(FRAGMENT_SAMPLES):
                        for kind, url, headers in (("frag", frag_url, hx), ("page", page_url, {})):
                            t0 = time.perf_counter()
                            r = client.get(url, headers=headers)
                            times[kind].append(time.perf_counter() - t0)
                            if r.status_code != 200:
                                raise RuntimeError(f"{url}: HTTP {r.status_code}")
                    figures[label] = {
                        **{f"frag_{k}": v for k, v in got["frag"].items()},
                        **{f"page_{k}": v for k, v in got["page"].items()},
                        "frag_ms": median(times["frag"]) * 1000,
                        "page_ms": median(times["page"]) * 1000,
                    }

        await asyncio.to_thread(measure)
    render = await _render_times(setup, cookies)

    table = Table(
        f"bytes as served (uncompressed; gzip level 9 as Litestar's CompressionConfig, and what "
        f"the server actually sent for Accept-Encoding: gzip), response time (median of "
        f"{FRAGMENT_SAMPLES} sequential requests over HTTP, interleaved) and Jinja-only render "
        f"time (median of {RENDER_SAMPLES})",
        [
            "fragment",
            "fragment B",
            "page B",
            "ratio",
            "gzip frag / page B",
            "gzip ratio",
            "sent w/ gzip frag / page B",
            "HTTP frag / page ms",
            "HTTP ratio",
            "render frag / page µs",
            "render ratio",
        ],
    )
    for label, _f, _p in pairs:
        f = figures[label]
        r = render.get(label)
        table.add(
            label, f"{f['frag_bytes']:,}", f"{f['page_bytes']:,}",
            f["frag_bytes"] / f["page_bytes"], f"{f['frag_gzip9']:,} / {f['page_gzip9']:,}",
            f["frag_gzip9"] / f["page_gzip9"],
            f"{f['frag_wire_gzip']:,}{'' if f['frag_served_gzip'] else ' (plain)'} / "
            f"{f['page_wire_gzip']:,}{'' if f['page_served_gzip'] else ' (plain)'}",
            f"{f['frag_ms']:.2f} / {f['page_ms']:.2f}", f["frag_ms"] / f["page_ms"],
            f"{r[0]:.0f} / {r[1]:.0f}" if r else "—", r[0] / r[1] if r else "—",
        )  # fmt: skip
    result.tables.append(table)
    result.notes.append(_setup_note(setup))
    result.notes.append(
        "fragment = the same URL with `HX-Request: true` (lists and search: the `results` block); "
        "a person-page section's fragment is GET <person>/section/<name> with HX-Request (without "
        "it that URL redirects to the page), compared with the whole person page"
    )
    result.notes.append(
        "the person page answers the whole page even to an HTMX request (no fragment is defined "
        "for it; nothing in the pages requests it with hx-get): shown for reference, no target"
    )
    small = [lbl for lbl, *_ in pairs if not figures[lbl]["frag_served_gzip"]]
    if small:
        result.notes.append(
            "responses under 1 KiB are sent uncompressed (CompressionConfig minimum_size=1024): "
            + ", ".join(small)
        )
    lst = figures[f"list ?q={SEARCH_TERM}"]
    chrome = lst["page_bytes"] - lst["frag_bytes"]
    result.notes.append(
        f"why the list fragments stay above 0.5×: the fragment is the results block — status "
        f"line, up to 20 rows, pager — and on these pages it is most of the page: everything "
        f"around it (head, site header, navigation, search form, footer) is {chrome:,} B, the "
        f"20-row block {lst['frag_bytes']:,} B (~{lst['frag_bytes'] / 20:.0f} B a row; without "
        f"the whitespace between tags and the repeated data-label attributes it would be "
        f"{lst['frag_lean']:,} B, ratio {lst['frag_lean'] / lst['page_lean']:.2f}). A fragment "
        f"of 20 rows reaches 0.5× only when the rows weigh no more than the page around them, i.e. "
        f"~{chrome / 20:.0f} B a row, or with fewer rows per swap"
    )
    for label in (f"list ?q={SEARCH_TERM}", "list (no query)", "search by phone"):
        f = figures[label]
        result.targets.append(
            Target(f"{label}: fragment / page bytes", f["frag_bytes"] / f["page_bytes"],
                   FRAGMENT_TARGET, "x")
        )  # fmt: skip
    sections = [lbl for lbl, *_ in pairs if lbl.startswith("section ")]
    worst = max(sections, key=lambda s: figures[s]["frag_bytes"] / figures[s]["page_bytes"])
    result.targets.append(
        Target(
            f"largest person-page section ({worst.removeprefix('section ')}): "
            "fragment / page bytes",
            figures[worst]["frag_bytes"] / figures[worst]["page_bytes"],
            FRAGMENT_TARGET,
            "x",
        )
    )
    return result
