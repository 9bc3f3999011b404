"""Servers for the register benchmarks (bench-only; never part of the product).

`python -m bench.register_app real PORT`      the product: `web.app:create_app`, as `kortisto
                                               serve` builds it
`python -m bench.register_app real-pool PORT` the same with KORTISTO_DB_POOL_MAX=20 (what-if)
`python -m bench.register_app baseline PORT`  a plain Litestar app + raw asyncpg that does the
                                               same queries as the product's handlers and
                                               renders the same templates with the same context

Both are served by uvicorn the same way (1 worker, loopback, no access log), with the private
stack's environment. The baseline answers the same paths (`/t/{tenant}/persons/{id}` and
`/t/{tenant}/persons/?q=…`), so the pages it renders are byte-identical to the product's (the
runner checks that before any load). Which baseline variant answers is chosen by the header
`X-Bench-Variant`, so the URL, and with it the page, stays the same:

- (no header) **B**: schema-qualified SQL on a plain asyncpg pool of the owner role; no tenant
  scope, no session (the signed-in user is read once, at the first request, for the header)
- `session` **B+S**: B + the session read the product does: the session hash from Valkey
  (`core.sessions.SessionStore.get`) and the user row from the tenant's `app_user`
- `scope` **B+S+T**: B+S inside the real `tenant_scope` (runtime role, SET LOCAL role and
  search_path, the engine's pool): unqualified SQL on `DB.current_connection()`

The person page is bench/person_page_baseline.py (shared with the content benchmark's baseline):
every read the product's `person_page` runs for this benchmark's viewer, an admin (no business
areas read, every content item visible, the card's self-service account read), and the
product's read-audit INSERT; its docstring lists the statements and what it does not do.

No variant sets trigram thresholds or page costs per request, and since dc7231e neither does
the product (its typo fallback sets its own threshold only when a search found nothing).
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from typing import Any

import asyncpg
from jinja2 import Environment
from litestar import Litestar, Request, Response, get
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from bench import person_page_baseline as baseline
from bench.person_page_baseline import CSRF_COOKIE as CSRF_COOKIE
from bench.person_page_sql import USER_SQL, sql
from core.context import TenantInfo
from core.db import DB
from core.search import HIDE_DEPARTED, name_search_sql, search_words
from core.settings import get_settings
from core.text import search_form

VARIANT_HEADER = "x-bench-variant"
SESSION_PREFIX = "kortisto_session_"
PAGE_SIZE = 20
WHAT_IF_POOL_MAX = 10  # the default before the register benchmark showed its tail

_TABLES = re.compile(r"\b(FROM|JOIN) (person_email|person_phone|person|organization)\b")


def name_search_statement(query: str, departed: str, schema: str | None) -> tuple[str, list]:
    """The product's own name-search statement (core.search builds it), schema-qualified for
    the plain variant. Names found as typed only: the bench searches a surname that exists."""
    words = search_words(search_form(query))
    statement, args = name_search_sql([[w] for w in words], query, departed, PAGE_SIZE, 0)
    if schema:
        statement = _TABLES.sub(lambda m: f'{m[1]} "{schema}".{m[2]}', statement)
    return statement, args


# -- the baseline -----------------------------------------------------------------------------


class _State:
    pool: asyncpg.Pool
    env: Environment
    tenants: dict[str, TenantInfo]
    users: dict[str, dict]  # the bench user of each tenant, read once (variant B)
    sessions: Any


STATE = _State()


async def _startup() -> None:
    from core.redis_client import redis_for_current_loop
    from core.sessions import SessionStore

    db = get_settings().database
    STATE.pool = await asyncpg.create_pool(
        dsn=db.admin_url.reveal(),
        min_size=0,
        max_size=db.pool_max,
        max_queries=db.pool_max_queries,
        max_inactive_connection_lifetime=db.pool_max_idle_seconds,
        command_timeout=db.command_timeout_seconds,
    )
    STATE.env = baseline.jinja()
    rows = await STATE.pool.fetch(
        "SELECT slug, name, schema_name, role_name, bucket FROM platform.tenant "
        "WHERE status = 'active'"
    )
    STATE.tenants = {
        r["slug"]: TenantInfo(r["slug"], r["name"], r["schema_name"], r["role_name"], r["bucket"])
        for r in rows
    }
    STATE.users = {}
    STATE.sessions = SessionStore(redis_for_current_loop(get_settings().redis_url.reveal()))


async def _shutdown() -> None:
    await STATE.pool.close()
    await DB.close_pools_of_current_loop()


def _tenant(slug: str) -> TenantInfo:
    tenant = STATE.tenants.get(slug)
    if tenant is None:
        raise NotFoundException()
    return tenant


async def _session_user(request: Request, tenant: TenantInfo, conn, schema: str | None) -> dict:
    """What web.auth.SessionMiddleware does: the session from Valkey, then the user row."""
    session_id = request.cookies.get(SESSION_PREFIX + tenant.slug.replace("-", "_"))
    session = await STATE.sessions.get(tenant.slug, session_id) if session_id else None
    if session is None:
        raise NotAuthorizedException()
    row = await conn.fetchrow(sql(USER_SQL, schema), uuid.UUID(session.subject))
    user = dict(row) if row else None
    if not (
        user and user["active"] and session.created_at >= user["sessions_valid_after"].timestamp()
    ):
        raise NotAuthorizedException()
    return user


def bench_user_email(slug: str) -> str:
    return f"bench@{slug}.example"


async def _fixed_user(tenant: TenantInfo, conn) -> dict:
    """Variant B knows its user without asking anyone: read once, at the first request."""
    user = STATE.users.get(tenant.slug)
    if user is None:
        found = await baseline.bench_user(conn, tenant.schema, bench_user_email(tenant.slug))
        if found is None:
            raise NotAuthorizedException()
        user = STATE.users[tenant.slug] = found
    return user


async def _with_connection(request: Request, slug: str, work) -> Response:
    """Run `work(conn, schema, tenant)` the way the request's variant says."""
    from tenants.scope import tenant_scope

    variant = request.headers.get(VARIANT_HEADER, "")
    tenant = _tenant(slug)
    if variant == "scope":
        async with tenant_scope(slug):
            conn = DB.current_connection()
            request.scope["user"] = await _session_user(request, tenant, conn, None)  # type: ignore[typeddict-unknown-key]
            return await work(conn, None, tenant)
    async with STATE.pool.acquire() as conn:
        if variant == "session":
            user = await _session_user(request, tenant, conn, tenant.schema)
        else:
            user = await _fixed_user(tenant, conn)
        request.scope["user"] = user  # type: ignore[typeddict-unknown-key]
        return await work(conn, tenant.schema, tenant)


