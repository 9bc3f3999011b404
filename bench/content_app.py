"""Servers for the content benchmark (bench-only; never part of the product).

`python -m bench.content_app real PORT`      the product: `web.app:create_app`, as `kortisto
                                              serve` builds it
`python -m bench.content_app baseline PORT`  the raw-SQL baseline: a plain Litestar app on a
                                              plain asyncpg pool of the owner role that renders
                                              THE SAME templates with the same context

The baseline is built the way bench/register_app.py builds the register's: it answers the same
two paths as the product, and the runner checks before any load that both answer the same
bytes.

- `/t/{tenant}/persons/{id}` — `persons/detail.html`, the whole person page. It runs, as raw
  schema-qualified SQL, the reads the product's `person_page` handler runs for a staff member:
  the card (row + organization name, e-mails, phones, employment history), the person's
  rectifications, the viewer's business areas, the content overview (per kind the newest
  `OVERVIEW_PER_KIND` items with the person's roles and the kind's total, under the staff
  condition of `core.visibility.Viewer.item_condition`), the card's attachments, the customer
  records sections (contact history, feedback + the satisfaction summary, personalisation and
  restrictions, comments), the restrictions in force (the badges) and the first timeline page
  (the product's own `core.person_timeline` statement, schema-qualified, with the same
  visibility condition). 14 queries; the context is the product's (same keys, same shapes,
  the same presentation helpers: `web.content_labels`, `web.record_forms.labels`,
  `web.routes.self_service.field_labels`, the sections' metadata from `web.record_sections`).
- `/t/{tenant}/persons/{id}/section/content` with HX-Request — the `section_content` block of
  the same template: the card row (404 / merged check), the viewer's areas, the overview.

What the baseline does NOT do: no tenant scope (no transaction, no SET LOCAL role/search_path;
the owner role reads `"t_<slug>".table` directly), no session (the signed-in staff member is
read once, at the first request, and put in the scope for the header), no middleware (host
rewrite, locale, CSRF, compression, HTMX, guard), no service layer (no `core.*` reads, no
existence checks before a list, no audit), and the admin-only read (the card's self-service
account) is left out because the viewer is staff, as the product does. The CSRF token in the
page is the cookie's value, which is what the product's CSRF middleware puts there for a GET.
Locale: Finnish (no cookie, no Accept-Language), negotiated from the request as the product's
templates do when no middleware bound one.
"""

from __future__ import annotations

import re
import sys
import uuid
from typing import Any

import asyncpg
from litestar import Litestar, Request, Response, get
from litestar.enums import MediaType
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from bench.register_app import (
    EMAILS_SQL,
    HISTORY_SQL,
    PERSON_SQL,
    PHONES_SQL,
    RECTIFICATIONS_SQL,
    USER_SQL,
    _jinja,
    bench_user_email,
    sql,
)
from core.content_queries import OVERVIEW_PER_KIND, KindGroup
from core.context import TenantInfo
from core.settings import get_settings

PAGE_TEMPLATE = "persons/detail.html"
AREAS_SQL = "SELECT area FROM {s}user_area WHERE app_user = $1"
# core.content_queries.person_overview with Viewer.item_condition for a staff member ($3 the
# areas, $4 the user): per kind the newest OVERVIEW_PER_KIND visible items, and their total.
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
LIST_LIMIT = 200  # core.customer_data.LIST_LIMIT
ATTACHMENTS_SQL = (
    "SELECT id, item, person, organization, object_key, filename, content_type, size_bytes, "
    "sha256, status, status_reason, thumbnail_key, uploaded_at, uploaded_by "
    "FROM {s}attachment WHERE person = $1 ORDER BY uploaded_at DESC, filename"
)
CONTACTS_SQL = (
    "SELECT id, channel, direction, happened_at, summary, recorded_by, created_at "
    "FROM {s}contact_event WHERE person = $1 "
    "ORDER BY happened_at DESC, created_at DESC, id LIMIT $2"
)
FEEDBACK_SQL = (
    "SELECT id, kind, score, comment, received_on, recorded_by, created_at "
    "FROM {s}customer_feedback WHERE person = $1 "
    "ORDER BY received_on DESC NULLS LAST, created_at DESC, id LIMIT $2"
)
SATISFACTION_SQL = (
    "SELECT count(score) AS answers, avg(score) AS average FROM {s}customer_feedback "
    "WHERE person = $1 AND kind = 'satisfaction'"
)
_ACTIVE = "(ended_on IS NULL OR ended_on > current_date)"
PREFERENCES_SQL = (
    f"SELECT id, kind, topic, value, given_on, ended_on, recorded_by, created_at, "
    f"{_ACTIVE} AS active FROM {{s}}customer_preference WHERE person = $1 "
    f"ORDER BY {_ACTIVE} DESC, kind DESC, given_on DESC NULLS LAST, created_at DESC"
)
COMMENTS_SQL = (
    "SELECT id, body, created_at, created_by FROM {s}comment WHERE person = $1 "
    "ORDER BY created_at DESC, id"
)
RESTRICTIONS_SQL = (
    f"SELECT id, topic, value, given_on FROM {{s}}customer_preference "
    f"WHERE person = $1 AND kind = 'restriction' AND {_ACTIVE} ORDER BY topic, given_on"
)
TIMELINE_PAGE_SIZE = 20  # core.person_timeline.PAGE_SIZE
_TABLE = re.compile(r"\b(FROM|JOIN) ([a-z_]+)\b")


