"""What the register holds about one person, gathered for an access or portability copy
(GDPR Art. 15 and 20; DESIGN §5). `gather` returns plain rows per category; the files are made
by `core.access_bundle_files` and the job by `core.access_bundle_build`.

Rules of what goes in:
- Everything whose row points at the person: card (names, e-mails, phones, title, keywords,
  description), organization and employment history, contact history, feedback, preferences
  and restrictions they gave, comments on their card, consents and objections with their full
  histories, lawful bases, provenance, field change history, their data-subject requests, the
  transfer log's recipients, the card's attachments (files included in the zip).
- Content items linked to the card, except private ones (a private item's title is shown only
  to its participants and admins), unless the person's own account is a participant of it.
  Of an item: kind, title, status, dates and the person's own role — never the other persons
  linked to it, its description or kind-specific details (those are about other people too).
- When and why their data was read: audit events naming them (person_id) and read events
  listing them among the cards shown: time, action, purpose, actor kind and role (user
  accounts by role only; no staff names or e-mails).
- The personal identity code only masked (date part); the full code is never written to a
  file that leaves the register, nor to logs.
Nothing about any other person: no other card's name, no co-participants.
"""

from __future__ import annotations

import uuid
from typing import Any

from core import hetu
from core.db import DB

# The order of the categories in every file (JSON keys, CSV files, HTML sections).
CATEGORIES = (
    "card",
    "employment",
    "content_items",
    "contact_history",
    "feedback",
    "preferences",
    "comments",
    "consents",
    "objections",
    "lawful_bases",
    "provenance",
    "field_changes",
    "requests",
    "reads",
    "recipients",
    "attachments",
)

_CARD = """
SELECT p.id, p.first_name, p.last_name, p.title, p.keywords, p.description,
       o.name AS organization, o.business_id AS organization_business_id,
       p.left_organization_on, p.restricted_at, p.relationship_ended_on, p.created_at,
       p.updated_at,
       coalesce((SELECT array_agg(e.email ORDER BY e.position, e.email) FROM person_email e
                 WHERE e.person = p.id), '{}') AS emails,
       coalesce((SELECT array_agg(f.phone_e164 ORDER BY f.position, f.phone_e164)
                 FROM person_phone f WHERE f.person = p.id), '{}') AS phones
FROM person p LEFT JOIN organization o ON o.id = p.organization WHERE p.id = $1
"""

# Category -> (query, columns kept). Every query takes the person's id as $1.
_QUERIES: dict[str, str] = {
    "employment": """
        SELECT o.name AS organization, o.business_id, m.title, m.started_on, m.ended_on,
               m.current
        FROM employment m JOIN organization o ON o.id = m.organization
        WHERE m.person = $1 ORDER BY m.started_on NULLS FIRST, m.id""",
    "content_items": """
        SELECT i.kind, i.title, i.status, i.stage, i.starts_on, i.ends_on, l.role,
               l.created_at AS linked_at
        FROM content_link l JOIN content_item i ON i.id = l.item
        WHERE l.person = $1 AND (NOT i.private OR EXISTS (
            SELECT 1 FROM content_participant cp JOIN app_user u ON u.id = cp.app_user
            WHERE cp.item = i.id AND u.person = $1))
        ORDER BY i.starts_on NULLS LAST, i.created_at, l.id""",
    "contact_history": """
        SELECT happened_at, channel, direction, summary FROM contact_event
        WHERE person = $1 ORDER BY happened_at, id""",
    "feedback": """
        SELECT received_on, kind, score, comment, created_at FROM customer_feedback
        WHERE person = $1 ORDER BY created_at, id""",
    "preferences": """
        SELECT kind, topic, value, given_on, ended_on FROM customer_preference
        WHERE person = $1 ORDER BY created_at, id""",
    "comments": """
        SELECT created_at, body FROM comment WHERE person = $1 ORDER BY created_at, id""",
    "consents": """
        SELECT at, channel, purpose, given, method, notice_version FROM consent_event
        WHERE person = $1 ORDER BY at, id""",
    "objections": """
        SELECT at, kind, channel, active, method, note FROM objection_event
        WHERE person = $1 ORDER BY at, id""",
    "lawful_bases": """
        SELECT a.name AS activity, a.purpose, b.basis, b.since, b.source, b.ended_on
        FROM person_lawful_basis b JOIN processing_activity a ON a.id = b.activity
        WHERE b.person = $1 ORDER BY b.since NULLS FIRST, b.created_at, b.id""",
    "provenance": """
        SELECT recorded_at, source_kind, source_detail, field FROM person_provenance
        WHERE person = $1 ORDER BY recorded_at, id""",
    "field_changes": """
        SELECT at, field, old_value, new_value, 'register' AS source FROM field_change
        WHERE person = $1
        UNION ALL
        SELECT changed_at, field, old_value, new_value, 'self_service' FROM rectification
        WHERE person = $1 ORDER BY 1, 2""",
    "requests": """
        SELECT kind, status, channel, received_at, due_on, extended_until, extension_reason,
               verified_at, completed_at, refusal_reason
        FROM data_subject_request WHERE person_id = $1 ORDER BY received_at, id""",
    "reads": """
        SELECT e.at, e.action, e.purpose, e.actor_kind, u.role AS actor_role,
               e.detail ->> 'via' AS via
        FROM audit_event e
        LEFT JOIN app_user u ON e.actor_kind = 'user' AND u.id::text = e.actor_id
        WHERE e.person_id = $1
           OR (e.action = 'person.read' AND e.detail -> 'persons' ? ($1::uuid)::text)
        ORDER BY e.at, e.seq""",
    "recipients": """
        SELECT at, processor, recipient, country, outside_eea, safeguard, purpose, categories
        FROM transfer WHERE person_id = $1 ORDER BY at, id""",
    "attachments": """
        SELECT id, filename, content_type, size_bytes, sha256, uploaded_at, object_key
        FROM attachment WHERE person = $1 AND status <> 'rejected'
        ORDER BY uploaded_at, id""",
}


class PersonGoneError(LookupError):
    """The card no longer exists (erased or merged away)."""


async def gather(person_id: uuid.UUID) -> dict[str, Any]:
    """Every category of the person's data: {"card": {...}, "<category>": [rows…]}.

    Runs in the caller's tenant transaction, one query after another."""
    conn = DB.current_connection()
    card = await conn.fetchrow(_CARD, person_id)
    if card is None:
        raise PersonGoneError(str(person_id))
    found: dict[str, Any] = {"card": dict(card)}
    found["card"]["personal_identity_code"] = await hetu.masked(person_id) or ""
    for category in CATEGORIES[1:]:
        rows = await conn.fetch(_QUERIES[category], person_id)
        found[category] = [dict(r) for r in rows]
    return found
