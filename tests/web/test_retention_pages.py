"""The admins' retention pages: rules listed (defaults on the first visit), added and edited with
inline errors, deactivated; a dry run lists what would go and why (paged, cards named, one read
event); a queued sweep runs as a job; reports list past runs. Staff get 403 (the authorization
matrix walks every route as every role)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core import audit
from core.db import DB
from core.persons import PersonInput, create_person
from tenants.scope import tenant_scope
from tests.support.auth_client import SignedInClient


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant(name="Säilö Oy")


async def _ended(slug: str, count: int, ended: dt.date) -> list[uuid.UUID]:
    async with tenant_scope(slug):
        ids = []
        for i in range(count):
            person = await create_person(PersonInput(first_name=f"Vanha{i:02}", last_name="Kortti"))
            await DB.current_connection().execute(
                "UPDATE person SET relationship_ended_on = $2 WHERE id = $1", person, ended
            )
            ids.append(person)
        return ids


async def test_rules_page_gives_defaults_and_the_form_says_what_to_fix(client, tenant):
    base = f"/t/{tenant.slug}/admin/retention"
    page = await client.get(f"{base}/")
    assert page.status_code == 200
    assert "Asiakassuhteen hoito" in page.text and "60 kk" in page.text
    bad = await client.post(
        f"{base}/rules/new", data={"trigger": "", "period_months": "viisi", "action": "delete"}
    )
    assert bad.status_code == 400
    assert "Anna säilytysaika kokonaisina kuukausina" in bad.text
    assert "Valitse, mistä säilytysaika lasketaan." in bad.text
    assert "Valitse käsittelytoimi tai tietoryhmä" in bad.text
    assert 'aria-invalid="true"' in bad.text
    r = await client.post(
        f"{base}/rules/new",
        data={
            "data_category": "feedback",
            "trigger": "created",
            "period_months": "36",
            "action": "anonymise",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    async with tenant_scope(tenant.slug):
        rule_id = await DB.current_connection().fetchval(
            "SELECT id FROM retention_rule WHERE data_category = 'feedback'"
        )
    edit = await client.get(f"{base}/rules/{rule_id}")
    assert edit.status_code == 200 and 'value="36"' in edit.text
    r = await client.post(
        f"{base}/rules/{rule_id}",
        data={
            "data_category": "feedback",
            "trigger": "created",
            "period_months": "48",
            "action": "anonymise",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = await client.post(f"{base}/rules/{rule_id}/deactivate", follow_redirects=False)
    assert r.status_code == 303
    async with tenant_scope(tenant.slug):
        row = await DB.current_connection().fetchrow(
            "SELECT period_months, active FROM retention_rule WHERE id = $1", rule_id
        )
    assert (row["period_months"], row["active"]) == (48, False)
    assert (await client.get(f"{base}/rules/{uuid.uuid4()}")).status_code == 404


async def test_dry_run_lists_what_would_go_and_why_paged(client, tenant):
    base = f"/t/{tenant.slug}/admin/retention"
    await client.get(f"{base}/")  # the defaults: 60 months after the relationship ended
    people = await _ended(tenant.slug, 55, dt.date(2015, 3, 31))
    r = await client.post(f"{base}/dry-run", follow_redirects=False)
    assert r.status_code == 303
    run_url = r.headers["location"]
    page = await client.get(run_url)
    assert page.status_code == 200
    assert "Koeajo" in page.text and "2015-03-31" in page.text and "2020-03-31" in page.text
    assert page.text.count("Vanha") == 50 and "Poistetaan" in page.text
    second = await client.get(f"{run_url}?section=due&page=2")
    assert second.text.count("Vanha") == 5
    async with tenant_scope(tenant.slug):
        reads = await audit.events(action_prefix=audit.READ_ACTION)
        left = await DB.current_connection().fetchval("SELECT count(*) FROM person")
    shown = [e for e in reads if e["detail"].get("via") == "retention_run"]
    assert len(shown) == 2 and sorted(c for e in shown for c in e["detail"]["persons"]) == sorted(
        str(p) for p in people
    )
    assert left == 55  # a dry run removes nothing
    runs = await client.get(f"{base}/runs")
    assert runs.status_code == 200 and "Koeajo" in runs.text


async def test_sweep_now_is_queued_as_a_job_and_needs_the_button(client, tenant):
    base = f"/t/{tenant.slug}/admin/retention"
    bare = await client.post(f"{base}/sweep")
    assert bare.status_code == 400 and "Säilytysajoa ei aloitettu" in bare.text
    r = await client.post(f"{base}/sweep", data={"confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 303
    async with tenant_scope(tenant.slug):
        conn = DB.current_connection()
        queued = await conn.fetch("SELECT actor_name, kwargs::text FROM outbox_message")
        progress = await conn.fetchval(
            "SELECT status FROM job_progress WHERE kind = 'retention_sweep'"
        )
        await conn.execute("DELETE FROM outbox_message")  # no job left for later tests
    assert [q["actor_name"] for q in queued] == ["retention.sweep"] and progress == "queued"
    page = await client.get(f"{base}/runs?queued=1")
    assert "Säilytysajo on jonossa" in page.text


async def test_staff_may_not_see_retention(anon_client, tenant):
    staff = SignedInClient(anon_client, role="staff")
    base = f"/t/{tenant.slug}/admin/retention"
    assert (await staff.get(f"{base}/")).status_code == 403
    assert (await staff.post(f"{base}/dry-run")).status_code == 403


async def test_category_rules_on_the_pages_consents_refused_and_parts_listed(client, tenant):
    base = f"/t/{tenant.slug}/admin/retention"
    refused = await client.post(
        f"{base}/rules/new",
        data={
            "data_category": "consents",
            "trigger": "created",
            "period_months": "60",
            "action": "delete",
        },
    )
    assert refused.status_code == 400
    assert "Suostumuksia ja kieltoja ei poisteta säilytysajan perusteella" in refused.text
    r = await client.post(
        f"{base}/rules/new",
        data={
            "data_category": "contact_history",
            "trigger": "relationship_ended",
            "period_months": "12",
            "action": "delete",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    (person,) = await _ended(tenant.slug, 1, dt.date(2015, 3, 31))
    async with tenant_scope(tenant.slug):
        await DB.current_connection().execute(
            "INSERT INTO contact_event (id, person, channel, direction, summary, happened_at, "
            "created_at, recorded_by) VALUES ($1, $2, 'phone', 'outbound', 'x', now(), now(), '')",
            uuid.uuid4(),
            person,
        )
    run_url = (await client.post(f"{base}/dry-run", follow_redirects=False)).headers["location"]
    page = await client.get(f"{run_url}?section=parts")
    assert page.status_code == 200 and 'data-testid="run-parts"' in page.text
    assert "Vanha00" in page.text and "2016-03-31" in page.text
