"""Memory: one idle `kortisto serve`, and one PostgreSQL backend after touching many tenants.

(a) RSS (and USS) of `python -m tenants.cli serve` after /healthz and one tenant page, 2 s idle;
    baseline in the same run: a bare `python -c "import asyncio"` interpreter.
(b) One runtime-role connection runs a scoped trivial query in each tenant of the population
    (BEGIN; the scope statement of tenants/scope.py; count; COMMIT). Its backend's own heap
    (RssAnon in /proc/<pid>/status: catalog and relation caches) grows with every schema it
    touches. Then the same sweep through the real `tenant_scope` with a pool of max_size=1 and
    max_queries=200: asyncpg recycles the connection and the heap stays bounded. RSS also counts
    the shared buffers the backend touched (RssShmem), shared by all backends; USS is shown for
    reference but counts shared pages nobody else maps at that moment.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import asyncpg
import httpx
import psutil

from bench.common import (
    ROOT,
    Result,
    Table,
    Target,
    close_pools,
    free_port,
    stop_process,
    wait_http,
)

SERVE_RSS_TARGET_MB = 150.0
RECYCLE_MAX_QUERIES = 200
MB = 1024 * 1024


def _tree_memory(pid: int) -> tuple[float, float]:
    """(RSS, USS) in MB of a process and its children."""
    proc = psutil.Process(pid)
    procs = [proc, *proc.children(recursive=True)]
    rss = uss = 0
    for p in procs:
        info = p.memory_full_info()
        rss += info.rss
        uss += info.uss
    return rss / MB, uss / MB


def _backend_memory(pid: int, with_uss: bool = True) -> tuple[float, float, float, float]:
    """(RSS, RssAnon, RssShmem, USS) in MB of a PostgreSQL backend.

    RssAnon is the backend's own heap (catalog/relation caches, memory contexts): the honest
    per-connection figure. RssShmem is the part of shared_buffers it has touched, which every
    backend shares. USS counts shared pages no *other* process maps at the moment as this
    backend's own, so it moves with checkpoints and other backends; shown for reference."""
    fields: dict[str, float] = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "RssAnon:", "RssShmem:")):
                key, value = line.split(":", 1)
                fields[key] = int(value.split()[0]) / 1024
    uss = psutil.Process(pid).memory_full_info().uss / MB if with_uss else float("nan")
    return fields["VmRSS"], fields["RssAnon"], fields["RssShmem"], uss


