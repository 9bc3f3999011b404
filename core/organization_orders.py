"""Orders and payment events of an organization.

The register tracks these per organization only (seed 000: "maksutapahtumat seurataan
yritystasolla, ei henkilötasolla"); there is no way to put one on a person. A payment may name
one of the same organization's orders.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from core import audit
from core import record_fields as check
from core.customer_data import Subject, check_subject, remove_record
from core.db import DB
from core.validation import ValidationFailed

ORDER_STATUSES = ("open", "delivered", "invoiced", "paid", "cancelled")
PAYMENT_METHODS = ("bank_transfer", "einvoice", "card", "cash", "other")
REFERENCE_MAX = 100
DESCRIPTION_MAX = 5000


@dataclass
class OrderInput:
    amount: Decimal | str
    currency: str = "EUR"
    reference: str = ""
    description: str = ""
    ordered_on: dt.date | str | None = None  # empty: today
    status: str = "open"


@dataclass
class PaymentInput:
    amount: Decimal | str
    currency: str = "EUR"
    reference: str = ""
    method: str = ""
    paid_on: dt.date | str | None = None  # empty: today
    order_id: uuid.UUID | str | None = None


def clean_order(data: OrderInput) -> OrderInput:
    errors: check.Errors = {}
    cleaned = OrderInput(
        amount=check.amount(errors, "amount", data.amount),
        currency=check.currency(errors, "currency", data.currency),
        reference=check.text(errors, "reference", data.reference, max_len=REFERENCE_MAX),
        description=check.text(errors, "description", data.description, max_len=DESCRIPTION_MAX),
        ordered_on=check.day(errors, "ordered_on", data.ordered_on),
        status=check.choice(errors, "status", data.status or "open", ORDER_STATUSES),
    )
    if errors:
        raise ValidationFailed(errors)
    return cleaned


async def add_order(org_id: uuid.UUID, data: OrderInput, *, actor: audit.Actor) -> uuid.UUID:
    clean = clean_order(data)
    await check_subject(Subject.organization(org_id))
    order_id = uuid.uuid4()
    await DB.current_connection().execute(
        "INSERT INTO organization_order (id, organization, reference, ordered_on, description, "
        "amount, currency, status, created_at, created_by) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9)",
        order_id,
        org_id,
        clean.reference,
        clean.ordered_on,
        clean.description,
        clean.amount,
        clean.currency,
        clean.status,
        actor.label,
    )
    await audit.record(
        "order.add",
        actor=actor,
        object_kind="organization",
        object_id=org_id,
        detail={"record": str(order_id), "amount": str(clean.amount), "currency": clean.currency},
    )
    return order_id


async def list_orders(org_id: uuid.UUID) -> list[dict]:
    """Newest first, each with what has been paid against it (in the order's currency)."""
    rows = await DB.current_connection().fetch(
        "SELECT o.id, o.reference, o.ordered_on, o.description, o.amount, o.currency, o.status, "
        "o.created_at, o.created_by, coalesce(sum(p.amount) FILTER "
        "(WHERE p.currency = o.currency), 0) AS paid FROM organization_order o "
        'LEFT JOIN organization_payment p ON p."order" = o.id WHERE o.organization = $1 '
        "GROUP BY o.id ORDER BY o.ordered_on DESC NULLS LAST, o.created_at DESC",
        org_id,
    )
    return [dict(r) for r in rows]


async def delete_order(org_id: uuid.UUID, order_id: uuid.UUID, *, actor: audit.Actor) -> None:
    """Payments made against it stay, no longer tied to an order (the column sets null)."""
    await remove_record(
        "organization_order",
        Subject.organization(org_id),
        order_id,
        action="order.delete",
        actor=actor,
    )


async def _order_of(org_id: uuid.UUID, errors: check.Errors, raw) -> uuid.UUID | None:
    if raw is None or not str(raw).strip():
        return None
    try:
        order_id = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw).strip())
    except ValueError:
        order_id = None
    found = order_id and await DB.current_connection().fetchval(
        "SELECT 1 FROM organization_order WHERE id = $1 AND organization = $2", order_id, org_id
    )
    if not found:
        errors["order_id"] = ("unknown", "no such order of this organization")
        return None
    return order_id


async def add_payment(org_id: uuid.UUID, data: PaymentInput, *, actor: audit.Actor) -> uuid.UUID:
    await check_subject(Subject.organization(org_id))
    errors: check.Errors = {}
    amount = check.amount(errors, "amount", data.amount)
    currency = check.currency(errors, "currency", data.currency)
    reference = check.text(errors, "reference", data.reference, max_len=REFERENCE_MAX)
    method = str(data.method or "").strip()
    if method and method not in PAYMENT_METHODS:
        errors["method"] = ("invalid", f"{method!r} is not one of {', '.join(PAYMENT_METHODS)}")
    paid_on = check.day(errors, "paid_on", data.paid_on)
    order_id = await _order_of(org_id, errors, data.order_id)
    if errors:
        raise ValidationFailed(errors)
    payment_id = uuid.uuid4()
    await DB.current_connection().execute(
        'INSERT INTO organization_payment (id, organization, "order", paid_on, amount, '
        "currency, reference, method, created_at, created_by) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9)",
        payment_id,
        org_id,
        order_id,
        paid_on,
        amount,
        currency,
        reference,
        method,
        actor.label,
    )
    await audit.record(
        "payment.add",
        actor=actor,
        object_kind="organization",
        object_id=org_id,
        detail={"record": str(payment_id), "amount": str(amount), "currency": currency},
    )
    return payment_id


async def list_payments(org_id: uuid.UUID) -> list[dict]:
    rows = await DB.current_connection().fetch(
        'SELECT p.id, p.paid_on, p.amount, p.currency, p.reference, p.method, p."order" '
        "AS order_id, o.reference AS order_reference, p.created_at, p.created_by "
        'FROM organization_payment p LEFT JOIN organization_order o ON o.id = p."order" '
        "WHERE p.organization = $1 ORDER BY p.paid_on DESC NULLS LAST, p.created_at DESC",
        org_id,
    )
    return [dict(r) for r in rows]


async def delete_payment(org_id: uuid.UUID, payment_id: uuid.UUID, *, actor: audit.Actor) -> None:
    await remove_record(
        "organization_payment",
        Subject.organization(org_id),
        payment_id,
        action="payment.delete",
        actor=actor,
    )
