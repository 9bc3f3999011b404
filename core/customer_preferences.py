"""Personalisation a customer gave ("prefers Swedish", "calls best after 14") and restrictions
they set ("no phone calls"), kept on the business card.

A restriction is active from the day it was given until it is ended (`ended_on`); the person
page and the card show active ones prominently, so nobody phones a person who said no. Ending
keeps the row as history; deleting removes a mistaken entry.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from core import audit
from core import record_fields as check
from core.customer_data import RecordNotFoundError, Subject, check_subject, remove_record
from core.db import DB
from core.validation import ValidationFailed

KINDS = ("personalisation", "restriction")
RESTRICTION_TOPICS = (
    "no_phone_calls",
    "no_email",
    "no_post",
    "no_visits",
    "no_marketing",
    "other",
)
TOPIC_MAX = 50
VALUE_MAX = 2000
_ACTIVE = "(ended_on IS NULL OR ended_on > current_date)"


@dataclass
class PreferenceInput:
    kind: str
    topic: str
    value: str = ""
    given_on: dt.date | str | None = None  # empty: today


def clean_preference(data: PreferenceInput) -> PreferenceInput:
    errors: check.Errors = {}
    kind = check.choice(errors, "kind", data.kind, KINDS)
    if kind == "restriction":
        topic = check.choice(errors, "topic", data.topic, RESTRICTION_TOPICS)
        # "Other" says nothing by itself: the customer's own words are needed.
        value = check.text(
            errors, "value", data.value, max_len=VALUE_MAX, required=topic == "other"
        )
    else:
        topic = check.text(errors, "topic", data.topic, max_len=TOPIC_MAX, required=True)
        value = check.text(errors, "value", data.value, max_len=VALUE_MAX, required=True)
    cleaned = PreferenceInput(
        kind=kind, topic=topic, value=value, given_on=check.day(errors, "given_on", data.given_on)
    )
    if errors:
        raise ValidationFailed(errors)
    return cleaned


async def add_preference(
    person_id: uuid.UUID, data: PreferenceInput, *, actor: audit.Actor
) -> uuid.UUID:
    clean = clean_preference(data)
    subject = Subject.person(person_id)
    await check_subject(subject)
    preference_id = uuid.uuid4()
    await DB.current_connection().execute(
        "INSERT INTO customer_preference (id, person, kind, topic, value, given_on, "
        "recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())",
        preference_id,
        person_id,
        clean.kind,
        clean.topic,
        clean.value,
        clean.given_on,
        actor.label,
    )
    detail = {"record": str(preference_id), "kind": clean.kind}
    if clean.kind == "restriction":
        detail["topic"] = clean.topic  # a code, not the customer's words
    await audit.record(
        "preference.add", actor=actor, object_kind="person", object_id=person_id, detail=detail
    )
    return preference_id


async def list_preferences(person_id: uuid.UUID) -> list[dict]:
    """Active ones first (restrictions before personalisation), then ended ones, newest first."""
    rows = await DB.current_connection().fetch(
        f"SELECT id, kind, topic, value, given_on, ended_on, recorded_by, created_at, "
        f"{_ACTIVE} AS active FROM customer_preference WHERE person = $1 "
        f"ORDER BY {_ACTIVE} DESC, kind DESC, given_on DESC NULLS LAST, created_at DESC",
        person_id,
    )
    return [dict(r) for r in rows]


async def active_restrictions(person_id: uuid.UUID) -> list[dict]:
    """The restrictions in force today, for the badges on the card."""
    rows = await DB.current_connection().fetch(
        f"SELECT id, topic, value, given_on FROM customer_preference "
        f"WHERE person = $1 AND kind = 'restriction' AND {_ACTIVE} ORDER BY topic, given_on",
        person_id,
    )
    return [dict(r) for r in rows]


async def restriction_topics_of(person_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Active restriction topics per card, for lists of many cards (one query)."""
    rows = await DB.current_connection().fetch(
        f"SELECT person, array_agg(DISTINCT topic ORDER BY topic) AS topics "
        f"FROM customer_preference WHERE person = ANY($1::uuid[]) AND kind = 'restriction' "
        f"AND {_ACTIVE} GROUP BY person",
        person_ids,
    )
    return {r["person"]: list(r["topics"]) for r in rows}


async def end_preference(
    person_id: uuid.UUID,
    preference_id: uuid.UUID,
    *,
    actor: audit.Actor,
    on: dt.date | None = None,
) -> None:
    """The customer lifted it (or it no longer applies) from `on` (today) on; kept as history."""
    ended = await DB.current_connection().fetchval(
        f"UPDATE customer_preference SET ended_on = coalesce($3, current_date) "
        f"WHERE id = $1 AND person = $2 AND {_ACTIVE} RETURNING id",
        preference_id,
        person_id,
        on,
    )
    if ended is None:
        raise RecordNotFoundError(str(preference_id))
    await audit.record(
        "preference.end",
        actor=actor,
        object_kind="person",
        object_id=person_id,
        detail={"record": str(preference_id)},
    )


async def delete_preference(
    person_id: uuid.UUID, preference_id: uuid.UUID, *, actor: audit.Actor
) -> None:
    await remove_record(
        "customer_preference",
        Subject.person(person_id),
        preference_id,
        action="preference.delete",
        actor=actor,
    )
