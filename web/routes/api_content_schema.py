"""JSON API v1: the shapes of content items, their links and participants (request and
response bodies), and the conversion from what `core.content_queries` returns.

Codes are what the register stores (`core.content_kinds`): kinds, roles, statuses, stages and
the kind's own fields in `details` (checked per kind; an unknown field is a 422 on
`details.<name>`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from core.content import ContentInput

# --- requests ------------------------------------------------------------------------------


class ContentIn(msgspec.Struct, kw_only=True):
    """A new item (POST). `stage` only for the pipeline kinds (deal, idea): their first stage
    when left out. `parent_id` for the kinds that are parts of another item (a course's
    lecture or exercise, an exercise's submission). The creator becomes its owner and first
    participant."""

    kind: str
    title: str
    description: str = ""
    status: str = "open"
    stage: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    organization_id: UUID | None = None
    area_id: UUID | None = None
    private: bool = False
    parent_id: UUID | None = None
    details: dict[str, Any] = {}


class ContentReplace(msgspec.Struct, kw_only=True):
    """A whole item (PUT): fields left out get their defaults. The kind never changes; when
    sent it must be the item's own."""

    title: str
    kind: str | None = None
    description: str = ""
    status: str = "open"
    stage: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    organization_id: UUID | None = None
    area_id: UUID | None = None
    private: bool = False
    parent_id: UUID | None = None
    details: dict[str, Any] = {}


class ContentPatch(msgspec.Struct, kw_only=True):
    """Only the fields sent are changed (PATCH); `details` is replaced as a whole."""

    title: str | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType = msgspec.UNSET
    status: str | msgspec.UnsetType = msgspec.UNSET
    stage: str | msgspec.UnsetType = msgspec.UNSET
    starts_on: date | None | msgspec.UnsetType = msgspec.UNSET
    ends_on: date | None | msgspec.UnsetType = msgspec.UNSET
    organization_id: UUID | None | msgspec.UnsetType = msgspec.UNSET
    area_id: UUID | None | msgspec.UnsetType = msgspec.UNSET
    private: bool | msgspec.UnsetType = msgspec.UNSET
    parent_id: UUID | None | msgspec.UnsetType = msgspec.UNSET
    details: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET


class StageIn(msgspec.Struct):
    """Move a pipeline item (deal, idea) to another of its kind's stages."""

    stage: str


class LinkIn(msgspec.Struct):
    """Link a business card to the item in a role of the item kind's vocabulary."""

    person_id: UUID
    role: str


class ParticipantsIn(msgspec.Struct):
    """The item's participants, replacing the current ones: active staff users and admins.
    A private item is seen by its participants and the admins only, and needs at least one."""

    user_ids: list[UUID]


# --- responses -----------------------------------------------------------------------------


class ItemRef(msgspec.Struct):
    id: UUID
    kind: str
    title: str


class ItemSummary(msgspec.Struct):
    id: UUID
    kind: str
    title: str
    status: str
    stage: str
    starts_on: date | None
    ends_on: date | None
    private: bool
    area_id: UUID | None
    area_name: str | None
    organization_id: UUID | None
    organization_name: str | None
    parent_id: UUID | None
    link_count: int
    updated_at: datetime


class LinkOut(msgspec.Struct):
    id: UUID
    person_id: UUID
    first_name: str
    last_name: str
    role: str
    organization_name: str | None
    left_organization_on: date | None


class ParticipantOut(msgspec.Struct):
    id: UUID
    display_name: str
    email: str


class ContentOut(msgspec.Struct):
    id: UUID
    kind: str
    title: str
    description: str
    status: str
    stage: str
    starts_on: date | None
    ends_on: date | None
    private: bool
    organization_id: UUID | None
    organization_name: str | None
    area_id: UUID | None
    area_name: str | None
    parent: ItemRef | None
    parts: list[ItemRef]
    owner_id: UUID | None
    owner_name: str | None
    details: dict[str, Any]
    links: list[LinkOut]
    participants: list[ParticipantOut]
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


class PersonItem(msgspec.Struct):
    id: UUID
    kind: str
    title: str
    status: str
    stage: str
    starts_on: date | None
    ends_on: date | None
    private: bool
    roles: list[str]


class KindGroup(msgspec.Struct):
    kind: str
    items: list[PersonItem]


class PersonContentOut(msgspec.Struct):
    """The items linked to a card that the caller may see, grouped by kind (in the register's
    order of kinds), each once with every role the person has in it."""

    person_id: UUID
    groups: list[KindGroup]


# --- conversions ---------------------------------------------------------------------------


def link_out(row: dict) -> LinkOut:
    return LinkOut(
        row["id"],
        row["person_id"],
        row["first_name"],
        row["last_name"],
        row["role"],
        row["organization_name"],
        row["left_organization_on"],
    )


def participant_out(row: dict) -> ParticipantOut:
    return ParticipantOut(row["id"], row["display_name"] or "", row["email"])


def content_out(item: dict) -> ContentOut:
    """`core.content_queries.get_item`'s answer as the API shows it."""
    parent = item.get("parent_item")
    return ContentOut(
        id=item["id"],
        kind=item["kind"],
        title=item["title"],
        description=item["description"],
        status=item["status"],
        stage=item["stage"],
        starts_on=item["starts_on"],
        ends_on=item["ends_on"],
        private=item["private"],
        organization_id=item["organization"],
        organization_name=item["organization_name"],
        area_id=item["area"],
        area_name=item["area_name"],
        parent=ItemRef(parent["id"], parent["kind"], parent["title"]) if parent else None,
        parts=[ItemRef(p["id"], p["kind"], p["title"]) for p in item["parts"]],
        owner_id=item["owner"],
        owner_name=item["owner_name"] or item["owner_email"],
        details=item["details"] or {},
        links=[link_out(r) for r in item["links"]],
        participants=[participant_out(r) for r in item["participants"]],
        created_at=item["created_at"],
        created_by=item["created_by"],
        updated_at=item["updated_at"],
        updated_by=item["updated_by"],
    )


def item_summary(row: dict) -> ItemSummary:
    return ItemSummary(
        id=row["id"],
        kind=row["kind"],
        title=row["title"],
        status=row["status"],
        stage=row["stage"],
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        private=row["private"],
        area_id=row["area"],
        area_name=row["area_name"],
        organization_id=row["organization"],
        organization_name=row["organization_name"],
        parent_id=row["parent"],
        link_count=row["link_count"],
        updated_at=row["updated_at"],
    )


def person_content_out(person_id: UUID, grouped: dict[str, list[dict]]) -> PersonContentOut:
    return PersonContentOut(
        person_id,
        [
            KindGroup(
                kind,
                [
                    PersonItem(
                        r["id"],
                        r["kind"],
                        r["title"],
                        r["status"],
                        r["stage"],
                        r["starts_on"],
                        r["ends_on"],
                        r["private"],
                        list(r["roles"]),
                    )  # fmt: skip
                    for r in rows
                ],
            )
            for kind, rows in grouped.items()
        ],
    )


def content_input(kind: str, fields: dict[str, Any]) -> ContentInput:
    """The service's input from the API's field names (`*_id` for references)."""
    return ContentInput(
        kind=kind,
        title=fields["title"],
        description=fields.get("description", ""),
        status=fields.get("status", "open"),
        stage=fields.get("stage", ""),
        starts_on=fields.get("starts_on"),
        ends_on=fields.get("ends_on"),
        organization_id=fields.get("organization_id"),
        area_id=fields.get("area_id"),
        private=fields.get("private", False),
        parent_id=fields.get("parent_id"),
        details=dict(fields.get("details") or {}),
    )


def current_fields(item: dict) -> dict[str, Any]:
    """A stored item's editable fields under the API's names (the base a PATCH changes)."""
    return {
        "title": item["title"],
        "description": item["description"],
        "status": item["status"],
        "stage": item["stage"],
        "starts_on": item["starts_on"],
        "ends_on": item["ends_on"],
        "organization_id": item["organization"],
        "area_id": item["area"],
        "private": item["private"],
        "parent_id": item["parent"],
        "details": item["details"] or {},
    }
