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
  search_path, the engine's pool): unqualified SQL on `DB.current_connection()`, and the
  trigram thresholds set per transaction as `core.search` does

In B and B+S the trigram thresholds are connection settings of the pool (no per-request round
trip): that is what a plain app would do.
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from jinja2 import Environment, FileSystemLoader, pass_context
from litestar import Litestar, Request, Response, get
from litestar.enums import MediaType
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from core.context import TenantInfo
from core.db import DB
from core.search import HIDE_DEPARTED, name_search_sql, search_words
from core.settings import get_settings
from core.text import search_form

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "web" / "templates"
VARIANT_HEADER = "x-bench-variant"
CSRF_COOKIE = "kortisto_csrf"
SESSION_PREFIX = "kortisto_session_"
PAGE_SIZE = 20
WHAT_IF_POOL_MAX = 10  # the default before the register benchmark showed its tail

# -- the product's SQL, schema prefix {s} ("t_x". for B and B+S, "" inside the scope) ---------

PERSON_SQL = (
    "SELECT p.*, o.name AS organization_name FROM {s}person p "
    "LEFT JOIN {s}organization o ON o.id = p.organization WHERE p.id = $1"
)
EMAILS_SQL = "SELECT email FROM {s}person_email WHERE person = $1 ORDER BY position"
PHONES_SQL = "SELECT phone_e164 FROM {s}person_phone WHERE person = $1 ORDER BY position"
HISTORY_SQL = (
    "SELECT e.organization AS organization_id, o.name AS organization_name, e.title, "
    "e.started_on, e.ended_on, e.current FROM {s}employment e "
    "JOIN {s}organization o ON o.id = e.organization WHERE e.person = $1 "
    "ORDER BY e.current DESC, e.started_on DESC NULLS LAST"
)
# What the person page reads besides the card for its admin viewer (the bench user is an
# admin): the card's own corrections and whether it already has an end-customer account.
RECTIFICATIONS_SQL = (
    "SELECT id, field, old_value, new_value, changed_by_user, changed_by_label, changed_at "
    "FROM {s}rectification WHERE person = $1 ORDER BY changed_at DESC, field LIMIT 200"
)
SELF_ACCOUNT_SQL = (
    "SELECT id, email, active, last_login_at FROM {s}app_user "
    "WHERE person = $1 AND role = 'self' ORDER BY created_at LIMIT 1"
)
USER_SQL = (
    "SELECT id, email, display_name, role, person, active, totp_enabled, locale, "
    "sessions_valid_after, last_login_at FROM {s}app_user WHERE id = $1"
)


def sql(template: str, schema: str | None, departed: str = "") -> str:
    prefix = f'"{schema}".' if schema else ""
    return template.replace("{s}", prefix).replace("{departed}", departed)


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


def _jinja() -> Environment:
    from web.i18n import install_jinja_i18n

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    install_jinja_i18n(env)
    # What Litestar's engine registers: the token the CSRF middleware would put in the scope
    # (for a GET with the cookie, the cookie's value).
    env.globals["csrf_token"] = pass_context(
        lambda ctx: ctx["request"].cookies.get(CSRF_COOKIE, "")
    )
    return env


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
    STATE.env = _jinja()
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
        row = await conn.fetchrow(
            sql(USER_SQL.replace("WHERE id = $1", "WHERE email = $1"), tenant.schema),
            bench_user_email(tenant.slug),
        )
        if row is None:
            raise NotAuthorizedException()
        user = STATE.users[tenant.slug] = dict(row)
    return user


def _render(request: Request, name: str, context: dict, block: str | None = None) -> Response:
    template = STATE.env.get_template(name)
    full = {**context, "request": request}
    if block is None:
        body = template.render(full)
    else:
        body = "".join(template.blocks[block](template.new_context(full)))
    return Response(body, media_type=MediaType.HTML)


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
async def person_page(request: Request, tenant: FromPath[str], person_id: FromPath[str]) -> Any:
    try:
        pid = uuid.UUID(person_id)
    except ValueError as exc:
        raise NotFoundException() from exc

    async def work(conn, schema, info: TenantInfo):
        row = await conn.fetchrow(sql(PERSON_SQL, schema), pid)
        if row is None:
            raise NotFoundException()
        if row["merged_into"] is not None:
            return Redirect(f"/t/{info.slug}/persons/{row['merged_into']}", status_code=301)
        emails = await conn.fetch(sql(EMAILS_SQL, schema), pid)
        phones = await conn.fetch(sql(PHONES_SQL, schema), pid)
        history = await conn.fetch(sql(HISTORY_SQL, schema), pid)
        card = {
            "id": row["id"],
            "first_name": row["first_name"],
            "last_name": row["last_name"],
            "title": row["title"],
            "organization_id": row["organization"],
            "organization_name": row["organization_name"],
            "keywords": list(row["keywords"] or []),
            "description": row["description"],
            "left_organization_on": row["left_organization_on"],
            "emails": [r["email"] for r in emails],
            "phones": [r["phone_e164"] for r in phones],
            "employment": [dict(r) for r in history],
            "created_at": row["created_at"],
            "created_by": row["created_by"],
            "updated_at": row["updated_at"],
            "updated_by": row["updated_by"],
        }
        card["phone_rows"] = [(p, _display_phone(p)) for p in card["phones"]]
        rectifications = await conn.fetch(sql(RECTIFICATIONS_SQL, schema), pid)
        self_account = await conn.fetchrow(sql(SELF_ACCOUNT_SQL, schema), pid)
        context = {
            "tenant": info,
            "base": f"/t/{info.slug}",
            "current": "persons",
            "person": card,
            "rectifications": [dict(r) for r in rectifications],
            "is_admin": True,
            "self_account": dict(self_account) if self_account else None,
        }
        return _render(request, "persons/detail.html", context)

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
    request: Request, tenant: FromPath[str], q: str = "", include_departed: str = ""
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
        return _render(request, "persons/list.html", context, block)

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
