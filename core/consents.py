"""Consents per channel and purpose (DESIGN §5), as an append-only history.

Every give and every withdrawal is a new `consent_event` row; the tenant role cannot UPDATE or
DELETE that table (migration 2026-12-04T14:41:44), so the history can only grow. The current
state of a (channel, purpose) is its latest event. A withdrawal takes effect at once: the next
`core.contact_gate.may_contact` reads it.

Runs inside a tenant scope. Each event says when, how (`method`), by whom (`actor_label`) and
which version of the privacy notice the person was shown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core import audit, newsletter_removals
from core import record_fields as check
from core.customer_data import Subject, check_subject
from core.db import DB
from core.validation import ValidationFailed

CHANNELS = ("email", "sms", "phone", "post")
PURPOSES = ("direct_marketing", "newsletter", "market_research", "events")
# How the consent was given or withdrawn: recorded by staff (by phone, in person), on a paper or
# web form, by the person on their own page, with an import, through the API.
METHODS = ("staff", "form", "self_service", "import", "api")
STAFF_METHODS = ("staff", "form")
NOTICE_VERSION_MAX = 50
EVIDENCE_MAX = 2000


@dataclass
class ConsentInput:
    channel: str
    purpose: str
    given: bool
    method: str = "staff"
    notice_version: str = ""
    evidence: str = ""  # where the proof is: "lomake 12.3.2026, arkistoitu", a message id


def clean_consent(data: ConsentInput, *, methods: tuple[str, ...] = METHODS) -> ConsentInput:
    errors: check.Errors = {}
    cleaned = ConsentInput(
        channel=check.choice(errors, "channel", data.channel, CHANNELS),
        purpose=check.choice(errors, "purpose", data.purpose, PURPOSES),
        given=bool(data.given),
        method=check.choice(errors, "method", data.method, methods),
        notice_version=check.text(
            errors, "notice_version", data.notice_version, max_len=NOTICE_VERSION_MAX
        ),
        evidence=check.text(errors, "evidence", data.evidence, max_len=EVIDENCE_MAX),
    )
    if errors:
        raise ValidationFailed(errors)
    return cleaned


async def record_consent(
    person_id: uuid.UUID,
    data: ConsentInput,
    *,
    actor: audit.Actor,
    methods: tuple[str, ...] = METHODS,
) -> uuid.UUID:
    """Append a give or a withdrawal (audited as consent.give / consent.withdraw)."""
    clean = clean_consent(data, methods=methods)
    await check_subject(Subject.person(person_id))
    event_id = uuid.uuid4()
    # clock_timestamp(): two events in one transaction still come in order.
    await DB.current_connection().execute(
        "INSERT INTO consent_event (id, person, channel, purpose, given, at, method, "
        "actor_label, notice_version, evidence) "
        "VALUES ($1, $2, $3, $4, $5, clock_timestamp(), $6, $7, $8, $9)",
        event_id,
        person_id,
        clean.channel,
        clean.purpose,
        clean.given,
        clean.method,
        actor.label[:320],
        clean.notice_version,
        clean.evidence,
    )
    # A withdrawn e-mail newsletter consent takes the person off the list after commit.
    await newsletter_removals.after_consent(person_id, clean.channel, clean.purpose, clean.given)
    await audit.record(
        "consent.give" if clean.given else "consent.withdraw",
        actor=actor,
        object_kind="person",
        object_id=person_id,
        person_id=person_id,
        detail={
            "record": str(event_id),
            "channel": clean.channel,
            "purpose": clean.purpose,
            "method": clean.method,
        },
    )
    return event_id


async def give_consent(person_id: uuid.UUID, channel: str, purpose: str, **kw) -> uuid.UUID:
    actor = kw.pop("actor")
    return await record_consent(
        person_id, ConsentInput(channel=channel, purpose=purpose, given=True, **kw), actor=actor
    )


async def withdraw_consent(person_id: uuid.UUID, channel: str, purpose: str, **kw) -> uuid.UUID:
    actor = kw.pop("actor")
    return await record_consent(
        person_id, ConsentInput(channel=channel, purpose=purpose, given=False, **kw), actor=actor
    )


_EVENT_COLUMNS = "id, channel, purpose, given, at, method, actor_label, notice_version, evidence"


async def current_consents(person_id: uuid.UUID) -> list[dict]:
    """The latest event of each (channel, purpose) the person has any event for."""
    rows = await DB.current_connection().fetch(
        f"SELECT DISTINCT ON (purpose, channel) {_EVENT_COLUMNS} FROM consent_event "
        f"WHERE person = $1 ORDER BY purpose, channel, at DESC, id",
        person_id,
    )
    order = {(p, c): i for i, (p, c) in enumerate((p, c) for p in PURPOSES for c in CHANNELS)}
    return sorted(
        (dict(r) for r in rows), key=lambda r: order.get((r["purpose"], r["channel"]), 99)
    )


async def consent_state(person_id: uuid.UUID, channel: str, purpose: str) -> bool | None:
    """True given, False withdrawn, None never asked."""
    return await DB.current_connection().fetchval(
        "SELECT given FROM consent_event WHERE person = $1 AND channel = $2 AND purpose = $3 "
        "ORDER BY at DESC, id LIMIT 1",
        person_id,
        channel,
        purpose,
    )


async def consent_history(person_id: uuid.UUID) -> list[dict]:
    """Every event, newest first."""
    rows = await DB.current_connection().fetch(
        f"SELECT {_EVENT_COLUMNS} FROM consent_event WHERE person = $1 ORDER BY at DESC, id",
        person_id,
    )
    return [dict(r) for r in rows]