def timeline_sql(schema: str) -> str:
    """The product's timeline statement for a staff viewer ($4 areas, $5 user), qualified."""
    from core.person_timeline import _timeline_sql
    from core.visibility import Viewer

    statement, _args = _timeline_sql(Viewer(uuid.uuid4(), "staff", ()))
    return _TABLE.sub(lambda m: f'{m[1]} "{schema}".{m[2]}', statement)


class _State:
    pool: asyncpg.Pool
    env: Any
    tenants: dict[str, TenantInfo]
    users: dict[str, dict]
    timeline: dict[str, str]


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
    STATE.timeline = {t.schema: timeline_sql(t.schema) for t in STATE.tenants.values()}


async def _shutdown() -> None:
    await STATE.pool.close()


def _render(request: Request, name: str, context: dict, block: str | None = None) -> Response:
    """What web.forms.render does: the whole page, or one block of it."""
    template = STATE.env.get_template(name)
    full = {**context, "request": request}
    if block is None:
        body = template.render(full)
    else:
        body = "".join(template.blocks[block](template.new_context(full)))
    return Response(body, media_type=MediaType.HTML)


def _target(slug: str, person_id: str) -> tuple[TenantInfo, uuid.UUID]:
    tenant = STATE.tenants.get(slug)
    try:
        pid = uuid.UUID(person_id)
    except ValueError:
        tenant = None
    if tenant is None:
        raise NotFoundException()
    return tenant, pid


async def _user(tenant: TenantInfo, conn) -> dict:
    """The signed-in staff member, read once (no session)."""
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


async def _overview(conn, schema: str, pid: uuid.UUID, user: dict) -> tuple[list, list]:
    """The viewer's areas and the card's content overview (core.content_queries._kind_groups)."""
    from core.content_kinds import KINDS

    areas = [r["area"] for r in await conn.fetch(sql(AREAS_SQL, schema), user["id"])]
    rows = await conn.fetch(sql(ITEMS_SQL, schema), pid, OVERVIEW_PER_KIND, areas, user["id"])
    items: dict[str, list[dict]] = {}
    totals: dict[str, int] = {}
    for row in rows:
        items.setdefault(row["kind"], []).append(dict(row))
        totals[row["kind"]] = row["kind_total"]
    return areas, [KindGroup(code, items[code], totals[code]) for code in KINDS if code in items]


def _content_context(pid: uuid.UUID, groups: list) -> dict:
    from web import content_labels

    return {
        "content_groups": groups,
        "content_labels": content_labels,
        "content_more_filter": f"person={pid}",
    }


def _card(row, emails, phones, history) -> dict:
    from web.forms import display_phone

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
    card["phone_rows"] = [(p, display_phone(p)) for p in card["phones"]]
    return card


def _records(page_url: str, loaded: dict[str, dict]) -> list[dict]:
    """web.record_pages.section_context for each person section, nothing typed, no errors."""
    from web.record_sections import SECTIONS

    records = []
    for section in SECTIONS["person"].values():
        records.append(
            {
                **loaded[section.name],
                "name": section.name,
                "anchor": section.anchor,
                "owner_kind": "person",
                "url": f"{page_url}/records/{section.name}",
                "page_url": page_url,
                "values": section.blank(),
                "errors": {},
                "error_list": [],
                "first_error": None,
                "notice": "",
                "confirm": None,
                "can_end": section.end is not None,
            }
        )
    return records


