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
import re
import uuid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context
from litestar import Request, Response
from litestar.enums import MediaType
from litestar.exceptions import NotFoundException
from litestar.response import Redirect

from core.context import TenantInfo

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "web" / "templates"
PAGE_TEMPLATE = "persons/detail.html"
CSRF_COOKIE = "kortisto_csrf"
LIST_LIMIT = 200  # core.customer_data.LIST_LIMIT, core.self_service.list_rectifications
READ_PURPOSE = "customer_service"  # web.read_audit.cards_read's default

# -- the product's SQL, schema prefix {s} ('"t_x".' for the plain pool, "" inside the scope) ----

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
RECTIFICATIONS_SQL = (
    "SELECT id, field, old_value, new_value, changed_by_user, changed_by_label, changed_at "
    "FROM {s}rectification WHERE person = $1 ORDER BY changed_at DESC, field LIMIT $2"
)
SELF_ACCOUNT_SQL = (
    "SELECT id, email, active, last_login_at FROM {s}app_user "
    "WHERE person = $1 AND role = 'self' ORDER BY created_at LIMIT 1"
)
USER_SQL = (
    "SELECT id, email, display_name, role, person, active, totp_enabled, locale, "
    "sessions_valid_after, last_login_at FROM {s}app_user WHERE id = $1"
)
AREAS_SQL = "SELECT area FROM {s}user_area WHERE app_user = $1"
# core.content_queries.person_overview; {condition}: the viewer's (item_condition below).
ITEMS_SQL = (
    "SELECT * FROM (SELECT ci.id, ci.kind, ci.title, ci.status, ci.stage, ci.starts_on, "
    "ci.ends_on, ci.private, ci.area, ci.organization, ci.parent, ci.updated_at, "
    "array_agg(l.role ORDER BY l.role) AS roles, "
    "row_number() OVER (PARTITION BY ci.kind "
    "ORDER BY ci.starts_on DESC NULLS LAST, ci.updated_at DESC, ci.id) AS n, "
    "count(*) OVER (PARTITION BY ci.kind) AS kind_total "
    "FROM {s}content_link l JOIN {s}content_item ci ON ci.id = l.item "
    "WHERE l.person = $1 AND {condition} GROUP BY ci.id) s WHERE s.n <= $2 ORDER BY s.n"
)
# core.visibility.Viewer.item_condition for a staff member ($n the areas, $n+1 the user).
STAFF_CONDITION = (
    "((NOT ci.private AND (ci.area IS NULL OR ci.area = ANY(${a}::uuid[]))) "
    "OR EXISTS (SELECT 1 FROM {s}content_participant vis_p "
    "WHERE vis_p.item = ci.id AND vis_p.app_user = ${u}))"
)
PERSON_EXISTS_SQL = "SELECT EXISTS (SELECT 1 FROM {s}person WHERE id = $1)"
ATTACHMENTS_SQL = (
    "SELECT id, item, person, organization, object_key, filename, content_type, size_bytes, "
    "sha256, status, status_reason, thumbnail_key, uploaded_at, uploaded_by "
    "FROM {s}attachment WHERE person = $1 ORDER BY uploaded_at DESC, filename"
)
RESTRICTED_SQL = "SELECT restricted_at FROM {s}person WHERE id = $1"
RESTRICT_EVENT_SQL = (
    "SELECT id, at, actor_kind, actor_id, actor_label, action, object_kind, object_id, "
    "detail, person_id, purpose, request_id, seq FROM {s}audit_event "
    "WHERE action LIKE $1 || '%' "
    "AND ($2::text IS NULL OR object_id = $2) ORDER BY at DESC, id LIMIT $3"
)
SETTING_SQL = "SELECT value FROM {s}tenant_setting WHERE name = $1"
HETU_SQL = "SELECT hetu_encrypted FROM {s}person WHERE id = $1"
REQUESTS_SQL = (
    "SELECT id, person_id, kind, status, channel, requester_email, received_at, due_on, "
    "extended_until, extension_reason, refusal_reason, verification_attempts, verified_at, "
    "completed_at, repeated, details, handled_by, verification_code_hash IS NOT NULL AS code_sent "
    "FROM {s}data_subject_request WHERE person_id = $1 ORDER BY received_at DESC, id"
)
ANY_ACTIVITY_SQL = "SELECT EXISTS (SELECT 1 FROM {s}processing_activity)"
PROVENANCE_SQL = (
    "SELECT id, source_kind, source_detail, field, recorded_at, recorded_by "
    "FROM {s}person_provenance WHERE person = $1 ORDER BY recorded_at DESC, field, id"
)
ACTIVITIES_SQL = (
    "SELECT id, name, purpose, lawful_basis, data_categories, recipients, retention, notes, "
    "active, created_at, updated_at, updated_by FROM {s}processing_activity "
    "WHERE active OR NOT $1 ORDER BY active DESC, lower(name)"
)
_CURRENT = "(ended_on IS NULL OR ended_on > current_date)"
BASES_SQL = (
    f"SELECT b.id, b.activity AS activity_id, a.name AS activity_name, b.basis, b.since, "
    f"b.source, b.ended_on, b.recorded_by, b.created_at, {_CURRENT} AS current "
    f"FROM {{s}}person_lawful_basis b JOIN {{s}}processing_activity a ON a.id = b.activity "
    f"WHERE b.person = $1 AND ({_CURRENT} OR NOT $2) "
    f"ORDER BY {_CURRENT} DESC, b.since DESC NULLS LAST, b.created_at DESC"
)
CONSENTS_SQL = (
    "SELECT DISTINCT ON (purpose, channel) id, channel, purpose, given, at, method, "
    "actor_label, notice_version, evidence FROM {s}consent_event "
    "WHERE person = $1 ORDER BY purpose, channel, at DESC, id"
)
OBJECTIONS_SQL = (
    "SELECT * FROM (SELECT DISTINCT ON (kind, channel) id, kind, channel, active, at, method, "
    "actor_label, note FROM {s}objection_event "
    "WHERE person = $1 ORDER BY kind, channel, at DESC, id) latest WHERE active"
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
PREFERENCES_SQL = (
    f"SELECT id, kind, topic, value, given_on, ended_on, recorded_by, created_at, "
    f"{_CURRENT} AS active FROM {{s}}customer_preference WHERE person = $1 "
    f"ORDER BY {_CURRENT} DESC, kind DESC, given_on DESC NULLS LAST, created_at DESC"
)
SUBJECT_SQL = "SELECT 1 FROM {s}person WHERE id = $1 AND merged_into IS NULL"
COMMENTS_SQL = (
    "SELECT id, body, created_at, created_by FROM {s}comment WHERE person = $1 "
    "ORDER BY created_at DESC, id"
)
RESTRICTIONS_SQL = (
    f"SELECT id, topic, value, given_on FROM {{s}}customer_preference "
    f"WHERE person = $1 AND kind = 'restriction' AND {_CURRENT} ORDER BY topic, given_on"
)
# core.audit._INSERT; {gate}: the chain gate's key (the tenant's schema, as current_schema()
# names it inside the product's scope).
AUDIT_SQL = (
    "INSERT INTO {s}audit_event (id, at, actor_kind, actor_id, actor_label, action, "
    "object_kind, object_id, detail, person_id, purpose, request_id) "
    "SELECT $1, clock_timestamp(), $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11 "
    "FROM (SELECT pg_advisory_xact_lock_shared(hashtextextended({gate}, 0))) AS chain_gate"
)


def sql(template: str, schema: str | None) -> str:
    """The statement for this schema: qualified (`"t_x".table`), or unqualified for None."""
    return template.replace("{s}", f'"{schema}".' if schema else "")


_TABLE = re.compile(r"\b(FROM|JOIN) ([a-z_]+)\b")


def qualify(statement: str, schema: str | None) -> str:
    """A statement the product builds (unqualified), with every table schema-qualified."""
    if not schema:
        return statement
    return _TABLE.sub(lambda m: f'{m[1]} "{schema}".{m[2]}', statement)


def _check_viewer(user: dict) -> None:
    if user["role"] not in ("staff", "admin"):
        raise NotImplementedError(
            f"the baseline models staff and admin viewers, not {user['role']}"
        )


def overview_sql(role: str, schema: str | None) -> str:
    """person_overview's statement under this viewer's condition ($3 areas, $4 user: staff)."""
    condition = "TRUE" if role == "admin" else STAFF_CONDITION.format(a=3, u=4, s="{s}")
    return sql(ITEMS_SQL.replace("{condition}", condition), schema)


_TIMELINE: dict[tuple[str | None, str], str] = {}


def timeline_sql(role: str, schema: str | None) -> str:
    """The product's timeline statement for this viewer role ($4 areas, $5 user: staff)."""
    key = (schema, role)
    if key not in _TIMELINE:
        from core.person_timeline import _timeline_sql
        from core.visibility import Viewer

        statement, _args = _timeline_sql(Viewer(uuid.uuid4(), role, ()))
        _TIMELINE[key] = qualify(statement, schema)
    return _TIMELINE[key]


def audit_sql(schema: str | None) -> str:
    gate = f"'kortisto.audit:{schema}'" if schema else "'kortisto.audit:' || current_schema()"
    return sql(AUDIT_SQL, schema).replace("{gate}", gate)


# -- templates --------------------------------------------------------------------------------


def jinja() -> Environment:
    """The product's templates with the product's i18n, in an environment of our own."""
    from web.i18n import install_jinja_i18n

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    install_jinja_i18n(env)
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


async def _content(conn, schema: str | None, pid: uuid.UUID, user: dict) -> tuple[list, dict]:
    """The viewer's areas (staff) and web.content_access.person_content's context."""
    from core.content_kinds import KINDS
    from core.content_queries import OVERVIEW_PER_KIND, KindGroup
    from web import content_labels

    if user["role"] == "admin":
        areas: list = []
        rows = await conn.fetch(overview_sql("admin", schema), pid, OVERVIEW_PER_KIND)
    else:
        areas = [r["area"] for r in await conn.fetch(sql(AREAS_SQL, schema), user["id"])]
        rows = await conn.fetch(
            overview_sql("staff", schema), pid, OVERVIEW_PER_KIND, areas, user["id"]
        )
    items: dict[str, list[dict]] = {}
    totals: dict[str, int] = {}
    for row in rows:
        items.setdefault(row["kind"], []).append(dict(row))
        totals[row["kind"]] = row["kind_total"]
    groups = [KindGroup(code, items[code], totals[code]) for code in KINDS if code in items]
    return areas, {
        "content_groups": groups,
        "content_labels": content_labels,
        "content_more_filter": f"person={pid}",
    }


async def _attachments(conn, schema, pid: uuid.UUID, base: str, user: dict) -> dict:
    """web.routes.attachments.attachment_section for the card."""
    from core.attachments import Owner
    from core.settings import get_settings
    from web.routes.attachments import CHANGING_ROLES, _row, size_text

    if not await conn.fetchval(sql(PERSON_EXISTS_SQL, schema), pid):
        raise NotFoundException()
    rows = await conn.fetch(sql(ATTACHMENTS_SQL, schema), pid)
    limit = get_settings().attachment_max_bytes
    return {
        "owner": Owner("person", pid),
        "url": f"{base}/attachments/person/{pid}",
        "owner_page": f"{base}/persons/{pid}",
        "rows": [_row(dict(r), base) for r in rows],
        "limit_text": size_text(limit),
        "limit_bytes": limit,
        "can_change": user["role"] in CHANGING_ROLES,
        "message": "",
        "error": "",
    }


async def _identity(conn, schema, pid: uuid.UUID, tenant: TenantInfo) -> dict:
    """web.routes.person_privacy.page_context: the restriction and the masked code."""
    from core import hetu
    from core.tenant_settings import DEFAULTS, HETU_ENABLED
    from web.routes.person_privacy import restriction_reason_labels

    since = await conn.fetchval(sql(RESTRICTED_SQL, schema), pid)
    reason = ""
    if since is not None:
        events = await conn.fetch(sql(RESTRICT_EVENT_SQL, schema), "person.restrict", str(pid), 1)
        if events and events[0]["action"] == "person.restrict":
            detail = events[0]["detail"]
            detail = json.loads(detail) if isinstance(detail, str) else detail
            reason = restriction_reason_labels().get(detail.get("reason", ""), "")
    setting = await conn.fetchval(sql(SETTING_SQL, schema), HETU_ENABLED)
    masked = None
    if (DEFAULTS[HETU_ENABLED] if setting is None else setting) == "on":
        token = await conn.fetchval(sql(HETU_SQL, schema), pid)
        if token:
            try:
                masked = hetu.mask(hetu.open_sealed(token, tenant.slug))
            except hetu.HetuCorruptError:
                masked = "??????-****"
    return {"hetu_masked": masked, "restricted_at": since, "restriction_reason": reason}


async def _requests(conn, schema, pid: uuid.UUID, user: dict) -> dict:
    """web.routes.subject_requests.person_requests_context."""
    from core.request_deadlines import days_left
    from core.requests import _row
    from web.routes.subject_requests import labels

    found = [_row(r) for r in await conn.fetch(sql(REQUESTS_SQL, schema), pid)]
    for r in found:
        r["days_left"] = days_left(r)
    return {
        "subject_requests": found,
        "request_labels": labels(),
        "can_process_requests": user["role"] == "admin",
    }


async def _privacy(conn, schema, pid: uuid.UUID, base: str) -> dict:
    """web.privacy_sections.privacy_context (no form sent)."""
    from core.consents import CHANNELS, PURPOSES, STAFF_METHODS
    from core.objections import KINDS as OBJECTION_KINDS
    from core.processing import _row as activity_row
    from core.provenance import STAFF_KINDS
    from web.privacy_labels import all_labels
    from web.privacy_sections import PRIVACY_SECTIONS, PROVENANCE_SHOWN, _form_state

    # ensure_default_activities once seeded: one read (the product seeds on the first visit).
    await conn.fetchval(sql(ANY_ACTIVITY_SQL, schema))
    person_url = f"{base}/persons/{pid}"
    forms = {name: _form_state(person_url, name, None, None, "") for name in PRIVACY_SECTIONS}
    provenance = [dict(r) for r in await conn.fetch(sql(PROVENANCE_SQL, schema), pid)]
    labels = all_labels()
    activities = [activity_row(r) for r in await conn.fetch(sql(ACTIVITIES_SQL, schema), True)]
    bases = [dict(r) for r in await conn.fetch(sql(BASES_SQL, schema), pid, True)]
    consent_order = {
        (p, c): i for i, (p, c) in enumerate((p, c) for p in PURPOSES for c in CHANNELS)
    }
    consents = sorted(
        (dict(r) for r in await conn.fetch(sql(CONSENTS_SQL, schema), pid)),
        key=lambda r: consent_order.get((r["purpose"], r["channel"]), 99),
    )
    objection_order = {k: i for i, k in enumerate(OBJECTION_KINDS)}
    objections = sorted(
        (dict(r) for r in await conn.fetch(sql(OBJECTIONS_SQL, schema), pid)),
        key=lambda r: (objection_order.get(r["kind"], 99), r["channel"]),
    )
    return {
        "privacy": {
            "forms": forms,
            "bases": bases,
            "activity_options": [(str(a["id"]), a["name"]) for a in activities],
            "consents": consents,
            "objections": objections,
            "provenance": provenance[:PROVENANCE_SHOWN],
            "provenance_total": len(provenance),
            "labels": labels,
            "method_options": [(m, labels["methods"][m]) for m in STAFF_METHODS],
            "source_options": [(k, labels["sources"][k]) for k in STAFF_KINDS],
        }
    }


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


async def _customer_records(
    conn, schema, pid: uuid.UUID, base: str, user: dict, areas: list
) -> dict:
    """web.record_pages.page_sections for a card: the sections, the badges, the timeline."""
    from core.person_timeline import PAGE_SIZE, TimelineEntry
    from web.record_forms import labels

    loaded: dict[str, dict] = {
        "contacts": {"rows": await conn.fetch(sql(CONTACTS_SQL, schema), pid, LIST_LIMIT)},
        "feedback": {"rows": await conn.fetch(sql(FEEDBACK_SQL, schema), pid, LIST_LIMIT)},
    }
    satisfaction = await conn.fetchrow(sql(SATISFACTION_SQL, schema), pid)
    loaded["feedback"]["summary"] = {
        "answers": satisfaction["answers"],
        "average": satisfaction["average"],
    }
    loaded["preferences"] = {"rows": await conn.fetch(sql(PREFERENCES_SQL, schema), pid)}
    if not await conn.fetchval(sql(SUBJECT_SQL, schema), pid):
        raise NotFoundException()
    loaded["comments"] = {"rows": await conn.fetch(sql(COMMENTS_SQL, schema), pid)}
    for section in loaded.values():
        section["rows"] = [dict(r) for r in section["rows"]]
    restrictions = await conn.fetch(sql(RESTRICTIONS_SQL, schema), pid)
    visibility = [] if user["role"] == "admin" else [areas, user["id"]]
    rows = await conn.fetch(timeline_sql(user["role"], schema), pid, PAGE_SIZE + 1, 0, *visibility)
    page_url = f"{base}/persons/{pid}"
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
        for r in rows[:PAGE_SIZE]
    ]
    return {
        "records": _records(page_url, loaded),
        "record_labels": labels(),
        "restrictions": [dict(r) for r in restrictions],
        "timeline": {
            "entries": entries,
            "page": 1,
            "url": timeline_url,
            "next_url": f"{timeline_url}?page=2" if len(rows) > PAGE_SIZE else None,
            "content_url": f"{base}/content",
        },
    }


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
