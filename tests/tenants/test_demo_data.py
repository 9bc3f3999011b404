"""Demo data: realistic, valid, deterministic, with departures and duplicates; seeded once."""

import time
from dataclasses import replace

import phonenumbers
import pytest
from stdnum.fi import ytunnus

from core.db import DB
from core.duplicates import find_duplicates
from core.persons import PersonInput
from core.search import search
from core.validation import normalise_email
from tenants import demo_data
from tenants.cli import CommandError, _seed_demo
from tenants.scope import tenant_scope


def test_build_is_deterministic_and_seed_dependent():
    assert demo_data.build(42) == demo_data.build(42)
    assert demo_data.build(42) != demo_data.build(43)
    assert demo_data.seed_for("demo") != demo_data.seed_for("acme")


def test_business_id_check_digit():
    assert demo_data.business_id(112038) == "0112038-9"
    assert demo_data.business_id(2077474) == "2077474-0"
    for base in range(1_000_000, 1_000_400):
        bid = demo_data.business_id(base)
        assert bid is None or ytunnus.is_valid(bid)


def test_built_data_is_valid_before_it_touches_the_database():
    data = demo_data.build(7)
    assert len(data.organizations) >= 40 and len(data.persons) >= 200
    for org in data.organizations:
        assert ytunnus.is_valid(org.data.business_id), org.data.name
        assert len(org.data.postal_code) == 5 and org.data.postal_code.isdigit()
    for person in data.persons:
        for email in person.emails:
            normalise_email(email)
            assert not set(email.split("@")[0].casefold()) & set("äöå")


@pytest.fixture(scope="module")
async def seeded(settings, store):
    """One tenant filled once for the module (seeding takes a few seconds)."""
    from tenants.provisioning import create_tenant, delete_tenant
    from tests.conftest import unique_slug

    slug = unique_slug("demo")
    await create_tenant(slug, "Demo Oy", store=store, app_role=settings.database.app_role)
    started = time.monotonic()
    counts = await demo_data.seed_tenant(slug)
    seconds = time.monotonic() - started
    yield slug, counts, seconds
    await delete_tenant(slug, store=store)


async def test_counts_and_speed(seeded):
    slug, counts, seconds = seeded
    assert counts["organizations"] >= 40 and counts["persons"] >= 200
    assert counts["departed"] > 0 and counts["moved"] > 0
    assert seconds < 15, f"seeding took {seconds:.1f} s"
    async with tenant_scope(slug):
        conn = DB.current_connection()
        assert await conn.fetchval("SELECT count(*) FROM organization") >= 40
        assert await conn.fetchval("SELECT count(*) FROM person") >= 200
        assert await conn.fetchval("SELECT count(*) FROM organization WHERE einvoice_address <> ''")


async def test_business_ids_phones_and_names_are_real_looking(seeded):
    slug, _, _ = seeded
    async with tenant_scope(slug):
        conn = DB.current_connection()
        ids = [r["business_id"] for r in await conn.fetch("SELECT business_id FROM organization")]
        phones = [r["phone_e164"] for r in await conn.fetch("SELECT phone_e164 FROM person_phone")]
        names = [
            r["n"] for r in await conn.fetch("SELECT first_name || ' ' || last_name n FROM person")
        ]
        cities = {r["city"] for r in await conn.fetch("SELECT DISTINCT city FROM organization")}
    assert ids and all(ytunnus.is_valid(b) and len(b) == 9 and b[7] == "-" for b in ids)
    assert len(phones) >= 200
    for phone in phones:
        number = phonenumbers.parse(phone)
        assert phone.startswith("+358") and phonenumbers.is_valid_number(number), phone
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone
    mobiles = [p for p in phones if p[4:6] in ("40", "41", "44", "45", "46", "50")]
    assert mobiles and len(mobiles) < len(phones)  # landlines too
    for letter in "äöå":
        assert any(letter in n.casefold() for n in names), letter
    assert len(set(names)) > 150
    assert len(cities) >= 8


