"""The admins' audit page: filters by person, actor, action and dates; shows purpose and
request id and links to the cards; staff get 403 (and the matrix walks it for every role)."""

from __future__ import annotations

import pytest

from core.persons import PersonInput, create_person
from tenants.scope import tenant_scope
from tests.support.auth_client import SignedInClient, user_email


@pytest.fixture
async def seen(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        one = await create_person(PersonInput(first_name="Aino", last_name="Auditoitava"))
        two = await create_person(PersonInput(first_name="Bertta", last_name="Muu"))
    return t.slug, one, two


async def test_admin_filters_the_trail(client, seen):
    slug, one, two = seen
    r = await client.get(f"/t/{slug}/persons/{one}", headers={"X-Request-ID": "req-aino-0001"})
    assert r.status_code == 200
    await client.get(f"/t/{slug}/persons/{two}")
    await client.get(f"/t/{slug}/persons/")  # a list read naming both

    page = await client.get(f"/t/{slug}/admin/audit/?person={one}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert page.text.count("<tr data-event=") == 2  # its own page and the list
    assert "req-aino-0001" in page.text and "Asiakaspalvelu" in page.text
    assert f'href="/t/{slug}/persons/{one}"' in page.text
    assert "Auditoitava" not in page.text  # ids only, no person's data

    by_action = await client.get(f"/t/{slug}/admin/audit/?action=person.read&actor=admin")
    assert by_action.text.count("<tr data-event=") == 3
    assert user_email(slug, "admin") in by_action.text
    nobody = await client.get(f"/t/{slug}/admin/audit/?actor=ei-kukaan@example.fi")
    assert "<tr data-event=" not in nobody.text
    future = await client.get(f"/t/{slug}/admin/audit/?since=2999-01-01")
    assert "<tr data-event=" not in future.text
    today = await client.get(f"/t/{slug}/admin/audit/?until=2999-01-01&action=person.read")
    assert today.text.count("<tr data-event=") == 3
    bad = await client.get(f"/t/{slug}/admin/audit/?person=xyz&since=eilen")
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text


async def test_staff_may_not_see_the_trail(anon_client, seen):
    slug, _one, _two = seen
    staff = SignedInClient(anon_client, role="staff")
    assert (await staff.get(f"/t/{slug}/admin/audit/")).status_code == 403