def _display_phone(e164: str | None) -> str:
    from web.forms import display_phone

    return display_phone(e164)


@get("/t/{tenant:str}/persons/{person_id:str}")
async def person_page(
    request: Request, tenant: FromPath[str], person_id: FromPath[str]
) -> Response | Redirect:
    """The person page (bench/person_page_baseline.py), for the variant's user."""

    async def work(conn, schema, info: TenantInfo):
        user = request.scope["user"]  # type: ignore[typeddict-item]
        return await baseline.person_page(STATE.env, request, conn, schema, info, user, person_id)

    return await _with_connection(request, tenant, work)


def _person_row(row: dict) -> dict[str, Any]:
    return {
        "kind": "person",
        "id": row["id"],
        "label": row.get("label") or f"{row['first_name']} {row['last_name']}",
        "title": row.get("title") or "",
        "organization_name": row.get("organization_name") or "",
        "organization_id": row.get("organization_id"),
        "left_on": row.get("left_organization_on"),
        "email": row.get("email") or "",
        "phone": _display_phone(row.get("phone")),
        "phone_e164": row.get("phone") or "",
    }


def _organization_row(row: dict) -> dict[str, Any]:
    return {
        "kind": "organization",
        "id": row["id"],
        "label": row["label"],
        "city": row.get("title") or "",
        "business_id": row.get("email") or "",
    }


@get("/t/{tenant:str}/persons/")
async def persons_list(
    request: Request,
    tenant: FromPath[str],
    q: FromQuery[str] = "",
    include_departed: FromQuery[str] = "",
) -> Response:
    """The name-search page (a query that is a name: no e-mail, phone or business ID)."""
    from web.forms import pager

    query = q.strip()[:200]
    departed_too = include_departed in ("1", "on", "true")
    if not query:
        raise NotFoundException("the baseline serves name searches only")

    async def work(conn, schema, info: TenantInfo):
        departed = "" if departed_too else HIDE_DEPARTED
        statement, args = name_search_statement(query, departed, schema)
        found = await conn.fetch(statement, *args)
        if not found:
            raise NotFoundException("the baseline serves names found as typed")
        total = found[0]["total"] if found else 0
        rows = [
            _organization_row(dict(r)) if r["kind"] == "organization" else _person_row(dict(r))
            for r in found
        ]
        params = {"q": query, "include_departed": "1" if departed_too else ""}
        # The cards shown are a read of their fields: the product's one audit event.
        shown = [row["id"] for row in rows if row["kind"] == "person"]
        user = request.scope["user"]  # type: ignore[typeddict-item]
        await baseline.record_read(conn, schema, request, user, shown, "search")
        context = {
            "tenant": info,
            "base": f"/t/{info.slug}",
            "current": "persons",
            "query": query,
            "include_departed": departed_too,
            "rows": rows,
            "total": total,
            "matched_by": "name" if found else "none",
            "pager": pager(request.url.path, params, 1, total, PAGE_SIZE),
        }
        block = "results" if request.headers.get("hx-request") == "true" else None
        return baseline.render(STATE.env, request, "persons/list.html", context, block)

    return await _with_connection(request, tenant, work)


@get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def create_baseline() -> Litestar:
    return Litestar(
        route_handlers=[person_page, persons_list, healthz],
        on_startup=[_startup],
        on_shutdown=[_shutdown],
        debug=False,
    )


def main() -> None:
    import uvicorn

    from tenants.runtime import prepare

    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "real-pool":  # what-if: a pool as large as the load's concurrency
        os.environ["KORTISTO_DB_POOL_MAX"] = str(WHAT_IF_POOL_MAX)
    prepare()
    if mode in ("real", "real-pool"):
        from web.app import create_app

        app: Any = create_app(prepare_runtime=False)
    elif mode == "baseline":
        app = create_baseline()
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    uvicorn.run(app, host="127.0.0.1", port=port, workers=1, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
