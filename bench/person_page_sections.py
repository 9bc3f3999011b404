"""The person page's sections as the baseline reads them (bench/person_page_baseline.py):
content overview, attachments, identity code and restriction, data-subject requests, privacy
sections, customer records — each with the product's own statements (bench/person_page_sql.py)."""

from __future__ import annotations

import json
import uuid

from litestar.exceptions import NotFoundException

from bench.person_page_sql import (
    ACTIVITIES_SQL,
    ANY_ACTIVITY_SQL,
    AREAS_SQL,
    ATTACHMENTS_SQL,
    BASES_SQL,
    COMMENTS_SQL,
    CONSENTS_SQL,
    CONTACTS_SQL,
    FEEDBACK_SQL,
    HETU_SQL,
    LIST_LIMIT,
    OBJECTIONS_SQL,
    PERSON_EXISTS_SQL,
    PREFERENCES_SQL,
    PROVENANCE_SQL,
    REQUESTS_SQL,
    RESTRICT_EVENT_SQL,
    RESTRICTED_SQL,
    RESTRICTIONS_SQL,
    SATISFACTION_SQL,
    SETTING_SQL,
    SUBJECT_SQL,
    overview_sql,
    sql,
    timeline_sql,
)
from core.context import TenantInfo


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
