"""The card's protected parts through the pages and the API: the personal identity code (off by
default, enabled with a justification, validated, encrypted, found by exact code, masked,
revealed only with a reason and audited, never exported) and the restriction of processing
(marked with a reason, blocks edits and exports, lifted, audited)."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from core import audit, hetu
from core.db import DB
from core.persons import PersonInput, create_person, get_person
from tenants.scope import tenant_scope

CODE = "131052-308T"


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant(name="Suoja Oy")


async def _person(slug: str, **fields) -> uuid.UUID:
    fields.setdefault("first_name", "Helka")
    fields.setdefault("last_name", "Henkilö")
    async with tenant_scope(slug):
        return await create_person(PersonInput(**fields))


def _card_form(**fields) -> dict:
    base = {"first_name": "Helka", "last_name": "Henkilö"}
    base.update(fields)
    return base


async def _enable(client, slug: str) -> None:
    r = await client.post(
        f"/t/{slug}/admin/settings/",
        data={"hetu_enabled": "1", "hetu_justification": "Laskutus ja perintä vaativat sen"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


async def _events(slug: str, prefix: str, person_id) -> list[dict]:
    async with tenant_scope(slug):
        return await audit.events(action_prefix=prefix, object_id=person_id)


def _csv(r) -> list[dict[str, str]]:
    assert r.status_code == 200
    text = r.content.decode("utf-8").removeprefix("\ufeff")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


# --- the identity code ------------------------------------------------------------------------


async def test_hetu_is_off_by_default(client, tenant):
    base = f"/t/{tenant.slug}/persons"
    form = await client.get(f"{base}/new")
    assert 'name="hetu"' not in form.text
    r = await client.post(f"{base}/new", data=_card_form(hetu=CODE), follow_redirects=False)
    assert r.status_code == 200  # the form again, the code refused
    assert "Henkilötunnuksia ei ole otettu käyttöön" in r.text
    async with tenant_scope(tenant.slug):
        assert not await DB.current_connection().fetchval(
            "SELECT count(*) FROM person WHERE hetu_encrypted IS NOT NULL"
        )


async def test_enabling_needs_a_written_justification(client, tenant):
    url = f"/t/{tenant.slug}/admin/settings/"
    r = await client.post(url, data={"hetu_enabled": "1", "hetu_justification": ""})
    assert r.status_code == 422
    assert "Kirjoita perustelu" in r.text
    async with tenant_scope(tenant.slug):
        assert not await hetu.enabled()
    await _enable(client, tenant.slug)
    page = await client.get(url)
    assert "Laskutus ja perintä vaativat sen" in page.text
    async with tenant_scope(tenant.slug):
        status = await hetu.status()
        assert status["enabled"] and status["changed_by"]
        events = await audit.events(action_prefix="settings.hetu")
    assert [e["action"] for e in events] == ["settings.hetu_enable"]
    assert "Laskutus" not in str(events[0]["detail"])


async def test_invalid_codes_are_refused_with_the_reason(client, tenant):
    await _enable(client, tenant.slug)
    base = f"/t/{tenant.slug}/persons"
    for raw, words in (
        ("131052-308U", "tarkistusmerkki"),
        ("321052-308T", "syntymäaikaa"),
        ("13105-308T", "muoto on väärä"),
    ):
        r = await client.post(f"{base}/new", data=_card_form(hetu=raw), follow_redirects=False)
        assert r.status_code == 200, raw
        assert words in r.text, raw
    async with tenant_scope(tenant.slug):
        assert not await DB.current_connection().fetchval("SELECT count(*) FROM person")


async def test_code_is_stored_encrypted_masked_found_and_revealed_with_a_reason(client, tenant):
    await _enable(client, tenant.slug)
    base = f"/t/{tenant.slug}/persons"
    r = await client.post(f"{base}/new", data=_card_form(hetu=CODE), follow_redirects=False)
    assert r.status_code == 303, r.text
    person_id = uuid.UUID(r.headers["location"].rsplit("/", 1)[1])
    async with tenant_scope(tenant.slug):
        row = await DB.current_connection().fetchrow(
            "SELECT hetu_encrypted, hetu_hash FROM person WHERE id = $1", person_id
        )
    assert row["hetu_encrypted"] and CODE not in row["hetu_encrypted"]
    assert "308T" not in row["hetu_encrypted"] and CODE not in row["hetu_hash"]
    assert [e["action"] for e in await _events(tenant.slug, "person.hetu", person_id)] == [
        "person.hetu_set"
    ]

    page = await client.get(f"{base}/{person_id}")
    assert "131052-****" in page.text and CODE not in page.text
    edit = await client.get(f"{base}/{person_id}/edit")
    assert "131052-****" in edit.text and CODE not in edit.text

    # Exact lookup from the search box (any case, spaces around).
    found = await client.get(f"{base}/", params={"q": " 131052-308t "})
    assert str(person_id) in found.text
    assert "Haettu henkilötunnuksella" in found.text
    other = await client.get(f"{base}/", params={"q": "010190-123F"})
    assert str(person_id) not in other.text

    # Never in the API or the CSV export.
    api = await client.get(f"/t/{tenant.slug}/api/v1/persons/{person_id}")
    assert api.status_code == 200 and CODE not in api.text and "hetu" not in api.text
    listing = await client.get(f"/t/{tenant.slug}/api/v1/persons")
    assert CODE not in listing.text and "hetu" not in listing.text
    export = await client.get(f"/t/{tenant.slug}/export/persons.csv")
    assert CODE not in export.text and "131052" not in export.text

    # Reveal: a reason is required; without one nothing shows and nothing is recorded.
    url = f"{base}/{person_id}/hetu"
    form = await client.get(url)
    assert form.status_code == 200 and CODE not in form.text
    refused = await client.post(url, data={"reason": "", "note": ""})
    assert refused.status_code == 422 and CODE not in refused.text
    assert not await _events(tenant.slug, "person.hetu_reveal", person_id)
    shown = await client.post(
        url, data={"reason": "identification", "note": "Asiakas soitti laskusta"}
    )
    assert shown.status_code == 200 and CODE in shown.text
    assert shown.headers["cache-control"] == "no-store"
    events = await _events(tenant.slug, "person.hetu_reveal", person_id)
    assert len(events) == 1
    assert events[0]["detail"]["reason"] == "identification"
    assert events[0]["detail"]["note_length"] == len("Asiakas soitti laskusta")
    assert CODE not in str(events[0]["detail"]) and "laskusta" not in str(events[0]["detail"])
    assert events[0]["actor_kind"] == "user"
    assert events[0]["person_id"] == person_id and events[0]["purpose"] == "customer_service"

    # Disabling hides the field and the code, refuses new codes, and lookups stop.
    await client.post(f"/t/{tenant.slug}/admin/settings/", data={}, follow_redirects=False)
    page = await client.get(f"{base}/{person_id}")
    assert "131052-****" not in page.text
    edit = await client.get(f"{base}/{person_id}/edit")
    assert 'name="hetu"' not in edit.text
    found = await client.get(f"{base}/", params={"q": CODE})
    assert str(person_id) not in found.text
    none = await client.post(url, data={"reason": "identification", "note": "Uusi yritys"})
    assert CODE not in none.text
    assert len(await _events(tenant.slug, "person.hetu_reveal", person_id)) == 1


async def test_code_can_be_replaced_and_removed_through_the_form(client, tenant):
    await _enable(client, tenant.slug)
    person_id = await _person(tenant.slug)
    url = f"/t/{tenant.slug}/persons/{person_id}/edit"
    r = await client.post(url, data=_card_form(hetu=CODE), follow_redirects=False)
    assert r.status_code == 303
    r = await client.post(url, data=_card_form(hetu=""), follow_redirects=False)  # kept
    async with tenant_scope(tenant.slug):
        assert await hetu.masked(person_id) == "131052-****"
    r = await client.post(url, data=_card_form(hetu_remove="1"), follow_redirects=False)
    assert r.status_code == 303
    async with tenant_scope(tenant.slug):
        assert await hetu.masked(person_id) is None
    actions = [e["action"] for e in await _events(tenant.slug, "person.hetu", person_id)]
    assert actions == ["person.hetu_remove", "person.hetu_set"]


# --- restriction of processing ----------------------------------------------------------------


async def test_restriction_blocks_edits_and_exports_until_lifted(client, tenant):
    person_id = await _person(tenant.slug, emails=["rajoitettu@example.fi"])
    kept = await _person(tenant.slug, first_name="Vapaa")
    base = f"/t/{tenant.slug}/persons/{person_id}"

    # A reason is required.
    r = await client.post(f"{base}/restriction", data={"reason": ""})
    assert r.status_code == 422
    r = await client.post(f"{base}/restriction", data={"reason": "other", "note": ""})
    assert r.status_code == 422
    assert not await _events(tenant.slug, "person.restrict", person_id)
    r = await client.post(
        f"{base}/restriction", data={"reason": "accuracy_contested"}, follow_redirects=False
    )
    assert r.status_code == 303
    page = await client.get(base)
    assert 'data-testid="processing-restricted"' in page.text
    assert "Henkilö kiistää tietojen paikkansapitävyyden" in page.text

    # Edits through the pages and the API are refused with the reason.
    edit = await client.get(f"{base}/edit")
    assert edit.status_code == 409 and "rajoitettu" in edit.text
    saved = await client.post(f"{base}/edit", data=_card_form(first_name="Muutettu"))
    assert saved.status_code == 409 and "18 artikla" in saved.text
    left = await client.post(f"{base}/leave", data={"left_on": "2026-01-31"})
    assert left.status_code == 409
    api = await client.patch(
        f"/t/{tenant.slug}/api/v1/persons/{person_id}", json={"first_name": "Api"}
    )
    assert api.status_code == 409
    assert api.json()["error"] == "processing_restricted" and api.json()["detail"]
    async with tenant_scope(tenant.slug):
        card = await get_person(person_id)
        assert card["first_name"] == "Helka" and card["left_organization_on"] is None
        assert not await audit.events(action_prefix="person.update", object_id=person_id)

    # Exports leave the card out and say how many were left out.
    export = await client.get(f"/t/{tenant.slug}/export/persons.csv")
    ids = {row["id"] for row in _csv(export)}
    assert str(person_id) not in ids and str(kept) in ids
    assert export.headers["x-kortisto-restricted-left-out"] == "1"
    upload = await client.get(f"/t/{tenant.slug}/import/")
    assert 'data-testid="export-restricted-count"' in upload.text

    # Lifting restores everything.
    r = await client.post(f"{base}/restriction/lift", follow_redirects=False)
    assert r.status_code == 303
    assert 'data-testid="processing-restricted"' not in (await client.get(base)).text
    saved = await client.post(
        f"{base}/edit", data=_card_form(first_name="Muutettu"), follow_redirects=False
    )
    assert saved.status_code == 303
    export = await client.get(f"/t/{tenant.slug}/export/persons.csv")
    assert str(person_id) in {row["id"] for row in _csv(export)}
    actions = [e["action"] for e in await _events(tenant.slug, "person.restrict", person_id)]
    assert actions == ["person.restrict_lift", "person.restrict"]
    restrict_event = (await _events(tenant.slug, "person.restrict", person_id))[-1]
    assert restrict_event["detail"]["reason"] == "accuracy_contested"


async def test_staff_can_restrict_too(anon_client, tenant):
    from tests.support.auth_client import SignedInClient

    staff = SignedInClient(anon_client, role="staff")
    person_id = await _person(tenant.slug)
    r = await staff.post(
        f"/t/{tenant.slug}/persons/{person_id}/restriction",
        data={"reason": "objection_pending"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    async with tenant_scope(tenant.slug):
        events = await audit.events(action_prefix="person.restrict", object_id=person_id)
    assert events[0]["actor_label"].startswith("staff")
