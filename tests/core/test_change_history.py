"""Field-level change history: every write path of a card leaves old → new rows in the same
transaction (lists as set differences), a rolled-back write leaves none."""

from datetime import date

import pytest

from core import audit
from core.change_history import list_changes
from core.db import DB
from core.merge import merge_persons
from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person, mark_left, update_person
from core.self_service import OwnCardInput, rectify_own_card
from core.validation import ValidationFailed
from tenants.scope import tenant_scope


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


def _by_field(changes: list[dict]) -> dict[str, tuple[str, str, str]]:
    return {c["field"]: (c["old_value"], c["new_value"], c["actor_label"]) for c in changes}


async def test_update_records_each_changed_field_with_sets_for_contacts(tenant):
    async with tenant_scope(tenant.slug):
        pid = await create_person(
            PersonInput(
                first_name="Aino",
                last_name="Laine",
                emails=["a@x.fi", "b@x.fi"],
                phones=["0401234567"],
                title="Myyjä",
            )
        )
        assert await list_changes(pid) == []  # creating is not a change
        token = audit.bind_request_id("req-123")
        try:
            await update_person(
                pid,
                PersonInput(
                    first_name="Aino",
                    last_name="Laine-Koski",
                    emails=["b@x.fi", "c@x.fi"],
                    phones=["0401234567"],
                    title="Myyjä",
                ),
                actor="staff@example.fi",
            )
        finally:
            audit._request_id.reset(token)
        changes = await list_changes(pid)
    assert _by_field(changes) == {
        "last_name": ("Laine", "Laine-Koski", "staff@example.fi"),
        "emails": ("a@x.fi", "c@x.fi", "staff@example.fi"),
    }
    assert {c["request_id"] for c in changes} == {"req-123"}


async def test_reordering_contacts_is_no_change_and_failed_write_leaves_nothing(tenant):
    async with tenant_scope(tenant.slug):
        pid = await create_person(
            PersonInput(first_name="Eero", last_name="Aho", emails=["a@x.fi", "b@x.fi"])
        )
        await update_person(
            pid, PersonInput(first_name="Eero", last_name="Aho", emails=["b@x.fi", "a@x.fi"])
        )
        with pytest.raises(ValidationFailed):
            await update_person(pid, PersonInput(first_name="", last_name="Aho"))
        assert await list_changes(pid) == []


async def test_leaving_self_service_and_merge_record_changes(tenant):
    async with tenant_scope(tenant.slug):
        org = (await create_organization(OrganizationInput(name="Muutos Oy")))["id"]
        pid = await create_person(
            PersonInput(first_name="Sari", last_name="Mäki", emails=["s@x.fi"], organization_id=org)
        )
        await mark_left(pid, date(2026, 5, 31), actor="admin@x.fi")
        user_id = await DB.current_connection().fetchval("SELECT id FROM app_user LIMIT 1")
        await rectify_own_card(
            pid,
            OwnCardInput(first_name="Sari", last_name="Mäkinen", emails=["s@x.fi"]),
            user_id=user_id,
            label="Sari itse",
        )
        other = await create_person(
            PersonInput(first_name="Sari", last_name="Mäkinen", emails=["sari@koti.fi"])
        )
        await merge_persons(pid, other, actor="admin@x.fi")
        changes = await list_changes(pid)
    rows = [(c["field"], c["old_value"], c["new_value"], c["actor_label"]) for c in changes]
    assert ("left_organization_on", "", "2026-05-31", "admin@x.fi") in rows
    assert ("last_name", "Mäki", "Mäkinen", "Sari itse") in rows
    assert ("emails", "", "sari@koti.fi", "admin@x.fi") in rows
