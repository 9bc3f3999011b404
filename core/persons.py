"""Business cards (persons): validation, create, update, leaving an organization, reading.

Runs inside a tenant scope. Every write keeps the derived columns (search and sort forms,
normalised e-mails and phones) in step, and returns the field changes (old → new) so the
audit can record them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from core import newsletter_removals
from core.change_history import record_changes
from core.db import DB
from core.restriction import ensure_not_restricted
from core.suppression import find_suppressed
from core.text import search_form, sort_key
from core.validation import ValidationFailed, normalise_email, normalise_phone

NAME_MAX = 100
TITLE_MAX = 200
KEYWORD_MAX = 100
MAX_CONTACTS = 10


class PersonNotFoundError(LookupError):
    """No such card in this tenant."""


class PersonMergedError(LookupError):
    """The card was merged into another; `survivor_id` is where it lives now."""

    def __init__(self, survivor_id: uuid.UUID) -> None:
        super().__init__(f"merged into {survivor_id}")
        self.survivor_id = survivor_id


@dataclass
class PersonInput:
    first_name: str
    last_name: str
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    title: str = ""
    organization_id: uuid.UUID | None = None
    keywords: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class CleanPerson:
    first_name: str
    last_name: str
    emails: list[tuple[str, str]]  # (as written, normalised)
    phones: list[str]  # E.164
    title: str
    organization_id: uuid.UUID | None
    keywords: list[str]
    description: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def split_list(value: str | list[str] | None) -> list[str]:
    """Form fields give 'a, b\\nc'; the API gives lists. Both become a clean list."""
    if value is None:
        return []
    items = value if isinstance(value, list) else value.replace("\n", ",").split(",")
    return [item.strip() for item in items if item and item.strip()]


def clean_person(data: PersonInput) -> CleanPerson:
    """Validate everything at once so the user sees every mistake in one go."""
    errors: dict[str, tuple[str, str]] = {}
    first, last = (data.first_name or "").strip(), (data.last_name or "").strip()
    for name, value, label in (("first_name", first, "first"), ("last_name", last, "last")):
        if not value:
            errors[name] = ("required", f"the {label} name is required")
        elif len(value) > NAME_MAX:
            errors[name] = ("too_long", f"the {label} name may be at most {NAME_MAX} characters")
    emails: list[tuple[str, str]] = []
    for raw in split_list(data.emails)[:MAX_CONTACTS]:
        try:
            pair = normalise_email(raw)
        except ValidationFailed as exc:
            errors.setdefault("emails", exc.errors["emails"])
            continue
        if pair[1] not in {e[1] for e in emails}:
            emails.append(pair)
    phones: list[str] = []
    for raw in split_list(data.phones)[:MAX_CONTACTS]:
        try:
            phone = normalise_phone(raw)
        except ValidationFailed as exc:
            errors.setdefault("phones", exc.errors["phones"])
            continue
        if phone not in phones:
            phones.append(phone)
    title = (data.title or "").strip()
    if len(title) > TITLE_MAX:
        errors["title"] = ("too_long", f"the title may be at most {TITLE_MAX} characters")
    keywords = []
    for keyword in split_list(data.keywords):
        if len(keyword) > KEYWORD_MAX:
            errors["keywords"] = ("too_long", f"a keyword may be at most {KEYWORD_MAX} characters")
        elif keyword.casefold() not in {k.casefold() for k in keywords}:
            keywords.append(keyword)
    if errors:
        raise ValidationFailed(errors)
    return CleanPerson(
        first_name=first,
        last_name=last,
        emails=emails,
        phones=phones,
        title=title,
        organization_id=data.organization_id,
        keywords=keywords,
        description=(data.description or "").strip(),
    )


def _card_columns(card: CleanPerson) -> tuple:
    """Values for the columns $2–$9 of the INSERT and UPDATE of a card, derived ones included."""
    return (
        card.first_name,
        card.last_name,
        card.title,
        card.organization_id,
        card.keywords,
        card.description,
        search_form(card.full_name),
        sort_key(f"{card.last_name} {card.first_name}"),
    )


async def _check_organization(org_id: uuid.UUID | None) -> None:
    if org_id is None:
        return
    conn = DB.current_connection()
    if not await conn.fetchval("SELECT 1 FROM organization WHERE id = $1", org_id):
        raise ValidationFailed({"organization_id": ("unknown", "no such organization")})


async def _write_contacts(person_id: uuid.UUID, card: CleanPerson) -> None:
    conn = DB.current_connection()
    await conn.execute("DELETE FROM person_email WHERE person = $1", person_id)
    await conn.execute("DELETE FROM person_phone WHERE person = $1", person_id)
    await conn.executemany(
        "INSERT INTO person_email (id, person, email, email_normalised, position) "
        "VALUES ($1, $2, $3, $4, $5)",
        [(uuid.uuid4(), person_id, e, n, i) for i, (e, n) in enumerate(card.emails)],
    )
    await conn.executemany(
        "INSERT INTO person_phone (id, person, phone_e164, position) VALUES ($1, $2, $3, $4)",
        [(uuid.uuid4(), person_id, p, i) for i, p in enumerate(card.phones)],
    )


async def create_person(
    data: PersonInput, *, actor: str = "", suppression_override: bool = False
) -> uuid.UUID:
    """A new card. An e-mail or phone of an erased person (core.suppression) is refused with
    ValidationFailed code "suppressed" unless the caller overrides it (with a written reason
    that the caller audits)."""
    card = clean_person(data)
    if not suppression_override:
        await _check_suppression(card)
    await _check_organization(card.organization_id)
    person_id = uuid.uuid4()
    conn = DB.current_connection()
    await conn.execute(
        "INSERT INTO person (id, first_name, last_name, title, organization, keywords, "
        "description, search_name, sort_key, created_at, created_by, updated_at, updated_by) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), $10, now(), $10)",
        person_id,
        *_card_columns(card),
        actor,
    )
    await _write_contacts(person_id, card)
    if card.organization_id:
        await _start_employment(person_id, card.organization_id, card.title)
    return person_id


async def _check_suppression(card: CleanPerson, before: dict | None = None) -> None:
    """Refuse an erased person's e-mail or phone; on an edit only the ones being added."""
    emails = [n for shown, n in card.emails if not before or shown not in before["emails"]]
    phones = [p for p in card.phones if not before or p not in before["phones"]]
    hits = await find_suppressed(emails, phones)
    errors = {
        f"{hit['kind']}s": ("suppressed", f"{hit['value']} belongs to an erased person")
        for hit in hits
    }
    if errors:
        raise ValidationFailed(errors)


