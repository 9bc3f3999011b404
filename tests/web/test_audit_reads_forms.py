"""Reads of cards on the way to something else leave exactly ONE "person.read" event per
request, naming every card shown: the duplicate warning of the card form, the merge pages, the
CSV import preview (the register's cards its rows matched) and an attachment download (the
person the file belongs to). A user who may not see the cards gets neither data nor event."""

from __future__ import annotations

import re
import uuid

import pytest
from litestar.testing import AsyncTestClient

from core import audit
from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person
from tenants.scope import tenant_scope
from tests.conftest import add_self_user
from tests.support.auth_client import SignedInClient

HX = {"HX-Request": "true"}
PDF = b"%PDF-1.7\n" + b"sopimus " * 200


@pytest.fixture
async def world(make_tenant, client):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        org = (await create_organization(OrganizationInput(name="Tuplaus Oy")))["id"]
        known = await create_person(
            PersonInput(
                first_name="Tuula",
                last_name="Tuplanen",
                emails="tuula.tuplanen@example.fi",
                organization_id=org,
            )
        )
        other = await create_person(PersonInput(first_name="Oskari", last_name="Muukalainen"))
    await client.get(f"/t/{t.slug}/")  # sign in before counting events
    return t.slug, org, known, other


async def _events(slug: str) -> list[dict]:
    async with tenant_scope(slug):
        return await audit.events(limit=5000)


async def _written(slug: str, client, method: str, url: str, **kwargs):
    """The response and the audit events the request wrote, oldest first."""
    before = len(await _events(slug))
    response = await client.request(method, url, **kwargs)
    events = await _events(slug)
    return response, list(reversed(events[: len(events) - before]))


def _read(events: list[dict]) -> dict:
    assert [e["action"] for e in events] == ["person.read"], [
        (e["action"], e["detail"]) for e in events
    ]
    return events[0]


def _persons(event: dict) -> list[str]:
    return sorted(event["detail"]["persons"])


def _ids(*ids) -> list[str]:
    return sorted(str(i) for i in ids)


def _form(**values) -> dict:
    base = dict.fromkeys(("first_name", "last_name", "emails", "phones", "title"), "")
    return {**base, **values}


async def test_duplicate_warnings_of_the_card_form_are_reads(client, world):
    slug, org, known, other = world
    base = f"/t/{slug}/persons"
    typed = _form(first_name="Tuuli", last_name="Uusi", emails="TUULA.tuplanen@example.fi")

    # The live check while typing: one event naming the duplicate shown.
    r, events = await _written(slug, client, "POST", f"{base}/duplicates", data=typed, headers=HX)
    assert r.status_code == 200 and "Tuula Tuplanen" in r.text
    event = _read(events)
    assert event["detail"]["via"] == "duplicates" and event["person_id"] == known
    assert event["purpose"] == "customer_service" and _persons(event) == _ids(known)
    assert "tuplanen" not in str(event["detail"]).lower()  # ids only

    # Nothing typed that matches: nothing shown, nothing recorded; nor for an empty form.
    r, events = await _written(
        slug, client, "POST", f"{base}/duplicates", data=_form(first_name="Ei"), headers=HX
    )
    assert r.status_code == 200 and events == []
    r, events = await _written(slug, client, "GET", f"{base}/new")
    assert r.status_code == 200 and events == []

    # Saving a strong duplicate shows the warning instead: one event, no card created.
    r, events = await _written(slug, client, "POST", f"{base}/new", data=typed)
    assert r.status_code == 200 and "Tuula Tuplanen" in r.text
    event = _read(events)
    assert event["detail"]["via"] == "duplicates" and _persons(event) == _ids(known)

    # Editing another card to the same address: the edited card and the duplicate, one event.
    edited = _form(first_name="Oskari", last_name="Muukalainen", emails=typed["emails"])
    r, events = await _written(slug, client, "POST", f"{base}/{other}/edit", data=edited)
    assert r.status_code == 200 and "Tuula Tuplanen" in r.text
    event = _read(events)
    assert event["detail"]["via"] == "edit_form" and _persons(event) == _ids(known, other)
    assert event["person_id"] is None  # two cards: listed in detail.persons only

    # The plain edit form still reads just its own card, once.
    r, events = await _written(slug, client, "GET", f"{base}/{other}/edit")
    event = _read(events)
    assert event["detail"]["via"] == "edit_form" and event["person_id"] == other


async def test_merge_pick_and_confirmation_are_reads(client, world):
    slug, org, known, other = world
    async with tenant_scope(slug):
        twin = await create_person(
            PersonInput(
                first_name="Tuula",
                last_name="Tuplanen-Vanha",
                emails="tuula.tuplanen@example.fi",
                organization_id=org,
            )
        )
    merge = f"/t/{slug}/persons/{known}/merge"

    # The page: the card itself and its likely duplicate (a suggestion).
    r, events = await _written(slug, client, "GET", f"{merge}/")
    assert r.status_code == 200 and "Tuplanen-Vanha" in r.text
    event = _read(events)
    assert event["detail"]["via"] == "merge_pick" and _persons(event) == _ids(known, twin)

    # The search: the candidates block only (HTMX) names only the candidates.
    r, events = await _written(slug, client, "GET", f"{merge}/?q=Muukalainen", headers=HX)
    assert r.status_code == 200 and "Muukalainen" in r.text
    event = _read(events)
    assert event["detail"]["via"] == "merge_pick" and _persons(event) == _ids(other)
    r, events = await _written(slug, client, "GET", f"{merge}/?q=Eiketaan", headers=HX)
    assert r.status_code == 200 and events == []

    # The confirmation shows both cards; nothing is merged yet.
    r, events = await _written(slug, client, "POST", f"{merge}/{twin}", data={})
    assert r.status_code == 200 and "Tuplanen-Vanha" in r.text
    event = _read(events)
    assert event["detail"]["via"] == "merge_confirm" and _persons(event) == _ids(known, twin)


