"""Content pages: every kind created through its form, field errors shown with the input kept,
links (an invalid role refused), participants, the pipeline board and deletion with a
confirmation. Who sees what on these pages: tests/web/test_content_visibility_pages.py."""

import re
import uuid

import pytest

from core import audit
from core.content_kinds import KINDS
from core.db import DB
from core.persons import PersonInput, create_person
from tenants.scope import tenant_scope
from web.content_forms import format_money

HX = {"HX-Request": "true"}

# A valid value for each kind-specific field type.
SAMPLE = {"money": "1 500,50", "int": "12", "date": "2026-10-31", "text": "Tampere"}


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant(name="Sisällöt Oy")


def _form(kind: str, **fields) -> dict:
    form = {"kind": kind, "title": "", "status": "open", "description": ""}
    form.update(fields)
    return form


def _item_id(response) -> uuid.UUID:
    assert response.status_code == 303, response.text[:2000]
    return uuid.UUID(response.headers["location"].rsplit("/", 1)[1])


async def _create(client, slug: str, kind: str, title: str, **fields) -> uuid.UUID:
    r = await client.post(
        f"/t/{slug}/content/new", data=_form(kind, title=title, **fields), follow_redirects=False
    )
    return _item_id(r)


async def test_every_kind_is_created_through_its_form(client, tenant):
    base = f"/t/{tenant.slug}/content"
    created: dict[str, uuid.UUID] = {}
    for code, kind in KINDS.items():
        form = await client.get(f"{base}/new?kind={code}")
        assert form.status_code == 200
        fields = {}
        for detail in kind.details:
            name = f"detail_{detail.name}"
            assert f'id="f-{name}"' in form.text, (code, name)
            fields[name] = detail.choices[0] if detail.choices else SAMPLE[detail.type]
        if kind.parent_kinds:
            parent = created[kind.parent_kinds[0]]
            assert f'value="{parent}"' in form.text  # offered as the parent
            fields["parent_id"] = str(parent)
        created[code] = await _create(client, tenant.slug, code, f"Uusi {code} ÅÄÖ", **fields)
        page = await client.get(f"{base}/{created[code]}")
        assert page.status_code == 200
        assert f"Uusi {code} ÅÄÖ" in page.text
        for detail in kind.details:
            if detail.type == "money":
                assert format_money("1500.50", "fi") in page.text
            elif detail.type == "date":
                assert "31.10.2026" in page.text
    deal = await client.get(f"{base}/{created['deal']}")
    assert "Kauppa tai tarjous" in deal.text and "Arvo (€)" in deal.text and "Liidi" in deal.text
    course = await client.get(f"{base}/{created['course']}")
    assert "Uusi lecture ÅÄÖ" in course.text and "Uusi exercise ÅÄÖ" in course.text  # parts
    async with tenant_scope(tenant.slug):
        actions = [e["action"] for e in await audit.events(action_prefix="content.")]
    assert actions.count("content.create") == len(KINDS)


async def test_the_kind_picker_comes_first(client, tenant):
    r = await client.get(f"/t/{tenant.slug}/content/new")
    assert r.status_code == 200
    assert 'name="kind" value="meeting"' in r.text and "Kokous" in r.text


async def test_field_errors_are_shown_and_nothing_typed_is_lost(client, tenant):
    base = f"/t/{tenant.slug}/content"
    r = await client.post(
        f"{base}/new",
        data=_form(
            "deal",
            title="",
            description="Tärkeä asiakas",
            starts_on="2026-05-02",
            ends_on="2026-05-01",
            detail_value="paljon",
            detail_probability="puolet",
            detail_offer_valid_until="32.13.2026",
            private="1",
        ),
    )
    assert r.status_code == 422
    assert 'data-testid="error-summary"' in r.text
    assert "Otsikko puuttuu" in r.text
    assert "Päättymispäivä on ennen alkamispäivää" in r.text
    assert "Arvo (€): Anna summa euroina" in r.text
    assert "Todennäköisyys (%): Anna kokonaisluku" in r.text
    # Every field keeps what was typed; the first field in error has the focus.
    for value in ("Tärkeä asiakas", 'value="paljon"', 'value="puolet"', 'value="2026-05-02"'):
        assert value in r.text
    assert re.search(r'id="f-private"[^>]*checked', r.text)
    assert re.search(r'id="f-title"[^>]*autofocus', r.text)
    assert re.search(r'id="f-detail_value"[^>]*aria-invalid="true"', r.text)
    async with tenant_scope(tenant.slug):
        assert await DB.current_connection().fetchval("SELECT count(*) FROM content_item") == 0