async def _start_employment(person_id: uuid.UUID, org_id: uuid.UUID, title: str) -> None:
    await DB.current_connection().execute(
        "INSERT INTO employment (id, person, organization, title, started_on, current) "
        "VALUES ($1, $2, $3, $4, current_date, true)",
        uuid.uuid4(),
        person_id,
        org_id,
        title,
    )


async def _end_employment(person_id: uuid.UUID, on: date | None = None) -> None:
    await DB.current_connection().execute(
        "UPDATE employment SET ended_on = coalesce($2, current_date), current = false "
        "WHERE person = $1 AND current",
        person_id,
        on,
    )


async def update_person(
    person_id: uuid.UUID,
    data: PersonInput,
    *,
    actor: str = "",
    rectification: bool = False,
    suppression_override: bool = False,
) -> dict[str, tuple]:
    """Save a card; returns {field: (old, new)} for what changed. Refused while the card is
    restricted (core.restriction.ProcessingRestricted), unless it is the person's own
    `rectification` (Art. 16: correcting contested data is how a restriction usually ends).
    An added e-mail or phone of an erased person is refused as in create_person."""
    if not rectification:
        await ensure_not_restricted(person_id, "edit")
    card = clean_person(data)
    await _check_organization(card.organization_id)
    before = await get_person(person_id)
    if not suppression_override:
        await _check_suppression(card, before)
    conn = DB.current_connection()
    await conn.execute(
        "UPDATE person SET first_name = $2, last_name = $3, title = $4, organization = $5, "
        "keywords = $6, description = $7, search_name = $8, sort_key = $9, updated_at = now(), "
        "updated_by = $10 WHERE id = $1",
        person_id,
        *_card_columns(card),
        actor,
    )
    await _write_contacts(person_id, card)
    if before["organization_id"] != card.organization_id:
        # Moving keeps the old employment as history and starts a new one.
        await _end_employment(person_id)
        if card.organization_id:
            await _start_employment(person_id, card.organization_id, card.title)
            await conn.execute(
                "UPDATE person SET left_organization_on = NULL WHERE id = $1", person_id
            )
    after = {
        "first_name": card.first_name,
        "last_name": card.last_name,
        "title": card.title,
        "organization_id": card.organization_id,
        "keywords": card.keywords,
        "description": card.description,
        "emails": [e for e, _ in card.emails],
        "phones": card.phones,
    }
    changes = {k: (before[k], v) for k, v in after.items() if before[k] != v}
    await record_changes(person_id, changes, actor_label=actor)
    if before["emails"][:1] != after["emails"][:1]:  # the newsletter writes to the first one
        await newsletter_removals.after_address_change(person_id)
    return changes


