"""Inbound contacts from salespeople: who contacted the client company, from where, about what.

Sellers are data subjects too (seed 000: name, organization, phone, e-mail and the subject are
kept), so the same rules apply as for cards: phones are stored in E.164 (national numbers read as
Finnish), e-mail addresses are checked, and every write is audited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from core import audit
from core import record_fields as check
from core.customer_data import RecordNotFoundError
from core.db import DB
from core.validation import (
    ValidationFailed,
    looks_like_phone,
    normalise_email,
    normalise_phone,
)

NAME_MAX = 200
ORGANIZATION_MAX = 300
SUBJECT_MAX = 300
NOTES_MAX = 5000
PAGE_SIZE = 25


@dataclass
class SellerContactInput:
    seller_name: str
    seller_organization: str = ""
    phone: str = ""
    email: str = ""
    subject: str = ""
    notes: str = ""
    contacted_on: dt.date | str | None = None  # empty: today


def clean_seller_contact(data: SellerContactInput) -> SellerContactInput:
    errors: check.Errors = {}
    name = check.text(errors, "seller_name", data.seller_name, max_len=NAME_MAX, required=True)
    phone = email = ""
    if str(data.phone or "").strip():
        try:
            phone = normalise_phone(data.phone)
        except ValidationFailed:
            errors["phone"] = ("invalid", f"{data.phone!r} is not a phone number")
    if str(data.email or "").strip():
        try:
            email = normalise_email(data.email)[0]
        except ValidationFailed:
            errors["email"] = ("invalid", f"{data.email!r} is not an e-mail address")
    cleaned = SellerContactInput(
        seller_name=name,
        seller_organization=check.text(
            errors, "seller_organization", data.seller_organization, max_len=ORGANIZATION_MAX
        ),
        phone=phone,
        email=email,
        subject=check.text(errors, "subject", data.subject, max_len=SUBJECT_MAX, required=True),
        notes=check.text(errors, "notes", data.notes, max_len=NOTES_MAX),
        contacted_on=check.day(errors, "contacted_on", data.contacted_on),
    )
    if errors:
        raise ValidationFailed(errors)
    return cleaned


async def add_seller_contact(data: SellerContactInput, *, actor: audit.Actor) -> uuid.UUID:
    clean = clean_seller_contact(data)
    contact_id = uuid.uuid4()
    await DB.current_connection().execute(
        "INSERT INTO seller_contact (id, contacted_on, seller_name, seller_organization, "
        "phone_e164, email, subject, notes, recorded_by, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())",
        contact_id,
        clean.contacted_on,
        clean.seller_name,
        clean.seller_organization,
        clean.phone,
        clean.email,
        clean.subject,
        clean.notes,
        actor.label,
    )
    await audit.record(
        "seller_contact.add", actor=actor, object_kind="seller_contact", object_id=contact_id
    )
    return contact_id


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search(query: str) -> tuple[str, list]:
    """Every typed word must match: a phone number (any format) its E.164 form, other words
    the name, organization, e-mail or subject."""
    where, args = [], []
    words = [query] if looks_like_phone(query) else query.split()[:8]  # "040 123 4567"
    for word in words:
        if looks_like_phone(word):
            try:
                args.append(normalise_phone(word))
                where.append(f"phone_e164 = ${len(args)}")
                continue
            except ValidationFailed:
                pass
        args.append(_like(word))
        n = len(args)
        where.append(
            f"(seller_name ILIKE ${n} OR seller_organization ILIKE ${n} OR email ILIKE ${n} "
            f"OR subject ILIKE ${n})"
        )
    return (" AND ".join(where) or "TRUE"), args


async def search_seller_contacts(
    query: str = "", *, limit: int = PAGE_SIZE, offset: int = 0
) -> tuple[list[dict], int]:
    """Newest first, with the total matching."""
    clause, args = _search(query or "")
    conn = DB.current_connection()
    total = await conn.fetchval(f"SELECT count(*) FROM seller_contact WHERE {clause}", *args)
    rows = await conn.fetch(
        f"SELECT * FROM seller_contact WHERE {clause} "
        f"ORDER BY contacted_on DESC NULLS LAST, created_at DESC, id "
        f"LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}",
        *args,
        limit,
        offset,
    )
    return [dict(r) for r in rows], total


async def get_seller_contact(contact_id: uuid.UUID) -> dict:
    row = await DB.current_connection().fetchrow(
        "SELECT * FROM seller_contact WHERE id = $1", contact_id
    )
    if row is None:
        raise RecordNotFoundError(str(contact_id))
    return dict(row)


async def delete_seller_contact(contact_id: uuid.UUID, *, actor: audit.Actor) -> None:
    deleted = await DB.current_connection().fetchval(
        "DELETE FROM seller_contact WHERE id = $1 RETURNING id", contact_id
    )
    if deleted is None:
        raise RecordNotFoundError(str(contact_id))
    await audit.record(
        "seller_contact.delete", actor=actor, object_kind="seller_contact", object_id=contact_id
    )
