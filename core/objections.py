"""Objections (GDPR Art. 21; kielto-oikeus): direct marketing per channel or in every channel,
market research and opinion polls, publication in lists and mailing labels, profiling.

Append-only like consents (the tenant role cannot UPDATE or DELETE `objection_event`): making an
objection and lifting it are both new rows, and the latest row of a (kind, channel) holds. An
objection is effective immediately everywhere: `core.contact_gate.may_contact` reads it.

Runs inside a tenant scope.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core import audit, newsletter_removals
from core import record_fields as check
from core.consents import CHANNELS, METHODS
from core.customer_data import Subject, check_subject
from core.db import DB
from core.validation import ValidationFailed

KINDS = ("direct_marketing", "market_research", "publication", "profiling")
ALL_CHANNELS = ""  # a direct-marketing objection without a channel covers every one
NOTE_MAX = 2000


@dataclass
class ObjectionInput:
    kind: str
    channel: str = ALL_CHANNELS  # only for direct_marketing
    active: bool = True  # False: the person lifts an objection they made
    method: str = "staff"
    note: str = ""


def clean_objection(data: ObjectionInput, *, methods: tuple[str, ...] = METHODS) -> ObjectionInput:
    errors: check.Errors = {}
    kind = check.choice(errors, "kind", data.kind, KINDS)
    channel = (data.channel or "").strip()
    if kind != "direct_marketing":
        channel = ALL_CHANNELS
    elif channel and channel not in CHANNELS:
        errors["channel"] = ("invalid", f"{channel!r} is not one of {', '.join(CHANNELS)}")
    cleaned = ObjectionInput(
        kind=kind,
        channel=channel,
        active=bool(data.active),
        method=check.choice(errors, "method", data.method, methods),
        note=check.text(errors, "note", data.note, max_len=NOTE_MAX),
    )
    if errors:
        raise ValidationFailed(errors)
    return cleaned


async def record_objection(
    person_id: uuid.UUID,
    data: ObjectionInput,
    *,
    actor: audit.Actor,
    methods: tuple[str, ...] = METHODS,
) -> uuid.UUID:
    """Append an objection made or lifted (audited as objection.make / objection.lift)."""
    clean = clean_objection(data, methods=methods)
    await check_subject(Subject.person(person_id))
    event_id = uuid.uuid4()
    await DB.current_connection().execute(
        "INSERT INTO objection_event (id, person, kind, channel, active, at, method, "
        "actor_label, note) VALUES ($1, $2, $3, $4, $5, clock_timestamp(), $6, $7, $8)",
        event_id,
        person_id,
        clean.kind,
        clean.channel,
        clean.active,
        clean.method,
        actor.label[:320],
        clean.note,
    )
    await newsletter_removals.after_objection(person_id, clean.kind, clean.channel, clean.active)
    await audit.record(
        "objection.make" if clean.active else "objection.lift",
        actor=actor,
        object_kind="person",
        object_id=person_id,
        person_id=person_id,
        detail={
            "record": str(event_id),
            "kind": clean.kind,
            "channel": clean.channel or "all",
            "method": clean.method,
        },
    )
    return event_id


async def object_to(person_id: uuid.UUID, kind: str, channel: str = "", **kw) -> uuid.UUID:
    actor = kw.pop("actor")
    return await record_objection(
        person_id, ObjectionInput(kind=kind, channel=channel, active=True, **kw), actor=actor
    )


async def lift_objection(person_id: uuid.UUID, kind: str, channel: str = "", **kw) -> uuid.UUID:
    actor = kw.pop("actor")
    return await record_objection(
        person_id, ObjectionInput(kind=kind, channel=channel, active=False, **kw), actor=actor
    )


_COLUMNS = "id, kind, channel, active, at, method, actor_label, note"


async def active_objections(person_id: uuid.UUID) -> list[dict]:
    """The objections in force: the latest event of each (kind, channel) that is active."""
    rows = await DB.current_connection().fetch(
        f"SELECT * FROM (SELECT DISTINCT ON (kind, channel) {_COLUMNS} FROM objection_event "
        f"WHERE person = $1 ORDER BY kind, channel, at DESC, id) latest WHERE active",
        person_id,
    )
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted((dict(r) for r in rows), key=lambda r: (order.get(r["kind"], 99), r["channel"]))


async def objection_history(person_id: uuid.UUID) -> list[dict]:
    """Every objection made or lifted, newest first."""
    rows = await DB.current_connection().fetch(
        f"SELECT {_COLUMNS} FROM objection_event WHERE person = $1 ORDER BY at DESC, id",
        person_id,
    )
    return [dict(r) for r in rows]
