"""Where a person's data came from (DESIGN §5): the card as a whole (`field` empty) or one of
its fields. The write paths record it themselves — a card created by staff on the pages or
through the API ('staff'), by a CSV import ('import', with the import's id), fields the person
corrected on their own page ('self_form') — and staff add what the system cannot know: a
purchased list (the vendor's name required), a public-register update, a partner.

Runs inside a tenant scope. Rows are kept as history (never edited here).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from core import audit
from core import record_fields as check
from core.customer_data import Subject, check_subject
from core.db import DB
from core.validation import ValidationFailed

SOURCE_KINDS = (
    "staff",
    "self_form",
    "self_registration",
    "import",
    "purchased_list",
    "public_register",
    "partner",
)
# What staff may record by hand; the others are written by the paths that create the data.
STAFF_KINDS = ("purchased_list", "public_register", "partner")
# Kinds that mean nothing without saying who: the vendor of the list, the partner.
DETAIL_REQUIRED = ("purchased_list", "partner")
# Fields a provenance row may name (the card's own fields).
FIELDS = (
    "first_name",
    "last_name",
    "emails",
    "phones",
    "title",
    "organization_id",
    "keywords",
    "description",
)
DETAIL_MAX = 300


@dataclass
class ProvenanceInput:
    source_kind: str
    source_detail: str = ""
    field: str = ""  # empty: the card as a whole


async def record_origin(
    person_id: uuid.UUID,
    source_kind: str,
    *,
    detail: str = "",
    fields: Iterable[str] = (),
    by: str = "",
) -> None:
    """Called by the write paths: one row for the card, plus one per field named in `fields`."""
    if source_kind not in SOURCE_KINDS:
        raise ValueError(f"unknown source kind {source_kind!r}")
    named = [f for f in dict.fromkeys(fields) if f in FIELDS]
    await DB.current_connection().executemany(
        "INSERT INTO person_provenance (id, person, source_kind, source_detail, field, "
        "recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, clock_timestamp(), $6)",
        [
            (uuid.uuid4(), person_id, source_kind, detail[:DETAIL_MAX], field, by[:200])
            for field in [""] + named
        ],
    )


async def record_fields(
    person_id: uuid.UUID, source_kind: str, fields: Iterable[str], *, detail: str = "", by: str = ""
) -> None:
    """Only fields (no card row): a person corrected some of their own fields, say."""
    named = [f for f in dict.fromkeys(fields) if f in FIELDS]
    await DB.current_connection().executemany(
        "INSERT INTO person_provenance (id, person, source_kind, source_detail, field, "
        "recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, clock_timestamp(), $6)",
        [(uuid.uuid4(), person_id, source_kind, detail[:DETAIL_MAX], f, by[:200]) for f in named],
    )


async def add_provenance(
    person_id: uuid.UUID, data: ProvenanceInput, *, actor: audit.Actor
) -> uuid.UUID:
    """Staff record a source: purchased list (vendor required), public register, partner."""
    errors: check.Errors = {}
    kind = check.choice(errors, "source_kind", data.source_kind, STAFF_KINDS)
    detail = check.text(
        errors,
        "source_detail",
        data.source_detail,
        max_len=DETAIL_MAX,
        required=kind in DETAIL_REQUIRED,
    )
    field = (data.field or "").strip()
    if field and field not in FIELDS:
        errors["field"] = ("invalid", f"{field!r} is not a field of the card")
    if errors:
        raise ValidationFailed(errors)
    await check_subject(Subject.person(person_id))
    row_id = uuid.uuid4()
    await DB.current_connection().execute(
        "INSERT INTO person_provenance (id, person, source_kind, source_detail, field, "
        "recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, clock_timestamp(), $6)",
        row_id,
        person_id,
        kind,
        detail,
        field,
        actor.label[:200],
    )
    await audit.record(
        "provenance.add",
        actor=actor,
        object_kind="person",
        object_id=person_id,
        person_id=person_id,
        detail={"record": str(row_id), "source_kind": kind, "field": field},
    )
    return row_id


async def list_provenance(person_id: uuid.UUID) -> list[dict]:
    """Every row, newest first (the card's own rows before field rows of the same moment)."""
    rows = await DB.current_connection().fetch(
        "SELECT id, source_kind, source_detail, field, recorded_at, recorded_by "
        "FROM person_provenance WHERE person = $1 ORDER BY recorded_at DESC, field, id",
        person_id,
    )
    return [dict(r) for r in rows]


async def card_sources(person_id: uuid.UUID) -> list[dict]:
    """Where the card as a whole came from, newest first (the person page's summary)."""
    return [r for r in await list_provenance(person_id) if not r["field"]]