def _serve_rss(slug: str) -> tuple[float, float, float, float, int]:
    """(serve RSS, serve USS, bare-python RSS, bare-python USS) in MB, tenant page status."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tenants.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", 60, proc)
        page = httpx.get(f"http://127.0.0.1:{port}/t/{slug}/", timeout=10)
        if page.status_code >= 500:  # a login redirect still loaded the tenant routes
            raise RuntimeError(f"tenant page answered {page.status_code}")
        time.sleep(2)
        rss, uss = _tree_memory(proc.pid)
    finally:
        stop_process(proc)
    bare = subprocess.Popen(
        [sys.executable, "-c", "import asyncio, time; time.sleep(5)"], stdin=subprocess.DEVNULL
    )
    try:
        time.sleep(1)
        bare_rss, bare_uss = _tree_memory(bare.pid)
    finally:
        bare.kill()
        bare.wait()
    return rss, uss, bare_rss, bare_uss, page.status_code


async def _raw_sweep(dsn: str, slugs: list[str], table: Table) -> tuple[float, float]:
    """One connection, never recycled, through every tenant. Returns (RssAnon before, after)."""
    from tenants.scope import _SCOPE_BY_SLUG

    conn = await asyncpg.connect(dsn)
    try:
        pid = conn.get_server_pid()
        await conn.fetchval("SELECT 1")
        rss, anon, shmem, uss = _backend_memory(pid)
        table.add(0, rss, anon, shmem, uss)
        first_anon = anon
        marks = {len(slugs) * k // 10 for k in range(1, 11)}
        for i, slug in enumerate(slugs, 1):
            async with conn.transaction():
                row = await conn.fetchrow(_SCOPE_BY_SLUG, slug)
                if row is None or row["status"] != "active":
                    raise RuntimeError(f"tenant {slug} is not active")
                await conn.fetchval("SELECT count(*) FROM organization")
            if i in marks:
                rss, anon, shmem, uss = _backend_memory(pid)
                table.add(i, rss, anon, shmem, uss)
        return first_anon, anon
    finally:
        await conn.close()


async def _pooled_sweep(stack, slugs: list[str], max_queries: int) -> tuple[float, int, float]:
    """The sweep through `tenant_scope` on a pool of one connection recycled after
    `max_queries`. Returns (max RssAnon MB seen, distinct backend pids, max RSS MB seen)."""
    from core.db import DB, PoolOptions, configure_from_settings
    from tenants.scope import tenant_scope

    db = stack.settings.database
    await close_pools()
    DB.configure(
        runtime_dsn=db.url.reveal(),
        admin_dsn=db.admin_url.reveal(),
        options=PoolOptions(max_size=1, max_queries=max_queries),
    )
    pids: set[int] = set()
    max_anon = max_rss = 0.0
    try:
        for slug in slugs:
            async with tenant_scope(slug):
                conn = DB.current_connection()
                await conn.fetchval("SELECT count(*) FROM organization")
                pid = conn.get_server_pid()
                pids.add(pid)
                rss, anon, _shmem, _uss = _backend_memory(pid, with_uss=False)
                max_anon, max_rss = max(max_anon, anon), max(max_rss, rss)
    finally:
        await close_pools()
        configure_from_settings(stack.settings)
    return max_anon, len(pids), max_rss


async def run_memory(stack) -> Result:
    slugs = stack.tenants
    n = len(slugs)
    result = Result("memory", "Memory")

    rss, uss, bare_rss, bare_uss, status = await asyncio.to_thread(_serve_rss, slugs[0])
    serve = Table(
        "(a) idle `kortisto serve` after /healthz and one tenant page (1 worker)",
        ["process", "RSS MB", "USS MB"],
    )
    serve.add(f"kortisto serve (tenant page answered {status})", rss, uss)
    serve.add("bare python (import asyncio), baseline", bare_rss, bare_uss)
    serve.add("serve minus baseline", rss - bare_rss, uss - bare_uss)
    result.tables.append(serve)
    result.targets.append(Target("idle serve RSS", rss, SERVE_RSS_TARGET_MB, "MB"))

    growth = Table(
        f"(b) one runtime-role connection, never recycled, scoped count in each of {n:,} tenants",
        ["tenants touched", "RSS MB", "RssAnon MB (own heap)", "RssShmem MB (shared)", "USS MB"],
    )
    anon0, anon_end = await _raw_sweep(stack.env["DATABASE_URL"], slugs, growth)
    result.tables.append(growth)
    per_tenant_kb = (anon_end - anon0) * 1024 / n
    result.notes.append(
        f"the backend's own heap (RssAnon) grew {anon_end - anon0:.0f} MB over {n:,} tenants "
        f"(~{per_tenant_kb:.0f} KB per tenant schema touched) and is not given back while the "
        "connection lives"
    )

    max_anon, pids, max_rss = await _pooled_sweep(stack, slugs, RECYCLE_MAX_QUERIES)
    recycled = Table(
        f"(b) the same sweep through tenant_scope, pool max_size=1, "
        f"max_queries={RECYCLE_MAX_QUERIES}",
        ["max RssAnon MB", "max RSS MB", "backend pids used", "RssAnon vs never recycled"],
    )
    recycled.add(max_anon, max_rss, pids, max_anon / anon_end)
    result.tables.append(recycled)
    default_q = stack.settings.database.pool_max_queries
    result.notes.append(
        f"asyncpg counts every protocol query; a tenant_scope request is 5 (BEGIN, scope, query, "
        f"COMMIT, pool reset), so max_queries={RECYCLE_MAX_QUERIES} recycles every "
        f"~{RECYCLE_MAX_QUERIES // 5} requests; the default KORTISTO_DB_POOL_MAX_QUERIES="
        f"{default_q} lets a connection serve ~{default_q // 5:,} requests, i.e. touch up to "
        f"that many schemas (~{per_tenant_kb * (default_q // 5) / 1024:.0f} MB of heap per "
        f"connection at the rate above, times KORTISTO_DB_POOL_MAX per process)"
    )
    result.targets.append(Target("connection recycled (backend pids)", pids, 2, "pids", ">="))
    result.targets.append(
        Target("recycled backend heap / never-recycled heap", max_anon / anon_end, 0.5, "x")
    )
    return result