async def test_edit_keeps_the_kind_and_records_the_change(client, tenant):
    base = f"/t/{tenant.slug}/content"
    item = await _create(client, tenant.slug, "meeting", "Hallituksen kokous", detail_place="Oulu")
    form = await client.get(f"{base}/{item}/edit")
    assert 'value="Hallituksen kokous"' in form.text and 'value="Oulu"' in form.text
    r = await client.post(
        f"{base}/{item}/edit",
        data=_form("deal", title="Hallituksen kevätkokous", detail_place="Turku"),
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = await client.get(f"{base}/{item}")
    assert "Hallituksen kevätkokous" in page.text and "Turku" in page.text
    assert "Kokous" in page.text
    bad = await client.post(f"{base}/{item}/edit", data=_form("meeting", title=" "))
    assert bad.status_code == 422 and "Otsikko puuttuu" in bad.text


async def test_links_with_roles_and_an_invalid_role_is_refused(client, tenant):
    base = f"/t/{tenant.slug}/content"
    async with tenant_scope(tenant.slug):
        person = await create_person(PersonInput(first_name="Pirjo", last_name="Puheenjohtaja"))
    meeting = await _create(client, tenant.slug, "meeting", "Vuosikokous")
    # Find the card by name (HTMX), then link it as the chair.
    found = await client.get(f"{base}/{meeting}/link-candidates?link_q=puheenjoht", headers=HX)
    assert found.status_code == 200 and f'value="{person}"' in found.text
    assert 'id="link-candidates"' in found.text and "<html" not in found.text
    refused = await client.post(
        f"{base}/{meeting}/links", data={"person_id": str(person), "role": "signer"}, headers=HX
    )
    assert refused.status_code == 422
    assert "Valitse rooli tämän sisällön roolien luettelosta" in refused.text
    async with tenant_scope(tenant.slug):
        assert await DB.current_connection().fetchval("SELECT count(*) FROM content_link") == 0
    r = await client.post(
        f"{base}/{meeting}/links", data={"person_id": str(person), "role": "chair"}, headers=HX
    )
    assert r.status_code == 200 and 'id="links"' in r.text
    assert "Pirjo Puheenjohtaja" in r.text and "Puheenjohtaja</td>" in r.text
    twice = await client.post(
        f"{base}/{meeting}/links", data={"person_id": str(person), "role": "chair"}, headers=HX
    )
    assert twice.status_code == 422 and "jo liitetty tässä roolissa" in twice.text
    # The person page lists the meeting with the role.
    section = await client.get(f"/t/{tenant.slug}/persons/{person}/section/content", headers=HX)
    assert "Vuosikokous" in section.text and "Puheenjohtaja" in section.text
    assert "Kokoukset" in section.text
    async with tenant_scope(tenant.slug):
        link = await DB.current_connection().fetchval("SELECT id FROM content_link")
    # Without JavaScript: the form posts and the page comes back.
    r = await client.post(
        f"{base}/{meeting}/links/remove", data={"link_id": str(link)}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].endswith(f"/content/{meeting}#links")
    page = await client.get(f"{base}/{meeting}")
    assert "Sisältöön ei ole liitetty käyntikortteja" in page.text


async def test_participants_editor(client, tenant):
    base = f"/t/{tenant.slug}/content"
    item = await _create(client, tenant.slug, "project", "Yksityinen hanke", private="1")
    async with tenant_scope(tenant.slug):
        users = {
            r["role"]: r["id"]
            for r in await DB.current_connection().fetch("SELECT id, role FROM app_user")
        }
    page = await client.get(f"{base}/{item}")
    assert re.search(rf'value="{users["admin"]}" checked', page.text)
    empty = await client.post(f"{base}/{item}/participants", data={}, headers=HX)
    assert empty.status_code == 422 and "vähintään yksi osallistuja" in empty.text
    r = await client.post(
        f"{base}/{item}/participants",
        data={"participant": [str(users["admin"]), str(users["staff"])]},
        headers=HX,
    )
    assert r.status_code == 200 and re.search(rf'value="{users["staff"]}" checked', r.text)


async def test_board_moves_a_deal_with_buttons(client, tenant):
    base = f"/t/{tenant.slug}/content"
    deal = await _create(client, tenant.slug, "deal", "Konekauppa")
    board = await client.get(f"{base}/board?kind=deal")
    assert board.status_code == 200
    assert 'data-stage="lead"' in board.text and 'data-stage="won"' in board.text
    assert f'id="move-{deal}-next"' in board.text and f'id="move-{deal}-back"' not in board.text
    r = await client.post(f"{base}/{deal}/stage", data={"stage": "qualified"}, headers=HX)
    assert r.status_code == 200 and 'id="board"' in r.text and "<html" not in r.text
    column = r.text.split('data-stage="qualified"', 1)[1].split("</section>", 1)[0]
    assert "Konekauppa" in column
    assert "siirrettiin vaiheeseen Kvalifioitu" in r.text  # announced (aria-live)
    wrong = await client.post(f"{base}/{deal}/stage", data={"stage": "nowhere"}, headers=HX)
    assert wrong.status_code == 422
    plain = await client.post(f"{base}/{deal}/stage", data={"stage": "won"}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"].endswith("/board?kind=deal")
    ideas = await client.get(f"{base}/board?kind=idea")
    assert "Ideaputki" in ideas.text and 'data-stage="evaluating"' in ideas.text
    async with tenant_scope(tenant.slug):
        moves = await audit.events(action_prefix="content.stage")
    assert [e["detail"]["to"] for e in moves] == ["won", "qualified"]


async def test_delete_asks_for_confirmation_first(client, tenant):
    base = f"/t/{tenant.slug}/content"
    item = await _create(client, tenant.slug, "task", "Soita takaisin")
    confirm = await client.get(f"{base}/{item}/delete")
    assert confirm.status_code == 200 and "Poistetaanko ”Soita takaisin”?" in confirm.text
    # A post without the confirmation page's own button deletes nothing.
    r = await client.post(f"{base}/{item}/delete", data={})
    assert r.status_code == 200 and (await client.get(f"{base}/{item}")).status_code == 200
    r = await client.post(f"{base}/{item}/delete", data={"confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 303
    assert (await client.get(f"{base}/{item}")).status_code == 404
    async with tenant_scope(tenant.slug):
        assert [e["action"] for e in await audit.events(action_prefix="content.delete")] == [
            "content.delete"
        ]


async def test_list_filters_and_htmx_results(client, tenant):
    base = f"/t/{tenant.slug}/content"
    await _create(client, tenant.slug, "deal", "Alpha kauppa")
    await _create(client, tenant.slug, "meeting", "Beta kokous")
    page = await client.get(f"{base}/")
    assert page.status_code == 200 and "Alpha kauppa" in page.text and "Beta kokous" in page.text
    assert 'aria-current="page">Sisällöt' in page.text  # the staff navigation entry
    fragment = await client.get(f"{base}/?kind=meeting", headers=HX)
    assert "Beta kokous" in fragment.text and "Alpha kauppa" not in fragment.text
    assert "<html" not in fragment.text
    searched = await client.get(f"{base}/?q=alpha")
    assert "Alpha kauppa" in searched.text and "Beta kokous" not in searched.text
    staged = await client.get(f"{base}/?stage=lead&status=open&mine=1&kind=nonsense")
    assert "Alpha kauppa" in staged.text and "Beta kokous" not in staged.text


async def test_bad_ids_are_404(client, tenant):
    base = f"/t/{tenant.slug}/content"
    for url in (f"{base}/nope", f"{base}/{uuid.uuid4()}", f"{base}/{uuid.uuid4()}/edit"):
        assert (await client.get(url)).status_code == 404


async def test_a_form_without_a_kind_goes_back_to_choosing_one(client, tenant):
    r = await client.post(f"/t/{tenant.slug}/content/new", data={"title": "Ilman lajia"})
    assert r.status_code == 422 and 'name="kind" value="deal"' in r.text
