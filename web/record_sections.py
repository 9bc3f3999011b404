"""The customer-data sections of the person and organization pages: what each section lists,
which form fields it has, and how it adds, deletes and ends records (`SECTIONS`).

One template (`records/section.html`) draws every section; it is part of the page and also
served alone as an HTMX fragment after a change, so a section refreshes without the page.
Handlers for both pages live in `web.routes.customer_records` and share `web.record_pages`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from core import audit
from core.comments import CommentTarget, add_comment, delete_comment, list_comments
from core.customer_data import (
    ContactInput,
    FeedbackInput,
    Subject,
    add_contact_event,
    add_feedback,
    delete_contact_event,
    delete_feedback,
    list_contact_events,
    list_feedback,
    satisfaction_summary,
)
from core.customer_preferences import (
    PreferenceInput,
    add_preference,
    delete_preference,
    end_preference,
    list_preferences,
)
from core.organization_orders import (
    OrderInput,
    PaymentInput,
    add_order,
    add_payment,
    delete_order,
    delete_payment,
    list_orders,
    list_payments,
)
from core.visibility import Viewer


@dataclass(frozen=True)
class Owner:
    """The card or organization whose page the section is on."""

    kind: str  # person | organization | item (an item has comments only)
    id: uuid.UUID
    page_url: str

    @property
    def subject(self) -> Subject:
        return Subject(self.kind, self.id)

    def section_url(self, name: str) -> str:
        return f"{self.page_url}/records/{name}"


@dataclass(frozen=True)
class Acting:
    viewer: Viewer
    actor: audit.Actor


Values = dict[str, str]


@dataclass(frozen=True)
class Section:
    name: str  # in the URL
    anchor: str  # the element's id is section-<anchor>
    fields: tuple[str, ...]
    load: Callable[[Owner, Acting], Awaitable[dict[str, Any]]]
    add: Callable[[Owner, Acting, Values], Awaitable[object]]
    delete: Callable[[Owner, Acting, uuid.UUID], Awaitable[None]]
    end: Callable[[Owner, Acting, uuid.UUID], Awaitable[None]] | None = None
    defaults: Values = field(default_factory=dict)
    # Other parts of the person page that show this data and refresh after a change.
    refreshes: tuple[str, ...] = ("timeline",)

    def blank(self) -> Values:
        return {name: self.defaults.get(name, "") for name in self.fields}


# --- contact history -----------------------------------------------------------------------


async def _contacts(owner: Owner, acting: Acting) -> dict:
    return {"rows": await list_contact_events(owner.subject)}


async def _add_contact(owner: Owner, acting: Acting, v: Values) -> object:
    data = ContactInput(v["channel"], v["direction"], v["summary"], v["happened_at"])
    return await add_contact_event(owner.subject, data, actor=acting.actor)


async def _delete_contact(owner: Owner, acting: Acting, record_id: uuid.UUID) -> None:
    await delete_contact_event(owner.subject, record_id, actor=acting.actor)


# --- feedback ------------------------------------------------------------------------------


async def _feedback(owner: Owner, acting: Acting) -> dict:
    return {
        "rows": await list_feedback(owner.subject),
        "summary": await satisfaction_summary(owner.subject),
    }


async def _add_feedback(owner: Owner, acting: Acting, v: Values) -> object:
    data = FeedbackInput(v["kind"], v["comment"], v["score"], v["received_on"])
    return await add_feedback(owner.subject, data, actor=acting.actor)


async def _delete_feedback(owner: Owner, acting: Acting, record_id: uuid.UUID) -> None:
    await delete_feedback(owner.subject, record_id, actor=acting.actor)


# --- personalisation and restrictions (cards only) -----------------------------------------


async def _preferences(owner: Owner, acting: Acting) -> dict:
    return {"rows": await list_preferences(owner.id)}


async def _add_preference(owner: Owner, acting: Acting, v: Values) -> object:
    data = PreferenceInput(v["kind"], v["topic"], v["value"], v["given_on"])
    return await add_preference(owner.id, data, actor=acting.actor)


async def _delete_preference(owner: Owner, acting: Acting, record_id: uuid.UUID) -> None:
    await delete_preference(owner.id, record_id, actor=acting.actor)


async def _end_preference(owner: Owner, acting: Acting, record_id: uuid.UUID) -> None:
    await end_preference(owner.id, record_id, actor=acting.actor)


# --- comments ------------------------------------------------------------------------------


async def _comments(owner: Owner, acting: Acting) -> dict:
    return {"rows": await list_comments(acting.viewer, CommentTarget(owner.kind, owner.id))}


async def _add_comment(owner: Owner, acting: Acting, v: Values) -> object:
    target = CommentTarget(owner.kind, owner.id)
    return await add_comment(acting.viewer, target, v["body"], actor=acting.actor)


async def _delete_comment(owner: Owner, acting: Acting, record_id: uuid.UUID) -> None:
    target = CommentTarget(owner.kind, owner.id)
    await delete_comment(acting.viewer, target, record_id, actor=acting.actor)


# --- orders and payments (organizations only) ----------------------------------------------


async def _orders(owner: Owner, acting: Acting) -> dict:
    return {"rows": await list_orders(owner.id)}


async def _add_order(owner: Owner, acting: Acting, v: Values) -> object:
    data = OrderInput(
        v["amount"], v["currency"], v["reference"], v["description"], v["ordered_on"], v["status"]
    )
    return await add_order(owner.id, data, actor=acting.actor)


async def _delete_order(owner: Owner, acting: Acting, record_id: uuid.UUID) -> None:
    await delete_order(owner.id, record_id, actor=acting.actor)


async def _payments(owner: Owner, acting: Acting) -> dict:
    return {"rows": await list_payments(owner.id), "orders": await list_orders(owner.id)}


async def _add_payment(owner: Owner, acting: Acting, v: Values) -> object:
    data = PaymentInput(
        v["amount"], v["currency"], v["reference"], v["method"], v["paid_on"], v["order_id"]
    )
    return await add_payment(owner.id, data, actor=acting.actor)


async def _delete_payment(owner: Owner, acting: Acting, record_id: uuid.UUID) -> None:
    await delete_payment(owner.id, record_id, actor=acting.actor)


CONTACTS = Section(
    "contacts",
    "contact_history",
    ("channel", "direction", "happened_at", "summary"),
    _contacts,
    _add_contact,
    _delete_contact,
    defaults={"channel": "phone", "direction": "inbound"},
)
FEEDBACK = Section(
    "feedback",
    "feedback",
    ("kind", "score", "comment", "received_on"),
    _feedback,
    _add_feedback,
    _delete_feedback,
    defaults={"kind": "feedback"},
)
PREFERENCES = Section(
    "preferences",
    "preferences",
    ("kind", "topic", "value", "given_on"),
    _preferences,
    _add_preference,
    _delete_preference,
    end=_end_preference,
    defaults={"kind": "restriction"},
    refreshes=("restrictions",),
)
COMMENTS = Section("comments", "comments", ("body",), _comments, _add_comment, _delete_comment)
ORDERS = Section(
    "orders",
    "orders",
    ("ordered_on", "reference", "amount", "currency", "status", "description"),
    _orders,
    _add_order,
    _delete_order,
    defaults={"currency": "EUR", "status": "open"},
    refreshes=("payments",),  # the payment form lists the orders
)
PAYMENTS = Section(
    "payments",
    "payments",
    ("paid_on", "amount", "currency", "order_id", "method", "reference"),
    _payments,
    _add_payment,
    _delete_payment,
    defaults={"currency": "EUR"},
    refreshes=("orders",),  # an order shows what has been paid against it
)

SECTIONS: dict[str, dict[str, Section]] = {
    "person": {s.name: s for s in (CONTACTS, FEEDBACK, PREFERENCES, COMMENTS)},
    "organization": {s.name: s for s in (CONTACTS, FEEDBACK, ORDERS, PAYMENTS, COMMENTS)},
    "item": {"comments": COMMENTS},
}