async def test_departed_and_moved_people_have_history(seeded):
    slug, _, _ = seeded
    async with tenant_scope(slug):
        conn = DB.current_connection()
        departed = await conn.fetch(
            "SELECT p.id, p.last_name, p.left_organization_on FROM person p "
            "WHERE p.left_organization_on IS NOT NULL"
        )
        moved = await conn.fetchval(
            "SELECT count(*) FROM (SELECT person FROM employment GROUP BY person "
            "HAVING count(*) > 1 AND bool_or(current)) m"
        )
        inverted = await conn.fetchval(
            "SELECT count(*) FROM employment WHERE ended_on < started_on"
        )
        still_current = await conn.fetchval(
            "SELECT count(*) FROM employment e JOIN person p ON p.id = e.person "
            "WHERE p.left_organization_on IS NOT NULL AND e.current"
        )
        assert departed and moved
        assert inverted == 0 and still_current == 0
        # Departed people are hidden from search unless asked for.
        gone = departed[0]
        hidden = await search(gone["last_name"])
        shown = await search(gone["last_name"], include_departed=True)
        assert gone["id"] not in [i["id"] for i in hidden.items]
        assert gone["id"] in [i["id"] for i in shown.items]


async def test_near_duplicates_are_found(seeded):
    slug, _, _ = seeded
    data = demo_data.build(demo_data.seed_for(slug))
    twins = [p for p in data.persons if p.duplicate_of is not None]
    assert len(twins) >= 4
    async with tenant_scope(slug):
        conn = DB.current_connection()
        org_ids = {
            r["name"]: r["id"] for r in await conn.fetch("SELECT id, name FROM organization")
        }
        strengths = set()
        for twin in twins:
            original = data.persons[twin.duplicate_of]
            org_id = org_ids[data.organizations[twin.org].data.name]
            found = await find_duplicates(
                PersonInput(
                    first_name=twin.first_name,
                    last_name=twin.last_name,
                    emails=twin.emails,
                    phones=twin.phones,
                    organization_id=org_id,
                )
            )
            names = {d["name"] for d in found}
            assert f"{original.first_name} {original.last_name}" in names, twin
            strengths |= {d["strength"] for d in found}
        # A strong pair by e-mail: the original and the twin find each other.
        card = await conn.fetchrow(
            "SELECT e.email_normalised, count(*) n FROM person_email e "
            "GROUP BY e.email_normalised HAVING count(*) > 1 LIMIT 1"
        )
    assert card is not None and card["n"] == 2
    assert strengths == {"strong", "weak"}


async def test_seeding_twice_does_not_duplicate(seeded):
    slug, _, _ = seeded
    async with tenant_scope(slug):
        before = await DB.current_connection().fetchval("SELECT count(*) FROM person")
    assert await demo_data.seed_tenant(slug) is None
    async with tenant_scope(slug):
        assert await DB.current_connection().fetchval("SELECT count(*) FROM person") == before


async def test_seed_demo_refuses_production(settings):
    with pytest.raises(CommandError):
        await _seed_demo(replace(settings, env="production"))


async def test_seed_demo_creates_and_fills_the_demo_tenants_once(settings, store, monkeypatch):
    from tenants import cli
    from tenants.provisioning import delete_tenant
    from tests.conftest import unique_slug

    slugs = [unique_slug("demo"), unique_slug("acme")]
    monkeypatch.setattr(
        cli, "DEMO_TENANTS", tuple((s, f"{s} Oy", None) for s in slugs), raising=True
    )
    try:
        assert await _seed_demo(settings) == slugs
        counts = []
        for slug in slugs:
            async with tenant_scope(slug):
                counts.append(await DB.current_connection().fetchval("SELECT count(*) FROM person"))
        assert all(n >= 200 for n in counts)
        assert await _seed_demo(settings) == []  # a second `make run`
        for slug, before in zip(slugs, counts, strict=True):
            async with tenant_scope(slug):
                after = await DB.current_connection().fetchval("SELECT count(*) FROM person")
            assert after == before
    finally:
        for slug in slugs:
            await delete_tenant(slug, store=store)


async def test_demo_users_can_sign_in_once_seeded(make_tenant, anon_client):
    from tenants.demo_data import seed_users

    t = await make_tenant()
    async with tenant_scope(t.slug):
        await DB.current_connection().execute("DELETE FROM app_user")
    assert await seed_users(t.slug, "Demo-salasana-123") == 2
    assert await seed_users(t.slug, "Demo-salasana-123") == 0  # a second run adds nobody
    await anon_client.get(f"/t/{t.slug}/login")
    r = await anon_client.post(
        f"/t/{t.slug}/login",
        follow_redirects=False,
        data={
            "email": f"admin@{t.slug}.example",
            "password": "Demo-salasana-123",
            "_csrf_token": anon_client.cookies.get("kortisto_csrf"),
        },
    )
    assert r.status_code == 303
