"""The person page as a raw-SQL baseline (bench-only; never part of the product).

One copy of the work the product's person page does (`web.routes.persons` `person_page`, and its
`section/content` fragment), shared by the two benchmarks that compare the product with a plain
app: `content` (bench/content_app.py: a staff viewer, a card with 1,000 linked items) and
`pages` (bench/register_app.py: an admin viewer, the demo tenant's rich card). Both render THE
SAME template (`persons/detail.html`, or its `section_content` block) with the same context
through a Jinja environment of their own, and the runners check before any load that the bytes
are identical to the product's.

What it does, per page view, on ONE connection it is handed (`schema` = the tenant's schema:
every table is written `"t_<slug>".table`; `schema=None`: unqualified, for the register's
B+S+T variant that runs inside the real `tenant_scope`) — the statements the product runs, in
the product's order, with the product's arguments:

- the card: row + organization name, e-mails, phones, employment history (a merged-away card
  answers the product's 301 to the survivor, a missing one 404);
- the person's rectifications; for an admin the card's self-service account;
- the viewer's business areas (staff only: an admin sees everything and reads none) and the
  content overview (`core.content_queries.person_overview`: per kind the newest
  `OVERVIEW_PER_KIND` items with the person's roles and the kind's total) under the viewer's
  condition of `core.visibility.Viewer.item_condition` (staff: not private and in one of their
  areas or in none, or one they participate in; admin: every item);
- attachments: the owner check (`SELECT EXISTS … person`) and the list;
- the identity code and the restriction (`web.routes.person_privacy.page_context`): the
  `restricted_at` mark (and, when set, the newest `person.restrict` audit event for the
  reason), the `hetu_enabled` tenant setting (and, when on, the sealed code, opened and masked
  with `core.hetu`);
- the data-subject requests of the person;
- the privacy sections (`web.privacy_sections.privacy_context`): the cheap read of
  `core.processing.ensure_default_activities` (whether any processing activity exists — the
  seeding on a register's very first visit is left to the product, which the runners ask
  first), provenance, the active processing activities, the current lawful bases, the latest
  consent per (purpose, channel), the objections in force;
- the customer records sections (`web.record_pages.page_sections`): contact history, feedback
  + the satisfaction summary, personalisation and restrictions, the comments' owner check and
  comments, the restrictions in force (the badges) and the first timeline page (the product's
  own `core.person_timeline` statement for this viewer, schema-qualified);
- the read audit (`web.read_audit.cards_read` → `core.audit.record_read`): ONE `person.read`
  event with the same columns and values (actor = the user, object and person = the card,
  detail `{"via": "page" | "section:content", "persons": [id], "count": 1}`, purpose
  `customer_service`, the request id: a sane X-Request-ID or a new one) through the product's
  own INSERT (the chain gate's shared advisory lock included; the gate's key names the tenant's
  schema, as `current_schema()` does in the product's scope).

The section fragment: the card (the same four reads), the areas (staff), the overview, the read
audit. Without HX-Request it answers the product's 303 to the page.

The context is the product's (same keys, same shapes), built with the product's presentation
helpers and pure row-shaping functions (`web.content_labels`, `web.record_forms.labels`,
`web.routes.self_service.field_labels`, `web.routes.attachments._row`, `web.privacy_labels`,
`web.privacy_sections._form_state`, `core.requests._row`, `core.request_deadlines.days_left`,
`core.processing._row`, …), never a `core.*` read.

What it does NOT do: no session (the caller hands in the signed-in user, read once — or, in the
register's B+S variants, read as the product's session middleware does), no tenant scope (no
transaction: each statement commits on its own, the audit INSERT included; no SET LOCAL
role/search_path: the owner role reads `"t_<slug>".table` directly), no middleware (host
rewrite, locale, CSRF, compression, HTMX, guard), no service layer (`core.*` functions, the
request-scoped viewer cache, `ValidationFailed`/`NotFound` plumbing). Viewers: staff and admin
only (the two the benchmarks sign in as); an operator's break-glass reads are not modelled.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context
from litestar import Request, Response
from litestar.enums import MediaType
from litestar.exceptions import NotFoundException
from litestar.response import Redirect

from bench.person_page_sections import (
    _attachments,
    _content,
    _customer_records,
    _identity,
    _privacy,
    _requests,
)
from bench.person_page_sql import (
    EMAILS_SQL,
    HISTORY_SQL,
    LIST_LIMIT,
    PERSON_SQL,
    PHONES_SQL,
    RECTIFICATIONS_SQL,
    SELF_ACCOUNT_SQL,
    TRANSFERS_LIMIT,
    TRANSFERS_SQL,
    USER_SQL,
    audit_sql,
    sql,
)
from core.context import TenantInfo

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "web" / "templates"
PAGE_TEMPLATE = "persons/detail.html"
CSRF_COOKIE = "kortisto_csrf"
READ_PURPOSE = "customer_service"  # web.read_audit.cards_read's default


def _check_viewer(user: dict) -> None:
    if user["role"] not in ("staff", "admin"):
        raise NotImplementedError(
            f"the baseline models staff and admin viewers, not {user['role']}"
        )


# -- templates --------------------------------------------------------------------------------


def jinja() -> Environment:
    """The product's templates with the product's i18n, in an environment of our own."""
    from web.app import configure_jinja

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    configure_jinja(env)
    # What Litestar's engine registers: the token the CSRF middleware would put in the scope
    # (for a GET with the cookie, the cookie's value).
    env.globals["csrf_token"] = pass_context(
        lambda ctx: ctx["request"].cookies.get(CSRF_COOKIE, "")
    )
    return env


def render(
    env: Environment, request: Request, name: str, context: dict, block: str | None = None
) -> Response:
    """What web.forms.render does: the whole page, or one block of it."""
    template = env.get_template(name)
    full = {**context, "request": request}
    if block is None:
        body = template.render(full)
    else:
        body = "".join(template.blocks[block](template.new_context(full)))
    return Response(body, media_type=MediaType.HTML)


# -- reads ------------------------------------------------------------------------------------


def parse_person_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise NotFoundException() from exc


async def read_card(conn, schema: str | None, pid: uuid.UUID) -> dict | uuid.UUID:
    """core.persons.get_person: the card, or the survivor's id for a merged-away card."""
    row = await conn.fetchrow(sql(PERSON_SQL, schema), pid)
    if row is None:
        raise NotFoundException()
    if row["merged_into"] is not None:
        return row["merged_into"]
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
    return card


