"""Customer data that accrues on a business card or an organization (DESIGN §4, issue 5 item 5):
contact history and feedback, satisfaction answers included.

The rest of it lives next door: personalisation and restrictions in `core.customer_preferences`,
comments in `core.comments`, orders and payments in `core.organization_orders`, inbound seller
contacts in `core.seller_contacts`, the person page's timeline in `core.person_timeline`.

Runs inside a tenant scope. A write checks every field at once (one ValidationFailed naming each
field with a code), stores who did it (`recorded_by`: the acting user's label) and appends an
audit event in the same transaction. Audit details hold ids and codes, never the free text: the
text is personal data and the audit outlives it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from core import audit
from core import record_fields as check
from core.db import DB
from core.validation import ValidationFailed

CHANNELS = ("phone", "email", "meeting", "visit", "chat", "letter", "social", "other")
DIRECTIONS = ("inbound", "outbound")
FEEDBACK_KINDS = ("feedback", "satisfaction")
SCORE_MIN, SCORE_MAX = 0, 10
SUMMARY_MAX = 5000
COMMENT_MAX = 5000
LIST_LIMIT = 200
SUBJECT_KINDS = ("person", "organization")


class SubjectNotFoundError(LookupError):
    """No such card (or a merged-away one) or organization in this tenant."""


class RecordNotFoundError(LookupError):
    """No such record on this card or organization."""


@dataclass(frozen=True)
class Subject:
    """Whom a record is about: a business card or an organization (the column's name)."""

    kind: str
    id: uuid.UUID

    def __post_init__(self) -> None:
        # The kind becomes a column name in SQL: only these two ever get there.
        if self.kind not in SUBJECT_KINDS:
            raise ValueError(f"a subject is a person or an organization, not {self.kind!r}")

    @classmethod
    def person(cls, person_id: uuid.UUID) -> Subject:
        return cls("person", person_id)

    @classmethod
    def organization(cls, org_id: uuid.UUID) -> Subject:
        return cls("organization", org_id)


async def check_subject(subject: Subject) -> None:
    conn = DB.current_connection()
    if subject.kind == "person":
        found = await conn.fetchval(
            "SELECT 1 FROM person WHERE id = $1 AND merged_into IS NULL", subject.id
        )
    else:
        found = await conn.fetchval("SELECT 1 FROM organization WHERE id = $1", subject.id)
    if not found:
        raise SubjectNotFoundError(f"{subject.kind} {subject.id}")


async def remove_record(
    table: str, subject: Subject, record_id: uuid.UUID, *, action: str, actor: audit.Actor
) -> None:
    """Delete one record of `subject` from `table` (a name from this package, never input)."""
    deleted = await DB.current_connection().fetchval(
        f"DELETE FROM {table} WHERE id = $1 AND {subject.kind} = $2 RETURNING id",
        record_id,
        subject.id,
    )
    if deleted is None:
        raise RecordNotFoundError(str(record_id))
    await audit.record(
        action,
        actor=actor,
        object_kind=subject.kind,
        object_id=subject.id,
        detail={"record": str(record_id)},
    )


# --- contact history -------------------------------------------------------------------------


@dataclass
class ContactInput:
    channel: str
    direction: str
    summary: str
    happened_at: dt.datetime | str | None = None  # empty: now


def clean_contact(data: ContactInput) -> ContactInput:
    errors: check.Errors = {}
    cleaned = ContactInput(
        channel=check.choice(errors, "channel", data.channel, CHANNELS),
        direction=check.choice(errors, "direction", data.direction, DIRECTIONS),
        summary=check.text(errors, "summary", data.summary, max_len=SUMMARY_MAX, required=True),
        happened_at=check.moment(errors, "happened_at", data.happened_at),
    )
    if errors:
        raise ValidationFailed(errors)
    return cleaned


async def add_contact_event(
    subject: Subject, data: ContactInput, *, actor: audit.Actor
) -> uuid.UUID:
    clean = clean_contact(data)
    await check_subject(subject)
    event_id = uuid.uuid4()
    await DB.current_connection().execute(
        f"INSERT INTO contact_event (id, {subject.kind}, channel, direction, happened_at, "
        f"summary, recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())",
        event_id,
        subject.id,
        clean.channel,
        clean.direction,
        clean.happened_at,
        clean.summary,
        actor.label,
    )
    await audit.record(
        "contact_event.add",
        actor=actor,
        object_kind=subject.kind,
        object_id=subject.id,
        detail={"record": str(event_id), "channel": clean.channel, "direction": clean.direction},
    )
    return event_id


async def list_contact_events(subject: Subject, *, limit: int = LIST_LIMIT) -> list[dict]:
    """Newest first. Each record stays where it was written: an organization's list holds the
    organization's own events, not those of its people."""
    rows = await DB.current_connection().fetch(
        f"SELECT id, channel, direction, happened_at, summary, recorded_by, created_at "
        f"FROM contact_event WHERE {subject.kind} = $1 "
        f"ORDER BY happened_at DESC, created_at DESC, id LIMIT $2",
        subject.id,
        limit,
    )
    return [dict(r) for r in rows]


async def delete_contact_event(
    subject: Subject, event_id: uuid.UUID, *, actor: audit.Actor
) -> None:
    await remove_record(
        "contact_event", subject, event_id, action="contact_event.delete", actor=actor
    )


# --- feedback and satisfaction answers -------------------------------------------------------


@dataclass
class FeedbackInput:
    kind: str
    comment: str = ""
    score: int | str | None = None  # 0–10, required for (and only for) a satisfaction answer
    received_on: dt.date | str | None = None  # empty: today


def _score(errors: check.Errors, kind: str, raw: int | str | None) -> int | None:
    typed = "" if raw is None else str(raw).strip()
    if kind != "satisfaction":
        if typed:
            errors["score"] = ("not_for_feedback", "only a satisfaction answer has a score")
        return None
    if not typed:
        errors["score"] = ("required", "a satisfaction answer needs a score 0–10")
        return None
    try:
        score = int(typed)
    except ValueError:
        errors["score"] = ("invalid", f"{typed!r} is not a whole number 0–10")
        return None
    if not SCORE_MIN <= score <= SCORE_MAX:
        errors["score"] = ("out_of_range", "the score is 0–10")
        return None
    return score


def clean_feedback(data: FeedbackInput) -> FeedbackInput:
    errors: check.Errors = {}
    kind = check.choice(errors, "kind", data.kind, FEEDBACK_KINDS)
    cleaned = FeedbackInput(
        kind=kind,
        score=_score(errors, kind, data.score),
        # Feedback is its text; a satisfaction answer may be a bare score.
        comment=check.text(
            errors, "comment", data.comment, max_len=COMMENT_MAX, required=kind == "feedback"
        ),
        received_on=check.day(errors, "received_on", data.received_on),
    )
    if errors:
        raise ValidationFailed(errors)
    return cleaned


async def add_feedback(subject: Subject, data: FeedbackInput, *, actor: audit.Actor) -> uuid.UUID:
    clean = clean_feedback(data)
    await check_subject(subject)
    feedback_id = uuid.uuid4()
    await DB.current_connection().execute(
        f"INSERT INTO customer_feedback (id, {subject.kind}, kind, score, comment, received_on, "
        f"recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())",
        feedback_id,
        subject.id,
        clean.kind,
        clean.score,
        clean.comment,
        clean.received_on,
        actor.label,
    )
    await audit.record(
        "feedback.add",
        actor=actor,
        object_kind=subject.kind,
        object_id=subject.id,
        detail={"record": str(feedback_id), "kind": clean.kind},
    )
    return feedback_id


async def list_feedback(subject: Subject, *, limit: int = LIST_LIMIT) -> list[dict]:
    rows = await DB.current_connection().fetch(
        f"SELECT id, kind, score, comment, received_on, recorded_by, created_at "
        f"FROM customer_feedback WHERE {subject.kind} = $1 "
        f"ORDER BY received_on DESC NULLS LAST, created_at DESC, id LIMIT $2",
        subject.id,
        limit,
    )
    return [dict(r) for r in rows]


async def satisfaction_summary(subject: Subject) -> dict:
    """How many satisfaction answers and their average score (None when there are none)."""
    row = await DB.current_connection().fetchrow(
        f"SELECT count(score) AS answers, avg(score) AS average FROM customer_feedback "
        f"WHERE {subject.kind} = $1 AND kind = 'satisfaction'",
        subject.id,
    )
    return {"answers": row["answers"], "average": row["average"]}


async def delete_feedback(subject: Subject, feedback_id: uuid.UUID, *, actor: audit.Actor) -> None:
    await remove_record(
        "customer_feedback", subject, feedback_id, action="feedback.delete", actor=actor
    )