@get("/t/{tenant:str}/persons/{person_id:str}")
async def person_page(request: Request, tenant: FromPath[str], person_id: FromPath[str]) -> Any:
    from core.attachments import Owner as AttachmentOwner
    from core.person_timeline import TimelineEntry
    from web.record_forms import labels
    from web.routes.attachments import CHANGING_ROLES, _row, size_text
    from web.routes.self_service import field_labels

    info, pid = _target(tenant, person_id)
    s = info.schema
    base = f"/t/{info.slug}"
    async with STATE.pool.acquire() as conn:
        user = await _user(info, conn)
        request.scope["user"] = user  # type: ignore[typeddict-unknown-key]
        row = await conn.fetchrow(sql(PERSON_SQL, s), pid)
        if row is None:
            raise NotFoundException()
        if row["merged_into"] is not None:
            return Redirect(f"{base}/persons/{row['merged_into']}", status_code=301)
        card = _card(
            row,
            await conn.fetch(sql(EMAILS_SQL, s), pid),
            await conn.fetch(sql(PHONES_SQL, s), pid),
            await conn.fetch(sql(HISTORY_SQL, s), pid),
        )
        rectifications = await conn.fetch(sql(RECTIFICATIONS_SQL, s), pid)
        areas, groups = await _overview(conn, s, pid, user)
        attachments = await conn.fetch(sql(ATTACHMENTS_SQL, s), pid)
        loaded = {
            "contacts": {"rows": await conn.fetch(sql(CONTACTS_SQL, s), pid, LIST_LIMIT)},
            "feedback": {"rows": await conn.fetch(sql(FEEDBACK_SQL, s), pid, LIST_LIMIT)},
        }
        satisfaction = await conn.fetchrow(sql(SATISFACTION_SQL, s), pid)
        loaded["feedback"]["summary"] = {
            "answers": satisfaction["answers"],
            "average": satisfaction["average"],
        }
        loaded["preferences"] = {"rows": await conn.fetch(sql(PREFERENCES_SQL, s), pid)}
        loaded["comments"] = {"rows": await conn.fetch(sql(COMMENTS_SQL, s), pid)}
        restrictions = await conn.fetch(sql(RESTRICTIONS_SQL, s), pid)
        timeline_rows = await conn.fetch(
            STATE.timeline[s], pid, TIMELINE_PAGE_SIZE + 1, 0, areas, user["id"]
        )
    for section in loaded.values():
        section["rows"] = [dict(r) for r in section["rows"]]
    page_url = f"{base}/persons/{pid}"
    attachment_owner = AttachmentOwner("person", pid)
    limit = get_settings().attachment_max_bytes
    timeline_url = f"{page_url}/timeline"
    entries = [
        TimelineEntry(
            kind=r["kind"],
            id=r["id"],
            at=r["at"],
            text=r["text"] or "",
            detail=r["detail"] or "",
            extra=r["extra"] or "",
            by=r["by"] or "",
        )
        for r in timeline_rows[:TIMELINE_PAGE_SIZE]
    ]
    context = {
        "tenant": info,
        "base": base,
        "current": "persons",
        "person": card,
        "rectifications": [dict(r) for r in rectifications],
        "field_labels": field_labels(),
        "is_admin": False,
        "self_account": None,
        **_content_context(pid, groups),
        "attachment_section": {
            "owner": attachment_owner,
            "url": f"{base}/attachments/person/{pid}",
            "owner_page": page_url,
            "rows": [_row(dict(r), base) for r in attachments],
            "limit_text": size_text(limit),
            "limit_bytes": limit,
            "can_change": user["role"] in CHANGING_ROLES,
            "message": "",
            "error": "",
        },
        "records": _records(page_url, loaded),
        "record_labels": labels(),
        "restrictions": [dict(r) for r in restrictions],
        "timeline": {
            "entries": entries,
            "page": 1,
            "url": timeline_url,
            "next_url": f"{timeline_url}?page=2" if len(timeline_rows) > TIMELINE_PAGE_SIZE
            else None,
            "content_url": f"{base}/content",
        },
    }  # fmt: skip
    return _render(request, PAGE_TEMPLATE, context)


@get("/t/{tenant:str}/persons/{person_id:str}/section/content")
async def content_section(
    request: Request, tenant: FromPath[str], person_id: FromPath[str]
) -> Response:
    info, pid = _target(tenant, person_id)
    base = f"/t/{info.slug}"
    async with STATE.pool.acquire() as conn:
        user = await _user(info, conn)
        request.scope["user"] = user  # type: ignore[typeddict-unknown-key]
        row = await conn.fetchrow(sql(PERSON_SQL, info.schema), pid)
        if row is None or row["merged_into"] is not None:
            raise NotFoundException("the baseline serves cards that were not merged away")
        _areas, groups = await _overview(conn, info.schema, pid, user)
    context = {"tenant": info, "base": base, "person": dict(row), **_content_context(pid, groups)}
    return _render(request, PAGE_TEMPLATE, context, block="section_content")


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
