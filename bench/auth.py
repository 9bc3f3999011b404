"""Sign-in costs: argon2id with the product's parameters, and what the session adds to a request.

(a) `core.passwords.HASHER` (the product's PasswordHasher) hashing and verifying a password,
    one after another on this machine; the target says a hash must cost 50–250 ms here.
(b) The tenant front page (`TenantHomeController`, the product's handler and template) served
    by one bench-only Litestar app under two prefixes that differ only in who the user is:

    A  /auth/t/<slug>/  the product's SessionMiddleware inside the tenant scope: cookie →
                        Valkey HGETALL under the tenant's key → the user row (with the
                        tenant's TOTP rule) from app_user → the access guard
    B  /open/t/<slug>/  baseline: the same user dict put in the scope by a bench middleware (no
                        cookie, no Valkey, no user query), the same access guard

    Both run the real LocaleMiddleware, TenantScopeMiddleware, CSRF config and templates; the
    prefixes have the same length, so the pages are the same size (checked). Requests go
    in-process through httpx's ASGI transport, A and B alternating so drift hits both
    alike. Reported: p50/p95/p99 of each, the differences, the median of paired
    differences, the ratio, and the two parts timed alone.
"""

from __future__ import annotations

import time

import httpx

from bench.common import FULL, Result, Table, Target, median, ms, percentile
from core.db import DB
from core.passwords import HASHER
from core.sessions import SessionStore
from core.storage import ObjectStore
from tenants.provisioning import create_tenant
from tenants.scope import tenant_scope

SLUG = "authbench"
PASSWORD = "Bench-salasana-2026!"  # noqa: S105 - a throw-away tenant's password
HASH_ROUNDS = 40 if FULL else 20
REQUESTS = 6000 if FULL else 2500  # per variant, interleaved
WARM_UP = 200
PART_ROUNDS = 1000
HASH_RANGE_MS = (50.0, 250.0)
ADDED_P95_LIMIT_MS = 1.0


def _argon2() -> tuple[list[float], list[float]]:
    hashes, verifies = [], []
    stored = HASHER.hash(PASSWORD)
    for _ in range(HASH_ROUNDS):
        t0 = time.perf_counter()
        HASHER.hash(PASSWORD)
        hashes.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        HASHER.verify(stored, PASSWORD)
        verifies.append(time.perf_counter() - t0)
    return hashes, verifies


async def _setup(stack) -> tuple[dict, str]:
    """The tenant, its admin and a signed-in session; returns the user row and session id."""
    from core.accounts import create_user, get_user
    from web.auth import session_store

    await create_tenant(
        SLUG,
        "Auth Bench Oy",
        store=ObjectStore.from_settings(stack.settings),
        app_role=stack.settings.database.app_role,
    )
    async with tenant_scope(SLUG):
        await DB.current_connection().execute(
            "INSERT INTO organization (id, name) "
            "SELECT gen_random_uuid(), 'Org ' || g FROM generate_series(1, 50) g"
        )
        user_id = await create_user(
            f"admin@{SLUG}.example", role="admin", display_name="Bench Admin", password=PASSWORD
        )
        user = await get_user(user_id)
    session_id = await session_store().create(SLUG, str(user_id), user_agent="bench")
    return user, session_id


def _bench_app(user: dict):
    """The product's pieces, assembled twice: A with the session middleware, B without."""
    from litestar import Litestar, Router
    from litestar.config.csrf import CSRFConfig
    from litestar.enums import ScopeType
    from litestar.middleware import ASGIMiddleware
    from litestar.plugins.htmx import HTMXPlugin
    from litestar.plugins.jinja import JinjaTemplateEngine
    from litestar.template.config import TemplateConfig

    from web.app import HERE, _jinja
    from web.auth import SessionMiddleware, access_guard, secret_key
    from web.i18n import LocaleMiddleware
    from web.middleware import TenantScopeMiddleware
    from web.routes.tenant_home import TenantHomeController

    class KnownUser(ASGIMiddleware):
        """Baseline: the user is already known (what the session lookup provides)."""

        scopes = (ScopeType.HTTP,)

        async def handle(self, scope, receive, send, next_app) -> None:
            scope["user"] = user
            await next_app(scope, receive, send)

    with_session = Router(
        path="/auth",
        route_handlers=[TenantHomeController],
        middleware=[TenantScopeMiddleware(), SessionMiddleware()],
    )
    without = Router(
        path="/open",
        route_handlers=[TenantHomeController],
        middleware=[TenantScopeMiddleware(), KnownUser()],
    )
    return Litestar(
        route_handlers=[with_session, without],
        middleware=[LocaleMiddleware()],
        guards=[access_guard],
        csrf_config=CSRFConfig(secret=secret_key(), cookie_name="kortisto_csrf"),
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(
            directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=_jinja
        ),
        debug=False,
    )


VARIANTS = {  # the prefixes have the same length, so the pages have the same size
    "A": ("/auth", "A signed in (SessionMiddleware)"),
    "B": ("/open", "B user known (baseline)"),
}


