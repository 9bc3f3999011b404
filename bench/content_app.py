"""Servers for the content benchmark (bench-only; never part of the product).

`python -m bench.content_app real PORT`      the product: `web.app:create_app`, as `kortisto
                                              serve` builds it
`python -m bench.content_app baseline PORT`  the raw-SQL baseline: a plain Litestar app on a
                                              plain asyncpg pool of the owner role that renders
                                              THE SAME templates with the same context

The baseline answers the same two paths as the product, and the runner checks before any load
that both answer the same bytes:

- `/t/{tenant}/persons/{id}` — `persons/detail.html`, the whole person page;
- `/t/{tenant}/persons/{id}/section/content` with HX-Request — its `section_content` block.

Both run bench/person_page_baseline.py (shared with the register's `pages` baseline): every
read the product's handlers run for this benchmark's viewer, a staff member of one business
area (so the content overview and the timeline carry the staff condition of
`core.visibility.Viewer.item_condition`), as raw schema-qualified SQL, plus the product's
read-audit INSERT; its docstring lists the statements and what the baseline does not do. Here:
no session (the signed-in staff member is read once, at the first request, and put in the
scope for the header), no tenant scope, no middleware, no service layer. The CSRF token in the
page is the cookie's value, which is what the product's CSRF middleware puts there for a GET.
Locale: Finnish (no cookie, no Accept-Language), negotiated from the request as the product's
templates do when no middleware bound one.
"""

from __future__ import annotations

import sys
from typing import Any

import asyncpg
from litestar import Litestar, Request, Response, get
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from bench import person_page_baseline as baseline
from bench.register_app import bench_user_email
from core.context import TenantInfo
from core.settings import get_settings


class _State:
    pool: asyncpg.Pool
    env: Any
    tenants: dict[str, TenantInfo]
    users: dict[str, dict]


STATE = _State()


async def _startup() -> None:
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


async def _shutdown() -> None:
    await STATE.pool.close()


def _tenant(slug: str) -> TenantInfo:
    tenant = STATE.tenants.get(slug)
    if tenant is None:
        raise NotFoundException()
    return tenant


async def _user(request: Request, tenant: TenantInfo, conn) -> dict:
    """The signed-in staff member, read once (no session)."""
    user = STATE.users.get(tenant.slug)
    if user is None:
        user = await baseline.bench_user(conn, tenant.schema, bench_user_email(tenant.slug))
        if user is None:
            raise NotAuthorizedException()
        STATE.users[tenant.slug] = user
    request.scope["user"] = user  # type: ignore[typeddict-unknown-key]
    return user


@get("/t/{tenant:str}/persons/{person_id:str}")
async def person_page(
    request: Request, tenant: FromPath[str], person_id: FromPath[str]
) -> Response | Redirect:
    info = _tenant(tenant)
    async with STATE.pool.acquire() as conn:
        user = await _user(request, info, conn)
        return await baseline.person_page(
            STATE.env, request, conn, info.schema, info, user, person_id
        )


@get("/t/{tenant:str}/persons/{person_id:str}/section/content")
async def content_section(
    request: Request, tenant: FromPath[str], person_id: FromPath[str]
) -> Response | Redirect:
    info = _tenant(tenant)
    async with STATE.pool.acquire() as conn:
        user = await _user(request, info, conn)
        return await baseline.content_section(
            STATE.env, request, conn, info.schema, info, user, person_id
        )


@get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def create_baseline() -> Litestar:
    return Litestar(
        route_handlers=[person_page, content_section, healthz],
        on_startup=[_startup],
        on_shutdown=[_shutdown],
        debug=False,
    )


def main() -> None:
    import uvicorn

    from tenants.runtime import prepare

    mode, port = sys.argv[1], int(sys.argv[2])
    prepare()
    app: Any
    if mode == "real":
        from web.app import create_app

        app = create_app(prepare_runtime=False)
    elif mode == "baseline":
        app = create_baseline()
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    uvicorn.run(app, host="127.0.0.1", port=port, workers=1, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
