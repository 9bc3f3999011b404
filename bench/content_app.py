"""Servers for the content benchmark (bench-only; never part of the product).

`python -m bench.content_app real PORT`      the product: `web.app:create_app`, as `kortisto
                                              serve` builds it
`python -m bench.content_app baseline PORT`  the raw-SQL baseline: a minimal Litestar app on a
                                              plain asyncpg pool of the owner role

The baseline answers the same two paths as the product — the person page
`/t/{tenant}/persons/{id}` and its content section `/t/{tenant}/persons/{id}/section/content` —
with the same data: the card (name, title, organization) and the items linked to it that the
signed-in staff member may see, grouped by kind in the register's order (the newest
`OVERVIEW_PER_KIND` of each kind, how many in all and a link to the rest), each with the
person's roles, its stage, status, private flag and dates. The visibility rule is applied in
SQL, as the product's: the user's business areas (read per request, like
`core.visibility.viewer_for_user`), then one schema-qualified query with the staff condition of
`Viewer.item_condition`. No tenant scope, no session (the bench user is read once), no
translations: codes are shown as they are, in a page with no layout around it.
"""

from __future__ import annotations

import sys
import uuid
from typing import Any

import asyncpg
from jinja2 import Environment
from litestar import Litestar, Response, get
from litestar.enums import MediaType
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from bench.register_app import PERSON_SQL, bench_user_email, sql
from core.content_kinds import KINDS
from core.content_queries import OVERVIEW_PER_KIND
from core.settings import get_settings

AREAS_SQL = "SELECT area FROM {s}user_area WHERE app_user = $1"
# core.content_queries.person_overview with Viewer.item_condition for a staff member: per
# kind the newest OVERVIEW_PER_KIND visible items and how many there are.
ITEMS_SQL = (
    "SELECT * FROM (SELECT ci.id, ci.kind, ci.title, ci.status, ci.stage, ci.starts_on, "
    "ci.ends_on, ci.private, ci.area, ci.organization, ci.parent, ci.updated_at, "
    "array_agg(l.role ORDER BY l.role) AS roles, "
    "row_number() OVER (PARTITION BY ci.kind "
    "ORDER BY ci.starts_on DESC NULLS LAST, ci.updated_at DESC, ci.id) AS n, "
    "count(*) OVER (PARTITION BY ci.kind) AS kind_total "
    "FROM {s}content_link l JOIN {s}content_item ci ON ci.id = l.item "
    "WHERE l.person = $1 AND ((NOT ci.private AND (ci.area IS NULL "
    "OR ci.area = ANY($3::uuid[]))) OR EXISTS (SELECT 1 FROM {s}content_participant vis_p "
    "WHERE vis_p.item = ci.id AND vis_p.app_user = $4)) "
    "GROUP BY ci.id) s WHERE s.n <= $2 ORDER BY s.n"
)

_ITEMS = """<section id="section-content"><h2>Linked content</h2>
{%- for code, (items, total) in groups.items() %}
<section class="content-group"><h3>{{ code }} ({{ total }})</h3><ul>
{%- for item in items %}
<li><a href="{{ base }}/content/{{ item.id }}">{{ item.title }}</a>
{%- if item.private %} <span class="badge">private</span>{% endif %}
{%- if item.stage %} <span class="badge">{{ item.stage }}</span>{% endif %}
 <span class="badge">{{ item.status }}</span>
 <span class="roles">{{ item.roles|join(", ") }}</span>
{%- if item.starts_on %} <small>{{ item.starts_on }}
{%- if item.ends_on %} – {{ item.ends_on }}{% endif %}</small>{% endif %}</li>
{%- endfor %}
</ul>
{%- if total > items|length %}<p><a href="{{ base }}/content/?kind={{ code }}&amp;
{{- "person=" }}{{ person_id }}">all {{ total }}</a></p>{% endif %}
</section>
{%- endfor %}
</section>"""
_PAGE = """<!doctype html><html lang="fi"><head><meta charset="utf-8">
<title>{{ person.first_name }} {{ person.last_name }}</title></head><body><main>
<h1>{{ person.first_name }} {{ person.last_name }}</h1>
<p>{{ person.title }}
{%- if person.organization_name %} · {{ person.organization_name }}{% endif %}</p>
{% include "items" %}
</main></body></html>"""


class _State:
    pool: asyncpg.Pool
    schemas: dict[str, str]
    users: dict[str, uuid.UUID]
    env: Environment


STATE = _State()


async def _startup() -> None:
    from jinja2 import DictLoader

    db = get_settings().database
    STATE.pool = await asyncpg.create_pool(
        dsn=db.admin_url.reveal(),
        min_size=0,
        max_size=db.pool_max,
        max_queries=db.pool_max_queries,
        max_inactive_connection_lifetime=db.pool_max_idle_seconds,
        command_timeout=db.command_timeout_seconds,
    )
    rows = await STATE.pool.fetch("SELECT slug, schema_name FROM platform.tenant")
    STATE.schemas = {r["slug"]: r["schema_name"] for r in rows}
    STATE.users = {}
    STATE.env = Environment(loader=DictLoader({"page": _PAGE, "items": _ITEMS}), autoescape=True)


async def _shutdown() -> None:
    await STATE.pool.close()


async def _visible_items(conn, schema: str, slug: str, person_id: uuid.UUID) -> dict:
    user = STATE.users.get(slug)
    if user is None:  # the signed-in staff member, known from the first request on
        user = await conn.fetchval(
            sql("SELECT id FROM {s}app_user WHERE email = $1", schema), bench_user_email(slug)
        )
        STATE.users[slug] = user
    areas = [r["area"] for r in await conn.fetch(sql(AREAS_SQL, schema), user)]
    rows = await conn.fetch(sql(ITEMS_SQL, schema), person_id, OVERVIEW_PER_KIND, areas, user)
    groups: dict[str, tuple[list[dict], int]] = {code: ([], 0) for code in KINDS}
    for row in rows:
        groups[row["kind"]][0].append(dict(row))
        groups[row["kind"]] = (groups[row["kind"]][0], row["kind_total"])
    return {code: group for code, group in groups.items() if group[0]}


def _ids(tenant: str, person_id: str) -> tuple[str, uuid.UUID]:
    schema = STATE.schemas.get(tenant)
    try:
        pid = uuid.UUID(person_id)
    except ValueError:
        schema = None
    if schema is None:
        raise NotFoundException()
    return schema, pid


@get("/t/{tenant:str}/persons/{person_id:str}")
async def person_page(tenant: FromPath[str], person_id: FromPath[str]) -> Response:
    schema, pid = _ids(tenant, person_id)
    async with STATE.pool.acquire() as conn:
        person = await conn.fetchrow(sql(PERSON_SQL, schema), pid)
        if person is None:
            raise NotFoundException()
        groups = await _visible_items(conn, schema, tenant, pid)
    body = STATE.env.get_template("page").render(
        person=person, groups=groups, base=f"/t/{tenant}", person_id=pid
    )
    return Response(body, media_type=MediaType.HTML)


@get("/t/{tenant:str}/persons/{person_id:str}/section/content")
async def content_section(tenant: FromPath[str], person_id: FromPath[str]) -> Response:
    schema, pid = _ids(tenant, person_id)
    async with STATE.pool.acquire() as conn:
        groups = await _visible_items(conn, schema, tenant, pid)
    body = STATE.env.get_template("items").render(groups=groups, base=f"/t/{tenant}", person_id=pid)
    return Response(body, media_type=MediaType.HTML)


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