async def _requests(user: dict, session_id: str) -> dict[str, list[float]]:
    from web.auth import session_cookie_name

    app = _bench_app(user)
    urls = {name: f"{prefix}/t/{SLUG}/" for name, (prefix, _label) in VARIANTS.items()}
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        client.cookies.set(session_cookie_name(SLUG), session_id)  # sent to B as well
        bodies = set()
        for url in urls.values():
            r = await client.get(url)
            if r.status_code != 200 or "Bench Admin" not in r.text:
                raise RuntimeError(f"{url} answered {r.status_code} without the signed-in user")
            bodies.add(len(r.text))
        if len(bodies) != 1:
            raise RuntimeError(f"the variants' pages differ in size: {bodies}")
        order = list(urls)
        for i in range(WARM_UP + REQUESTS):
            # Alternate which goes first, so neither always follows the other.
            for name in order[i % 2 :] + order[: i % 2]:
                t0 = time.perf_counter()
                r = await client.get(urls[name])
                elapsed = time.perf_counter() - t0
                if r.status_code != 200:
                    raise RuntimeError(f"{urls[name]} answered {r.status_code}")
                if i >= WARM_UP:
                    times[name].append(elapsed)
    await DB.close_pools_of_current_loop()
    return times


async def _parts(user: dict, session_id: str) -> dict[str, list[float]]:
    """The two things the session middleware adds, each timed alone."""
    from core.accounts import get_session_user
    from web.auth import session_store

    store: SessionStore = session_store()
    parts: dict[str, list[float]] = {
        "Valkey: SessionStore.get": [],
        "user row + tenant's TOTP rule: get_session_user": [],
    }
    async with tenant_scope(SLUG):
        for _ in range(PART_ROUNDS):
            t0 = time.perf_counter()
            await store.get(SLUG, session_id)
            parts["Valkey: SessionStore.get"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await get_session_user(user["id"])
            parts["user row + tenant's TOTP rule: get_session_user"].append(
                time.perf_counter() - t0
            )
    return parts


async def run_auth(stack) -> Result:
    result = Result("auth", "Sign-in: argon2id cost and session lookup per request")
    hashes, verifies = _argon2()
    params = Table(
        f"argon2id with the product's parameters (time_cost {HASHER.time_cost}, memory "
        f"{HASHER.memory_cost // 1024} MiB, parallelism {HASHER.parallelism}), {HASH_ROUNDS} "
        "rounds one after another",
        ["operation", "median ms", "p95 ms", "min ms", "max ms"],
    )
    for name, values in (("hash (set password)", hashes), ("verify (sign in)", verifies)):
        params.add(
            name, ms(median(values)), ms(percentile(values, 95)), ms(min(values)), ms(max(values))
        )
    result.tables.append(params)

    user, session_id = await _setup(stack)
    parts = await _parts(user, session_id)
    times = await _requests(user, session_id)
    a, b = times["A"], times["B"]
    pages = Table(
        f"tenant front page in-process (httpx ASGI transport), {REQUESTS} requests each, A and B "
        "alternating",
        ["variant", "p50 ms", "p95 ms", "p99 ms", "mean ms"],
    )
    for name, (_prefix, label) in VARIANTS.items():
        values = times[name]
        pages.add(
            label,
            ms(median(values)),
            ms(percentile(values, 95)),
            ms(percentile(values, 99)),
            ms(sum(values) / len(values)),
        )
    result.tables.append(pages)
    added = Table(
        "added per request by the session (difference of the percentiles above; and the "
        "median of the differences of requests made one right after the other)",
        ["difference", "p50 ms", "p95 ms", "p99 ms", "mean ms", "paired median ms"],
    )
    for name, label in (("A", "A − B"),):
        x = times[name]
        added.add(
            label,
            ms(median(x) - median(b)),
            ms(percentile(x, 95) - percentile(b, 95)),
            ms(percentile(x, 99) - percentile(b, 99)),
            ms(sum(x) / len(x) - sum(b) / len(b)),
            ms(median([xi - bi for xi, bi in zip(x, b, strict=True)])),
        )
    result.tables.append(added)
    added_p95 = ms(percentile(a, 95) - percentile(b, 95))

    alone = Table(
        f"the session lookup's parts alone, {PART_ROUNDS} rounds inside one tenant scope",
        ["part", "p50 ms", "p95 ms"],
    )
    for name, values in parts.items():
        alone.add(name, ms(median(values)), ms(percentile(values, 95)))
    result.tables.append(alone)

    ratio = percentile(a, 95) / percentile(b, 95)
    result.notes.append(
        f"p95 A / B = {ratio:.2f}x, p50 A / B = {median(a) / median(b):.2f}x; a signed-in "
        "request costs one Valkey HGETALL (plus an HSET + EXPIRE at most every 30 s) and one "
        "indexed app_user query inside the request's existing tenant transaction"
    )
    result.notes.append(
        "one process, one request at a time: latency added per request, not throughput under "
        "load (the scope and pages benchmarks measure load with wrk)"
    )
    result.notes.append(
        f"the product hashes in a worker thread (asyncio.to_thread): a sign-in costs "
        f"~{ms(median(verifies)):.0f} ms of CPU without blocking the event loop; argon2's "
        f"parallelism {HASHER.parallelism} uses that many cores while it runs"
    )
    result.targets += [
        Target(
            "argon2id hash median (lower bound)", ms(median(hashes)), HASH_RANGE_MS[0], "ms", ">="
        ),
        Target("argon2id hash median (upper bound)", ms(median(hashes)), HASH_RANGE_MS[1], "ms"),
        Target(
            "session lookup: added p95 per request (A − B)", added_p95, ADDED_P95_LIMIT_MS, "ms"
        ),
    ]
    return result