async def record_read(
    conn, schema: str | None, request: Request, user: dict, pids: list[uuid.UUID], via: str
) -> None:
    """core.audit.record_read: the product's INSERT with the same values (one event for the
    cards shown; none for none)."""
    from web.middleware import request_id_of

    ids = list(dict.fromkeys(str(p) for p in pids))
    if not ids:
        return
    single = uuid.UUID(ids[0]) if len(ids) == 1 else None
    detail = {"via": via, "persons": ids, "count": len(ids)}
    await conn.execute(
        audit_sql(schema),
        uuid.uuid4(),
        "user",
        str(user["id"]),
        (user.get("email") or "")[:320],
        "person.read",
        "person",
        str(single) if single else "",
        json.dumps(detail, default=str, ensure_ascii=False),
        single,
        READ_PURPOSE,
        request_id_of(request.scope)[:64],  # type: ignore[arg-type]
    )


# -- the two answers --------------------------------------------------------------------------


async def page_context(
    conn, schema: str | None, tenant: TenantInfo, user: dict, card: dict
) -> dict:
    """The person page's template context for `card` (as `read_card` returns it), read with
    the same statements the product runs; the fragments benchmark renders from it too."""
    from web.forms import display_phone
    from web.routes.self_service import field_labels

    base = f"/t/{tenant.slug}"
    card["phone_rows"] = [(p, display_phone(p)) for p in card["phones"]]
    pid = card["id"]
    is_admin = user["role"] == "admin"
    rectifications = await conn.fetch(sql(RECTIFICATIONS_SQL, schema), pid, LIST_LIMIT)
    self_account = await conn.fetchrow(sql(SELF_ACCOUNT_SQL, schema), pid) if is_admin else None
    areas, content = await _content(conn, schema, pid, user)
    context = {
        "tenant": tenant,
        "base": base,
        "current": "persons",
        "person": card,
        "rectifications": [dict(r) for r in rectifications],
        "field_labels": field_labels(),
        "is_admin": is_admin,
        "self_account": dict(self_account) if self_account else None,
        **content,
        "attachment_section": await _attachments(conn, schema, pid, base, user),
        **await _identity(conn, schema, pid, tenant),
        **await _requests(conn, schema, pid, user),
        "person_transfers": [
            dict(r) for r in await conn.fetch(sql(TRANSFERS_SQL, schema), pid, TRANSFERS_LIMIT)
        ],
    }
    context.update(await _privacy(conn, schema, pid, base))
    context.update(await _customer_records(conn, schema, pid, base, user, areas))
    return context


async def person_page(
    env: Environment,
    request: Request,
    conn,
    schema: str | None,
    tenant: TenantInfo,
    user: dict,
    raw_id: str,
) -> Response | Redirect:
    """`GET /t/<slug>/persons/<id>`: the whole page, as the product's `person_page` answers it."""
    _check_viewer(user)
    pid = parse_person_id(raw_id)
    base = f"/t/{tenant.slug}"
    card = await read_card(conn, schema, pid)
    if not isinstance(card, dict):
        return Redirect(f"{base}/persons/{card}", status_code=301)
    context = await page_context(conn, schema, tenant, user, card)
    await record_read(conn, schema, request, user, [card["id"]], "page")
    return render(env, request, PAGE_TEMPLATE, context)


async def content_section(
    env: Environment,
    request: Request,
    conn,
    schema: str | None,
    tenant: TenantInfo,
    user: dict,
    raw_id: str,
) -> Response | Redirect:
    """`GET <person>/section/content`: the `section_content` block, as the product's `section`
    handler answers it for HTMX (without HX-Request: a 303 to the page's section)."""
    from web.forms import wants_fragment

    _check_viewer(user)
    pid = parse_person_id(raw_id)
    base = f"/t/{tenant.slug}"
    card = await read_card(conn, schema, pid)
    if not isinstance(card, dict):
        return Redirect(f"{base}/persons/{card}/section/content", status_code=301)
    if not wants_fragment(request):
        return Redirect(f"{base}/persons/{card['id']}#section-content", status_code=303)
    _areas, content = await _content(conn, schema, card["id"], user)
    context: dict[str, Any] = {"tenant": tenant, "base": base, "person": card, **content}
    await record_read(conn, schema, request, user, [card["id"]], "section:content")
    return render(env, request, PAGE_TEMPLATE, context, block="section_content")


async def bench_user(conn, schema: str, email: str) -> dict | None:
    """The benchmark's signed-in user by e-mail (read once by the callers: no session)."""
    row = await conn.fetchrow(
        sql(USER_SQL.replace("WHERE id = $1", "WHERE email = $1"), schema), email
    )
    return dict(row) if row else None
