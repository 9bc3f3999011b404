"""The list-and-search page: one route answers the whole page or just its results block,
search-as-you-type markup that also works as a plain form, departed persons, paging."""

import re
from datetime import date

import pytest

from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person, mark_left
from tenants.scope import tenant_scope

HX = {"HX-Request": "true"}


@pytest.fixture
async def tenant(make_tenant):
    names = await make_tenant(name="Haku Oy")
    async with tenant_scope(names.slug):
        org = await create_organization(
            OrganizationInput(name="Virtasen Kone Oy", business_id="0112038-9")
        )
        await create_person(
            PersonInput(
                first_name="Pekka",
                last_name="Virtanen",
                title="Toimitusjohtaja",
                emails=["pekka.virtanen@kone.fi"],
                phones=["+358 50 765 4321"],
                organization_id=org["id"],
            )
        )
        gone = await create_person(PersonInput(first_name="Lähtenyt", last_name="Virtanen"))
        await mark_left(gone, date(2026, 3, 31))
        await create_person(PersonInput(first_name="Anna", last_name="Korhonen"))
    return names


@pytest.mark.parametrize("route", ["search", "persons/"])
async def test_same_route_answers_page_or_results_fragment(client, tenant, route):
    url = f"/t/{tenant.slug}/{route}?q=Virtanen"
    full = await client.get(url)
    assert full.status_code == 200
    assert "<html" in full.text and 'id="search-results"' in full.text
    assert "HX-Request" in full.headers["vary"]
    fragment = await client.get(url, headers=HX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "<header" not in fragment.text
    assert "Pekka Virtanen" in fragment.text and "Virtasen Kone Oy" in fragment.text
    assert "HX-Request" in fragment.headers["vary"]
    assert len(fragment.content) < len(full.content) / 2
    # A history restore after a cache miss needs the whole page again.
    restore = await client.get(url, headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


async def test_search_box_types_ahead_with_htmx_and_works_as_a_plain_form(client, tenant):
    html = (await client.get(f"/t/{tenant.slug}/persons/")).text
    search = f"/t/{tenant.slug}/search"
    form = re.search(r"<search>\s*<form[^>]*>", html).group(0)
    assert 'method="get"' in form and f'action="{search}"' in form
    box = re.search(r'<input type="search"[^>]*>', html, re.S).group(0)
    assert f'hx-get="{search}"' in box
    assert 'hx-trigger="input changed delay:250ms, search"' in box
    assert 'hx-target="#search-results"' in box and 'hx-push-url="true"' in box
    assert re.search(r'id="search-results"[^>]*aria-live="polite"', html)
    assert 'for="q"' in html  # the box has a label
    # The plain GET of the form gives the results in the page.
    page = await client.get(search, params={"q": "virtnaen"})  # a typo still finds
    assert "Pekka Virtanen" in page.text and "<html" in page.text


async def test_empty_query_lists_alphabetically_without_departed(client, tenant):
    text = (await client.get(f"/t/{tenant.slug}/persons/")).text
    assert text.index("Anna Korhonen") < text.index("Pekka Virtanen")
    assert "Lähtenyt Virtanen" not in text
    assert "2 henkilöä" in text


async def test_departed_hidden_by_default_and_shown_when_asked(client, tenant):
    url = f"/t/{tenant.slug}/search"
    hidden = await client.get(url, params={"q": "Virtanen"}, headers=HX)
    assert "Pekka Virtanen" in hidden.text and "Lähtenyt Virtanen" not in hidden.text
    shown = await client.get(url, params={"q": "Virtanen", "include_departed": "1"}, headers=HX)
    assert "Lähtenyt Virtanen" in shown.text
    assert 'data-testid="departed-badge"' in shown.text
    listed = await client.get(f"/t/{tenant.slug}/persons/", params={"include_departed": "1"})
    assert "Lähtenyt Virtanen" in listed.text
    assert re.search(r'name="include_departed" value="1"\s+checked', listed.text)


async def test_result_rows_show_title_organization_and_first_contact(client, tenant):
    text = (await client.get(f"/t/{tenant.slug}/search", params={"q": "050 765 4321"})).text
    assert "Toimitusjohtaja" in text and "Virtasen Kone Oy" in text
    assert "pekka.virtanen@kone.fi" in text and "+358 50 7654321" in text
    assert "Haettu puhelinnumerolla" in text
    assert '<th scope="col">' in text and '<th scope="row">' in text
    by_business_id = (await client.get(f"/t/{tenant.slug}/search", params={"q": "0112038-9"})).text
    assert "Virtasen Kone Oy" in by_business_id and "/organizations/" in by_business_id


async def test_paging_keeps_the_query_and_links_work_without_js(client, make_tenant):
    names = await make_tenant()
    async with tenant_scope(names.slug):
        for i in range(25):
            await create_person(PersonInput(first_name=f"Henkilö{i:02d}", last_name="Mäkinen"))
    url = f"/t/{names.slug}/search"
    first = await client.get(url, params={"q": "Mäkinen"})
    assert "25 osumaa" in first.text and "Näytetään 1–20" in first.text
    next_link = (
        re.search(r'<a href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    )
    assert "q=M%C3%A4kinen" in next_link and "page=2" in next_link
    second = await client.get(next_link, headers=HX)
    assert "Näytetään 21–25" in second.text
    assert second.text.count('class="result result-person') == 5
    past_end = await client.get(url, params={"q": "Mäkinen", "page": "99"})
    assert past_end.status_code == 200 and "Näytetään 21–25" in past_end.text
    odd = await client.get(url, params={"q": "Mäkinen", "page": "x"})
    assert odd.status_code == 200 and "Näytetään 1–20" in odd.text


async def test_search_page_is_tenant_isolated(client, tenant, make_tenant):
    other = await make_tenant()
    for q in ("Virtanen", "pekka.virtanen@kone.fi", "0507654321"):
        r = await client.get(f"/t/{other.slug}/search", params={"q": q}, headers=HX)
        assert r.status_code == 200
        assert "Pekka Virtanen" not in r.text, q


async def test_no_results_says_so_and_mentions_departed(client, tenant):
    r = await client.get(f"/t/{tenant.slug}/search", params={"q": "Zyxwvu"}, headers=HX)
    assert "Haulla ”Zyxwvu” ei löytynyt ketään." in r.text
    assert "Näytä myös organisaatiosta lähteneet" in r.text


async def test_tenant_home_has_counts_links_and_search(client, tenant):
    text = (await client.get(f"/t/{tenant.slug}/")).text
    assert f'action="/t/{tenant.slug}/search"' in text
    assert f'href="/t/{tenant.slug}/persons/"' in text
    assert f'href="/t/{tenant.slug}/organizations/"' in text
    assert "Organisaatioita: 1" in text
    summary = await client.get(f"/t/{tenant.slug}/persons/summary", headers=HX)
    assert "<html" not in summary.text and "2 käyntikorttia" in summary.text
