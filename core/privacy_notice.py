"""The privacy notice's facts (tietosuojaseloste, GDPR Art. 13–14), drawn from live settings.

`build_content()` reads only what the register holds and how it is configured right now: the
controller's facts (core.notice_settings), the active processing activities, the data that is
actually in use (a card field nobody filled, a content kind never used, a customer record
never kept is not listed; the identity code only when enabled), the regular sources
(provenance kinds in use), the processors and recipients (core.processors), the retention
rules and the kinds of legal hold in use. The result is language-neutral (codes and the
admin's own words) and JSON-safe: it is what a published version keeps and what the renderer
(core.privacy_notice_render) turns into fi/sv/en.

Runs inside a tenant scope.
"""

from __future__ import annotations

from core import hetu, notice_settings
from core.context import current_tenant
from core.db import DB
from core.processing import list_activities
from core.processors import tenant_processors
from core.retention_rules import list_rules

# The order in which a notice lists the data it holds (labels: core.privacy_notice_labels).
DATA_ITEMS = (
    "name",
    "email",
    "phone",
    "title",
    "organization",
    "employment_history",
    "business_id",
    "address",
    "einvoice",
    "keywords",
    "description",
    "identity_code",
    "content",
    "comments",
    "attachments",
    "contact_history",
    "feedback",
    "satisfaction",
    "personalisation",
    "restriction",
    "orders",
    "seller_contacts",
    "consents",
    "objections",
    "account",
    "requests",
    "log",
)

# One EXISTS per item: the item is in use when the register holds at least one such value.
_IN_USE_SQL = {
    "name": "SELECT 1 FROM person",
    "email": "SELECT 1 FROM person_email",
    "phone": "SELECT 1 FROM person_phone",
    "title": "SELECT 1 FROM person WHERE title <> ''",
    "organization": "SELECT 1 FROM person WHERE organization IS NOT NULL",
    "employment_history": "SELECT 1 FROM employment WHERE NOT current OR ended_on IS NOT NULL",
    "business_id": "SELECT 1 FROM organization WHERE business_id IS NOT NULL",
    "address": "SELECT 1 FROM organization WHERE street_address <> '' OR city <> ''",
    "einvoice": "SELECT 1 FROM organization WHERE einvoice_address <> ''",
    "keywords": "SELECT 1 FROM person WHERE cardinality(keywords) > 0",
    "description": "SELECT 1 FROM person WHERE description <> ''",
    "content": "SELECT 1 FROM content_link",
    "comments": "SELECT 1 FROM comment",
    "attachments": "SELECT 1 FROM attachment",
    "contact_history": "SELECT 1 FROM contact_event",
    "feedback": "SELECT 1 FROM customer_feedback WHERE kind = 'feedback'",
    "satisfaction": "SELECT 1 FROM customer_feedback WHERE kind = 'satisfaction'",
    "personalisation": "SELECT 1 FROM customer_preference WHERE kind = 'personalisation'",
    "restriction": "SELECT 1 FROM customer_preference WHERE kind = 'restriction'",
    "orders": "SELECT 1 FROM organization_order UNION ALL SELECT 1 FROM organization_payment",
    "seller_contacts": "SELECT 1 FROM seller_contact",
    "consents": "SELECT 1 FROM consent_event",
    "objections": "SELECT 1 FROM objection_event",
    "account": "SELECT 1 FROM app_user WHERE role = 'self'",
    "requests": "SELECT 1 FROM data_subject_request",
    # Every read and change of a card is logged (core.audit): there is a log once there is data.
    "log": "SELECT 1 FROM person",
}

# Sections every notice has, in order; `cookies` only when the tenant declared some.
SECTIONS = (
    "controller",
    "contact",
    "register_name",
    "purposes",
    "data_content",
    "sources",
    "disclosures",
    "transfers",
    "retention",
    "security",
    "automated_decisions",
    "cookies",
    "rights",
    "authority",
    "version",
)


async def data_in_use() -> list[str]:
    """The data items the register holds now, in DATA_ITEMS order."""
    conn = DB.current_connection()
    used = []
    for item in DATA_ITEMS:
        if item == "identity_code":
            if await hetu.enabled():
                used.append(item)
        elif await conn.fetchval(f"SELECT EXISTS ({_IN_USE_SQL[item]})"):
            used.append(item)
    return used


async def content_kinds_in_use() -> list[str]:
    """Kinds of content (deal, meeting, …) some card is linked to, in code order."""
    rows = await DB.current_connection().fetch(
        "SELECT DISTINCT i.kind FROM content_item i JOIN content_link l ON l.item = i.id "
        "ORDER BY i.kind"
    )
    return [r["kind"] for r in rows]


async def sources_in_use() -> list[dict]:
    """Provenance kinds recorded on some card; a purchased list or partner names who."""
    rows = await DB.current_connection().fetch(
        "SELECT source_kind, array_agg(DISTINCT source_detail ORDER BY source_detail) "
        "FILTER (WHERE source_kind IN ('purchased_list', 'partner') AND source_detail <> '') "
        "AS details FROM person_provenance GROUP BY source_kind ORDER BY source_kind"
    )
    return [{"kind": r["source_kind"], "details": list(r["details"] or [])} for r in rows]


async def hold_kinds_in_use() -> list[str]:
    rows = await DB.current_connection().fetch(
        "SELECT DISTINCT reason_kind FROM legal_hold ORDER BY reason_kind"
    )
    return [r["reason_kind"] for r in rows]


def _processor_facts(processor) -> dict:
    return {
        "key": processor.key,
        "name": processor.name,
        "service": processor.service,
        "service_words": list(processor.service_words),
        "country": processor.country,
        "outside_eea": processor.outside_eea,
        "safeguard": processor.safeguard,
        "categories": list(processor.categories),
        "role": processor.role,
        "plugin": processor.plugin,
    }


async def build_content() -> dict:
    """Everything the notice says, from live settings only (see the module docstring)."""
    settings = await notice_settings.load()
    activities = [
        {
            "name": a["name"],
            "purpose": a["purpose"],
            "lawful_basis": a["lawful_basis"],
            "data_categories": a["data_categories"],
            "recipients": a["recipients"],
            "retention": a["retention"],
        }
        for a in await list_activities(active_only=True)
    ]
    processors = sorted(
        (_processor_facts(p) for p in await tenant_processors()),
        key=lambda p: (p["name"].lower(), p["key"]),
    )
    rules = [
        {
            "activity": r["activity_name"] or "",
            "data_category": r["data_category"],
            "trigger": r["trigger"],
            "period_months": r["period_months"],
            "action": r["action"],
        }
        for r in await list_rules(active_only=True)
    ]
    return {
        "tenant": current_tenant().slug,
        "settings": settings,
        "activities": activities,
        "data": await data_in_use(),
        "content_kinds": await content_kinds_in_use(),
        "sources": await sources_in_use(),
        "processors": processors,
        "retention_rules": rules,
        "hold_kinds": await hold_kinds_in_use(),
    }


def sections_of(content: dict) -> list[str]:
    """The sections this notice has (cookies only when declared)."""
    declared = bool(content["settings"].get("cookies", "").strip())
    return [s for s in SECTIONS if s != "cookies" or declared]
