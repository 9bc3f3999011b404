"""The change history page: one click from the person page, lists every field change made
through the edit form (old → new, who), names organizations, is one audited read, and the
change's own audit event names the fields but not their values."""

from __future__ import annotations

import json

import pytest

from core import audit
from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person
from tenants.scope import tenant_scope
from tests.support.auth_client import SignedInClient, user_email


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def test_edit_then_history_page_shows_old_and_new(client, tenant):
    slug = tenant.slug
    async with tenant_scope(slug):
        org = (await create_organization(OrganizationInput(name="Vanha Talo Oy")))["id"]
        new_org = (await create_organization(OrganizationInput(name="Uusi Talo Oy")))["id"]
        pid = await create_person(
            PersonInput(
                first_name="Veera",
                last_name="Virta",
                emails=["veera@vanha.fi"],
                organization_id=org,
            )
        )
    page = await client.get(f"/t/{slug}/persons/{pid}")
    assert f'href="/t/{slug}/persons/{pid}/changes/"' in page.text
    r = await client.post(
        f"/t/{slug}/persons/{pid}/edit",
        data={
            "first_name": "Veera",
            "last_name": "Virtanen",
            "emails": "veera@uusi.fi",
            "organization_id": str(new_org),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    async with tenant_scope(slug):
        before = len(await audit.events(action_prefix=audit.READ_ACTION, limit=500))
        update = (await audit.events(action_prefix="person.update"))[0]
    # The change's audit event names fields only, never the values.
    assert sorted(update["detail"]["fields"]) == ["emails", "last_name", "organization_id"]
    text = json.dumps(update, default=str)
    assert "Virtanen" not in text and "veera@" not in text

    staff = SignedInClient(client.client.__class__(app=client.client.app), role="staff")
    async with staff.client:
        history = await staff.get(f"/t/{slug}/persons/{pid}/changes/")
    assert history.status_code == 200
    body = history.text
    for expected in ("Virta", "Virtanen", "veera@vanha.fi", "veera@uusi.fi"):
        assert expected in body
    assert "Vanha Talo Oy" in body and "Uusi Talo Oy" in body
    assert user_email(slug, "admin") in body
    async with tenant_scope(slug):
        reads = await audit.events(action_prefix=audit.READ_ACTION, limit=500)
    assert len(reads) == before + 1
    assert reads[0]["detail"]["via"] == "changes"
    assert reads[0]["person_id"] == pid
    assert reads[0]["actor_label"] == user_email(slug, "staff")


async def test_history_of_an_unknown_card_is_404(client, tenant):
    r = await client.get(f"/t/{tenant.slug}/persons/00000000-0000-0000-0000-000000000000/changes/")
    assert r.status_code == 404
