"""Merge pages: pick the other card, compare side by side, confirm, then go to the survivor."""

import html
import re
import uuid

import pytest

from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, PersonMergedError, create_person, get_person
from tenants.scope import tenant_scope


@pytest.fixture
async def cards(make_tenant):
    tenant = await make_tenant()
    async with tenant_scope(tenant.slug):
        org = (await create_organization(OrganizationInput(name="Pöllänen Oy")))["id"]
        survivor = await create_person(
            PersonInput(
                first_name="Päivi",
                last_name="Hämäläinen",
                emails=["paivi.hamalainen@pollanen.fi"],
                phones=["040 123 4567"],
                title="Myyntipäällikkö",
                organization_id=org,
                keywords=["hallitus"],
            )
        )
        merged = await create_person(
            PersonInput(
                first_name="Paivi",
                last_name="Hamalainen",
                emails=["PAIVI.HAMALAINEN@pollanen.fi", "paivi@koti.fi"],
                phones=["050 765 4321"],
                title="",
                organization_id=org,
                keywords=["golf"],
                description="Tavattu messuilla.",
            )
        )
    return tenant.slug, survivor, merged


def _text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.text))


async def test_pick_page_suggests_duplicates_and_searches(client, cards):
    slug, survivor, merged = cards
    base = f"/t/{slug}/persons/{survivor}/merge"
    r = await client.get(base)
    assert r.status_code == 200 and "<html" in r.text
    # The likely duplicate (same e-mail) is offered without searching.
    assert f"{base}/{merged}" in r.text
    assert 'hx-get="' + base in r.text and 'name="q"' in r.text
    # Without JavaScript the search reloads the page; with HTMX only the candidates come back.
    r = await client.get(base, params={"q": "Hamalainen"})
    assert f"{base}/{merged}" in r.text and "<html" in r.text
    r = await client.get(base, params={"q": "paivi@koti.fi"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.text
    assert f"{base}/{merged}" in r.text
    assert f"{base}/{survivor}" not in r.text  # never the card itself
    r = await client.get(f"/t/{slug}/persons/{uuid.uuid4()}/merge")
    assert r.status_code == 404


async def test_comparison_shows_both_values_with_radio_per_differing_field(client, cards):
    slug, survivor, merged = cards
    r = await client.get(f"/t/{slug}/persons/{survivor}/merge/{merged}")
    assert r.status_code == 200
    text = _text(r)
    for value in ("Päivi", "Paivi", "Hämäläinen", "Hamalainen", "Myyntipäällikkö"):
        assert value in text, value
    assert "Tavattu messuilla." in text
    # One fieldset with a legend per differing field; the organization is the same.
    for name in ("first_name", "last_name", "title", "description"):
        assert f'data-testid="choice-{name}"' in r.text, name
    assert 'data-testid="choice-organization"' not in r.text
    form = r.text[r.text.index('class="merge-form"') :]
    assert form.count("<fieldset") == form.count("<legend>") == 4
    # Defaults: the survivor's value, or the merged one where the survivor's is empty.
    assert re.search(
        r'id="c-first_name-survivor" name="first_name" value="survivor"\s*checked', r.text
    )
    assert re.search(
        r'id="c-description-merged" name="description" value="merged"\s*checked', r.text
    )
    assert re.search(r'id="c-title-survivor" name="title" value="survivor"\s*checked', r.text)
    # What moves: the new e-mail and phone; the same address in capitals does not.
    moves = text[text.index('data-testid="merge-moves"') :]
    assert "paivi@koti.fi" in moves and "+358 50 7654321" in moves
    assert "golf" in moves and "hallitus" in moves
    radios = re.findall(r'<input type="radio" id="([^"]+)"', r.text)
    assert len(radios) == 8
    assert all(f'<label for="{radio}">' in r.text for radio in radios)  # every radio labelled
    r = await client.get(f"/t/{slug}/persons/{survivor}/merge/{survivor}")
    assert r.status_code == 400
    r = await client.get(f"/t/{slug}/persons/{survivor}/merge/not-a-uuid")
    assert r.status_code == 404


async def test_post_without_confirm_changes_nothing(client, cards):
    slug, survivor, merged = cards
    url = f"/t/{slug}/persons/{survivor}/merge/{merged}"
    r = await client.post(url, data={"first_name": "merged", "last_name": "survivor"})
    assert r.status_code == 200
    text = _text(r)
    assert 'data-testid="merge-confirm"' in r.text
    assert 'name="confirm" value="yes"' in r.text
    assert '<input type="hidden" name="first_name" value="merged">' in r.text
    result = text[text.index('data-testid="merge-result"') :]
    assert "Paivi" in result and "Hämäläinen" in result and "paivi@koti.fi" in result
    r = await client.post(url, data={"first_name": "merged", "confirm": "no"})
    assert r.status_code == 200
    async with tenant_scope(slug):
        assert (await get_person(merged))["first_name"] == "Paivi"
        assert (await get_person(survivor))["first_name"] == "Päivi"


async def test_post_with_confirm_merges_and_redirects_to_the_survivor(client, cards):
    slug, survivor, merged = cards
    url = f"/t/{slug}/persons/{survivor}/merge/{merged}"
    form = {"first_name": "merged", "last_name": "survivor", "confirm": "yes"}
    r = await client.post(url, data=form, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/t/{slug}/persons/{survivor}"
    async with tenant_scope(slug):
        card = await get_person(survivor)
        with pytest.raises(PersonMergedError) as redirect:
            await get_person(merged)
    assert redirect.value.survivor_id == survivor
    assert (card["first_name"], card["last_name"]) == ("Paivi", "Hämäläinen")
    assert card["description"] == "Tavattu messuilla."
    assert card["emails"] == ["paivi.hamalainen@pollanen.fi", "paivi@koti.fi"]
    assert card["keywords"] == ["hallitus", "golf"]
    # Submitting again (a double click) lands on the survivor; merging the other way is refused.
    r = await client.post(url, data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/t/{slug}/persons/{survivor}"
    r = await client.post(f"/t/{slug}/persons/{merged}/merge/{survivor}", data=form)
    assert r.status_code == 409 and 'data-testid="merge-refused"' in r.text
    # The merged card's own merge page goes to the survivor's.
    r = await client.get(f"/t/{slug}/persons/{merged}/merge", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/t/{slug}/persons/{survivor}/merge"


async def test_tampered_choice_is_refused_and_nothing_changes(client, cards):
    slug, survivor, merged = cards
    url = f"/t/{slug}/persons/{survivor}/merge/{merged}"
    r = await client.post(url, data={"first_name": "both", "confirm": "yes"})
    assert r.status_code == 400 and 'data-testid="merge-error"' in r.text
    async with tenant_scope(slug):
        assert (await get_person(merged))["first_name"] == "Paivi"


async def test_pages_are_translated(client, cards):
    slug, survivor, merged = cards
    url = f"/t/{slug}/persons/{survivor}/merge/{merged}"
    finnish = await client.get(url)
    await client.switch_language(slug, "en")
    english = await client.get(url)
    await client.switch_language(slug, "sv")
    swedish = await client.get(url)
    assert "Vertaa ja yhdistä kortit" in finnish.text
    assert "Vertaa ja yhdistä kortit" not in english.text
    assert "Vertaa ja yhdistä kortit" not in swedish.text
    assert '<html lang="en">' in english.text