def _csv(*rows: str) -> bytes:
    return ("etunimi;sukunimi;sähköposti\n" + "\n".join(rows) + "\n").encode()


async def _uploaded(client, slug: str, data: bytes, kind: str = "persons") -> str:
    r = await client.post(
        f"/t/{slug}/import/",
        data={"kind": kind},
        files={"file": ("tuonti.csv", data, "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    return r.headers["location"]


async def test_import_preview_reads_the_cards_its_rows_matched(client, world):
    slug, _org, known, _other = world
    preview = await _uploaded(
        client,
        slug,
        _csv("Tuula;Tuplanen;tuula.tuplanen@example.fi", "Uusi;Ihminen;uusi@example.fi"),
    )
    import_id = preview.rstrip("/").rsplit("/", 1)[-1]
    for url in (preview, f"{preview}?show=problems"):
        r, events = await _written(slug, client, "GET", url)
        assert r.status_code == 200 and f"/persons/{known}" in r.text
        event = _read(events)
        assert event["detail"]["via"] == "import_preview" and event["person_id"] == known
        assert event["detail"]["import_id"] == import_id

    # A refused confirmation shows the preview again: one more event.
    r, events = await _written(
        slug, client, "POST", f"{preview}/confirm", data={"fingerprint": "vanhentunut"}
    )
    assert r.status_code == 409 and f"/persons/{known}" in r.text
    assert _read(events)["detail"]["via"] == "import_preview"

    # A file matching no card shows none and records nothing.
    fresh = await _uploaded(client, slug, _csv("Aino;Aivan-Uusi;aino@example.fi"))
    r, events = await _written(slug, client, "GET", fresh)
    assert r.status_code == 200 and events == []


async def _attachment(client, slug: str, kind: str, owner) -> str:
    r = await client.post(
        f"/t/{slug}/attachments/{kind}/{owner}",
        files={"file": ("Sopimus.pdf", PDF, "application/pdf")},
        headers=HX,
    )
    assert r.status_code == 200, r.text[:300]
    return re.search(rf"/t/{slug}/attachment/([0-9a-f-]{{36}})\"", r.text).group(1)


async def test_attachment_download_reads_the_person_it_belongs_to(client, world):
    slug, org, known, _other = world
    on_card = await _attachment(client, slug, "person", known)
    r, events = await _written(
        slug, client, "GET", f"/t/{slug}/attachment/{on_card}", follow_redirects=False
    )
    assert r.status_code == 303
    assert [e["action"] for e in events] == ["attachment.downloaded", "person.read"]
    # The download names the card and the file by their ids; a file name can be personal
    # data, and the audit outlives the attachment.
    download = events[0]
    assert (download["object_kind"], download["object_id"]) == ("person", str(known))
    assert download["detail"] == {"attachment": on_card}
    assert "Sopimus" not in str(download)
    read = events[1]
    assert read["person_id"] == known and read["detail"]["via"] == "attachment"
    assert read["detail"]["attachment"] == on_card and read["purpose"] == "customer_service"
    assert "Sopimus" not in str(read["detail"])

    # An organization's file is no person's data: the download alone is recorded.
    on_org = await _attachment(client, slug, "organization", org)
    r, events = await _written(
        slug, client, "GET", f"/t/{slug}/attachment/{on_org}", follow_redirects=False
    )
    assert r.status_code == 303
    assert [e["action"] for e in events] == ["attachment.downloaded"]
    assert events[0]["detail"] == {"attachment": on_org} and "Sopimus" not in str(events[0])


async def test_who_may_not_see_the_cards_gets_no_data_and_no_read(
    client, world, make_tenant, settings
):
    from web.app import create_app

    slug, _org, known, _other = world
    attachment = await _attachment(client, slug, "person", known)
    preview = await _uploaded(client, slug, _csv("Tuula;Tuplanen;tuula.tuplanen@example.fi"))

    # The admin of another register: the id finds nothing there, and nothing is recorded.
    stranger = await make_tenant()
    before = len(await _events(slug))
    r = await client.get(f"/t/{stranger.slug}/attachment/{attachment}", follow_redirects=False)
    assert r.status_code == 404 and "location" not in r.headers
    r = await client.get(f"/t/{stranger.slug}{preview.split(f'/t/{slug}', 1)[1]}")
    assert r.status_code == 404
    assert len(await _events(slug)) == before
    async with tenant_scope(stranger.slug):
        assert await audit.events(action_prefix=audit.READ_ACTION) == []

    # An end customer of this register may see only their own card.
    await add_self_user(slug)
    async with AsyncTestClient(app=create_app(prepare_runtime=False)) as c:
        me = SignedInClient(c, role="self")
        await me.get(f"/t/{slug}/me/")  # sign in (reads their own card)
        before = len(await _events(slug))
        typed = _form(emails="tuula.tuplanen@example.fi")
        for method, url, kwargs in (
            ("POST", f"/t/{slug}/persons/duplicates", {"data": typed, "headers": HX}),
            ("POST", f"/t/{slug}/persons/new", {"data": typed}),
            ("GET", f"/t/{slug}/persons/{known}/merge/", {}),
            ("GET", preview, {}),
            ("GET", f"/t/{slug}/attachment/{attachment}", {"follow_redirects": False}),
        ):
            r = await me.request(method, url, **kwargs)
            assert r.status_code in (401, 403, 404), (url, r.status_code)
            assert "Tuplanen" not in r.text and "location" not in r.headers, url
        assert len(await _events(slug)) == before
    assert uuid.UUID(str(known))
