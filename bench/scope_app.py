"""Bench-only Litestar app (never part of the product): the same count, scoped and unscoped.

A  GET /t/{tenant}/count      under the real `web.middleware.TenantScopeMiddleware`:
                              `SELECT count(*) FROM organization` on `DB.current_connection()`
B  GET /plain/{tenant}/count  no middleware: `SELECT count(*) FROM t_<slug>.organization` on a
                              plain asyncpg pool of the owner role (DATABASE_ADMIN_URL), sized
                              and recycled like the engine's pools

Run: `python -m bench.scope_app PORT` with the stack's environment; served by uvicorn, one
worker, loopback only.
"""

from __future__ import annotations

import contextvars
import sys

import asyncpg
from litestar import Litestar, Router, get
from litestar.enums import ScopeType
from litestar.exceptions import NotFoundException
from litestar.middleware import ASGIMiddleware
from litestar.params import FromPath
from litestar.types import ASGIApp, Receive, Scope, Send

from core.db import DB
from core.settings import get_settings
from tenants.naming import InvalidSlugError, quote_ident, tenant_names, validate_slug
from web.app import _freeze_startup_objects
from web.middleware import TenantScopeMiddleware

_plain: dict[str, asyncpg.Pool] = {}
_lean_conn: contextvars.ContextVar[asyncpg.Connection] = contextvars.ContextVar("lean_conn")

# What-if C: the scope in one round trip. BEGIN and the catalog lookup + set_config go as one
# simple-protocol query (no bind parameters there: the slug is embedded after validate_slug,
# whose pattern admits only a-z, 0-9 and '-'); the command tag says whether the tenant matched.
_LEAN_SCOPE = (
    "BEGIN; SELECT set_config('role', t.role_name, true), "
    "set_config('search_path', t.schema_name, true) FROM platform.tenant t "
    "WHERE t.slug = '{slug}' AND t.status = 'active'"
)


async def _no_reset(connection: asyncpg.Connection) -> None:
    """Scope state is SET LOCAL only and every transaction ends: skip asyncpg's reset query."""
    return None


class LeanScopeMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        try:
            slug = validate_slug(scope["path_params"]["tenant"])
        except InvalidSlugError as exc:
            raise NotFoundException() from exc
        async with _plain["lean"].acquire() as conn:
            if await conn.execute(_LEAN_SCOPE.format(slug=slug)) != "SELECT 1":
                await conn.execute("ROLLBACK")
                raise NotFoundException()
            token = _lean_conn.set(conn)
            try:
                await next_app(scope, receive, send)
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")
            finally:
                _lean_conn.reset(token)


@get("/{tenant:str}/count")
async def scoped_count(tenant: FromPath[str]) -> dict[str, int]:
    count = await DB.current_connection().fetchval("SELECT count(*) FROM organization")
    return {"count": count}


@get("/plain/{tenant:str}/count")
async def plain_count(tenant: FromPath[str]) -> dict[str, int]:
    schema = quote_ident(tenant_names(tenant).schema)
    count = await _plain["pool"].fetchval(f"SELECT count(*) FROM {schema}.organization")
    return {"count": count}


@get("/{tenant:str}/count")
async def lean_count(tenant: FromPath[str]) -> dict[str, int]:
    count = await _lean_conn.get().fetchval("SELECT count(*) FROM organization")
    return {"count": count}


async def _open_plain_pools() -> None:
    db = get_settings().database
    options = dict(
        min_size=0,
        max_size=db.pool_max,
        max_queries=db.pool_max_queries,
        max_inactive_connection_lifetime=db.pool_max_idle_seconds,
        command_timeout=db.command_timeout_seconds,
    )
    _plain["pool"] = await asyncpg.create_pool(dsn=db.admin_url.reveal(), **options)
    _plain["lean"] = await asyncpg.create_pool(dsn=db.url.reveal(), reset=_no_reset, **options)


async def _close() -> None:
    for key in ("pool", "lean"):
        pool = _plain.pop(key, None)
        if pool is not None:
            await pool.close()
    await DB.close_pools_of_current_loop()


def create_app() -> Litestar:
    scoped = Router(path="/t", route_handlers=[scoped_count], middleware=[TenantScopeMiddleware()])
    lean = Router(path="/lean", route_handlers=[lean_count], middleware=[LeanScopeMiddleware()])
    return Litestar(
        route_handlers=[scoped, lean, plain_count],
        # As the product's served app does (web.app): what start-up built is frozen out of the
        # collector's way, so neither endpoint pays for full collections walking it.
        on_startup=[_open_plain_pools, _freeze_startup_objects],
        on_shutdown=[_close],
        debug=False,
    )


def main() -> None:
    import uvicorn

    from tenants.runtime import prepare

    port = int(sys.argv[1])
    prepare()
    uvicorn.run(
        create_app(),
        host="127.0.0.1",
        port=port,
        workers=1,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
