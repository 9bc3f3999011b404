"""Pages of issue 6 items 1–2: the admin's processing activities, the person page's lawful
bases, consents, objections and provenance (staff add + history), and the end customer's own
consents and objections (withdraw, object)."""

import uuid

import pytest

from core import audit
from core.consents import give_consent
from core.contact_gate import Decision, may_contact
from core.db import DB
from core.lawful_bases import list_bases
from core.objections import active_objections
from core.persons import PersonInput, create_person
from core.processing import list_activities
from tenants.scope import tenant_scope
from tests.conftest import add_self_user
from tests.support.auth_client import SignedInClient

HX = {"HX-Request": "true"}
ACTOR = audit.Actor("user", "", "kirjaaja@x.example")


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def _person(slug: str) -> uuid.UUID:
    async with tenant_scope(slug):
        return await create_person(PersonInput(first_name="Paula", last_name="Perustelu"))


async def test_admin_manages_processing_activities(client, tenant):
    base = f"/t/{tenant.slug}/admin/processing"
    page = await client.get(f"{base}/")
    assert page.status_code == 200
    assert "Asiakassuhteen hoito" in page.text  # the defaults, on the first visit
    assert "b) sopimuksen täytäntöönpano" in page.text
    assert f'href="/t/{tenant.slug}/admin/processing/"' in page.text  # in the admin nav
    bad = await client.post(f"{base}/new", data={"name": "", "lawful_basis": "x"})
    assert bad.status_code == 400
    assert "Anna käsittelytoimelle nimi" in bad.text and 'data-testid="error-summary"' in bad.text
    assert "Valitse vähintään yksi tietoryhmä." in bad.text
    r = await client.post(
        f"{base}/new",
        data={
            "name": "Tapahtumat",
            "purpose": "Tapahtumakutsut",
            "lawful_basis": "a",
            "data_categories": ["contact", "consents"],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    async with tenant_scope(tenant.slug):
        made = next(a for a in await list_activities() if a["name"] == "Tapahtumat")
    assert made["data_categories"] == ["contact", "consents"]
    edit = await client.get(f"{base}/{made['id']}")
    assert edit.status_code == 200 and 'value="Tapahtumat"' in edit.text
    r = await client.post(f"{base}/{made['id']}/deactivate", follow_redirects=False)
    assert r.status_code == 303
    async with tenant_scope(tenant.slug):
        assert not next(a for a in await list_activities() if a["id"] == made["id"])["active"]
    assert (await client.get(f"{base}/{uuid.uuid4()}")).status_code == 404
    staff = SignedInClient(client.client, role="staff")
    assert (await staff.get(f"{base}/")).status_code in (403, 404)


async def test_staff_record_consents_objections_bases_and_sources(client, tenant):
    pid = await _person(tenant.slug)
    url = f"/t/{tenant.slug}/persons/{pid}"
    page = await client.get(url)
    for section in ("bases", "consents", "objections", "provenance"):
        assert f'id="section-{section}"' in page.text
    # Consent given with HTMX: the section answers with the new state.
    r = await client.post(
        f"{url}/privacy/consents",
        data={
            "given": "1",
            "channel": "email",
            "purpose": "newsletter",
            "method": "form",
            "notice_version": "2026-1",
        },
        headers=HX,
    )
    assert r.status_code == 200 and "<html" not in r.text
    assert 'data-testid="consents-table"' in r.text and "Uutiskirje" in r.text
    async with tenant_scope(tenant.slug):
        assert await may_contact(pid, "email", "newsletter") == Decision(True, "consent")
    # Withdrawn without JavaScript: back to the page, refused at once.
    r = await client.post(
        f"{url}/privacy/consents",
        data={"given": "0", "channel": "email", "purpose": "newsletter", "method": "staff"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("#section-consents")
    async with tenant_scope(tenant.slug):
        assert await may_contact(pid, "email", "newsletter") == Decision(False, "consent_withdrawn")
    history = await client.get(f"{url}/privacy/consents/history")
    assert history.status_code == 200
    assert history.text.count("<tr>") >= 3  # header + two events
    assert "Peruttu" in history.text and "2026-1" in history.text
    # Mistakes come back inline.
    bad = await client.post(f"{url}/privacy/consents", data={"given": "1"}, headers=HX)
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text
    # An objection to direct marketing by phone.
    r = await client.post(
        f"{url}/privacy/objections",
        data={"kind": "direct_marketing", "objection_channel": "phone", "active": "1"},
        headers=HX,
    )
    assert r.status_code == 200 and 'data-testid="objections-list"' in r.text
    async with tenant_scope(tenant.slug):
        assert not await may_contact(pid, "phone", "direct_marketing")
        assert await may_contact(pid, "post", "direct_marketing")
    # A lawful basis from the default activities.
    async with tenant_scope(tenant.slug):
        activity = next(a for a in await list_activities() if a["lawful_basis"] == "b")
    r = await client.post(
        f"{url}/privacy/bases",
        data={"activity_id": str(activity["id"]), "source": "Sopimus 14/2026"},
        headers=HX,
    )
    assert r.status_code == 200 and "Sopimus 14/2026" in r.text
    async with tenant_scope(tenant.slug):
        [basis] = await list_bases(pid, current_only=True)
    r = await client.post(
        f"{url}/privacy/basis-end", data={"basis_id": str(basis["id"])}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].endswith("#section-bases")
    async with tenant_scope(tenant.slug):
        assert await list_bases(pid, current_only=True) == []
    again = await client.post(f"{url}/privacy/basis-end", data={"basis_id": str(basis["id"])})
    assert again.status_code == 400  # already ended
    history = await client.get(f"{url}/privacy/bases/history")
    assert "Sopimus 14/2026" in history.text and 'data-testid="history-table"' in history.text
    # A purchased list needs its vendor.
    bad = await client.post(
        f"{url}/privacy/provenance", data={"source_kind": "purchased_list"}, follow_redirects=False
    )
    assert bad.status_code == 400 and "Anna ostetun luettelon myyjän" in bad.text
    r = await client.post(
        f"{url}/privacy/provenance",
        data={"source_kind": "purchased_list", "source_detail": "Listatalo Oy", "field": "phones"},
        headers=HX,
    )
    assert r.status_code == 200 and "Listatalo Oy" in r.text
    events = await _events(tenant.slug)
    actions = {e["action"] for e in events}
    assert {
        "consent.give",
        "consent.withdraw",
        "objection.make",
        "basis.add",
        "basis.end",
        "provenance.add",
    } <= actions
    # Codes only, and the person the change is about.
    give = next(e for e in events if e["action"] == "consent.give")
    assert give["detail"]["channel"] == "email" and give["object_id"] == str(pid)
    assert (await client.get(f"{url}/privacy/nope/history")).status_code == 404


async def _events(slug: str) -> list[dict]:
    async with tenant_scope(slug):
        return await audit.events(limit=100)


async def test_self_withdraws_a_consent_and_objects(anon_client, tenant):
    person = await add_self_user(tenant.slug)
    async with tenant_scope(tenant.slug):
        await give_consent(person, "email", "direct_marketing", actor=ACTOR)
    me = SignedInClient(anon_client, role="self")
    page = await me.get(f"/t/{tenant.slug}/me/")
    assert 'data-testid="my-consents"' in page.text and "Peruuta suostumus" in page.text
    r = await me.post(
        f"/t/{tenant.slug}/me/privacy/withdraw",
        data={"channel": "email", "purpose": "direct_marketing"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    async with tenant_scope(tenant.slug):
        assert await may_contact(person, "email", "direct_marketing") == Decision(
            False, "consent_withdrawn"
        )
        [event] = await DB.current_connection().fetch(
            "SELECT method, given FROM consent_event WHERE person = $1 AND NOT given", person
        )
        assert event["method"] == "self_service"
    r = await me.post(
        f"/t/{tenant.slug}/me/privacy/object",
        data={"kind": "direct_marketing", "channel": ""},
        follow_redirects=False,
    )
    assert r.status_code == 303
    async with tenant_scope(tenant.slug):
        [objection] = await active_objections(person)
        assert objection["channel"] == "" and objection["method"] == "self_service"
        assert not await may_contact(person, "post", "direct_marketing")
    page = await me.get(r.headers["location"])
    assert "Kielto kirjattiin" in page.text and 'data-testid="my-objections"' in page.text