async def mark_left(person_id: uuid.UUID, on: date, *, actor: str = "") -> None:
    """The person left their organization: hidden from search and lists, history kept."""
    before = await get_person(person_id)
    await ensure_not_restricted(person_id, "edit")
    await DB.current_connection().execute(
        "UPDATE person SET left_organization_on = $2, updated_at = now(), updated_by = $3 "
        "WHERE id = $1",
        person_id,
        on,
        actor,
    )
    await _end_employment(person_id, on)
    await record_changes(
        person_id, {"left_organization_on": (before["left_organization_on"], on)}, actor_label=actor
    )


async def get_person(person_id: uuid.UUID) -> dict:
    """The card with its contacts, organization and employment history."""
    conn = DB.current_connection()
    row = await conn.fetchrow(
        "SELECT p.*, o.name AS organization_name FROM person p "
        "LEFT JOIN organization o ON o.id = p.organization WHERE p.id = $1",
        person_id,
    )
    if row is None:
        raise PersonNotFoundError(str(person_id))
    if row["merged_into"] is not None:
        raise PersonMergedError(row["merged_into"])
    emails = await conn.fetch(
        "SELECT email FROM person_email WHERE person = $1 ORDER BY position", person_id
    )
    phones = await conn.fetch(
        "SELECT phone_e164 FROM person_phone WHERE person = $1 ORDER BY position", person_id
    )
    history = await conn.fetch(
        "SELECT e.organization AS organization_id, o.name AS organization_name, e.title, "
        "e.started_on, e.ended_on, e.current FROM employment e "
        "JOIN organization o ON o.id = e.organization WHERE e.person = $1 "
        "ORDER BY e.current DESC, e.started_on DESC NULLS LAST",
        person_id,
    )
    return {
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


async def list_persons(
    *,
    include_departed: bool = False,
    organization_id: uuid.UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict], int]:
    """Cards in Finnish alphabetical order, departed ones only when asked; with the total."""
    conn = DB.current_connection()
    where = ["p.merged_into IS NULL"]
    args: list = []
    if not include_departed:
        where.append("p.left_organization_on IS NULL")
    if organization_id is not None:
        args.append(organization_id)
        where.append(f"p.organization = ${len(args)}")
    clause = " AND ".join(where)
    total = await conn.fetchval(f"SELECT count(*) FROM person p WHERE {clause}", *args)
    rows = await conn.fetch(
        f"SELECT p.id, p.first_name, p.last_name, p.title, p.left_organization_on, "
        f"o.name AS organization_name, p.organization AS organization_id, "
        f"(SELECT email FROM person_email e WHERE e.person = p.id ORDER BY position LIMIT 1) "
        f"AS email, (SELECT phone_e164 FROM person_phone f WHERE f.person = p.id "
        f"ORDER BY position LIMIT 1) AS phone "
        f"FROM person p LEFT JOIN organization o ON o.id = p.organization WHERE {clause} "
        f"ORDER BY p.sort_key, p.id LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}",
        *args,
        limit,
        offset,
    )
    return [dict(r) for r in rows], total
