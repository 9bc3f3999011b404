"""The register's pages, Kortisto vs a baseline under wrk (`python -m bench pages`).

The person page of the rich card and the name search, on the shared demo tenant
(bench/register.py), against the product and a plain Litestar + asyncpg baseline
(bench/register_app.py) that answers byte-identical pages with the product's SQL.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import tempfile
from pathlib import Path

import httpx

from bench.common import FULL, Result, Table, Target, median
from bench.person_page_sql import EMAILS_SQL, HISTORY_SQL, PERSON_SQL, PHONES_SQL, sql
from bench.register import (
    SEARCH_TERM,
    SLUG,
    cookie_header,
    ensure_register_tenant,
    servers,
    setup_note,
    sign_in,
)
from bench.register_app import VARIANT_HEADER, WHAT_IF_POOL_MAX, name_search_statement
from bench.scope import _cpu_seconds, _PgCpu, parse_wrk
from core.search import HIDE_DEPARTED

THREADS, CONNECTIONS = 2, 16
DURATION_S = 10 if FULL else 6
ROUNDS = 7 if FULL else 5
WARMUP_S = 2
THROUGHPUT_TARGET = 0.65
P95_TARGET = 1.5

_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("KB_P50_US %d\\n", latency:percentile(50)))
  io.write(string.format("KB_P95_US %d\\n", latency:percentile(95)))
  io.write(string.format("KB_P99_US %d\\n", latency:percentile(99)))
end
"""


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


# -- pages: Kortisto vs baseline ---------------------------------------------------------------


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

    result.notes.append(setup_note(setup))
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
