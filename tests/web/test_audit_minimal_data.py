"""The audit stores ids, codes and field names, not the person's data: after typical actions
(create and edit a card on the pages, the person's own rectification, a merge, a
data-subject request with the requester's address, reading the change history) no audit row's
action, object, detail, purpose or request id holds a name, an e-mail, a phone or a HETU."""

from __future__ import annotations

import uuid

import pytest

from core import audit, requests
from core.db import DB
from core.merge import merge_persons
from core.self_service import OwnCardInput, rectify_own_card
from tenants.scope import tenant_scope

SECRETS = (
    "Salomaa",
    "Salomäki",
    "Sirkku",
    "sirkku.salainen@piilo.example",
    "uusi.osoite@piilo.example",
    "+358409998877",
    "040 999 8877",
    "131052-308T",
)


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def test_no_personal_data_in_audit_rows_after_typical_actions(client, tenant):
    slug = tenant.slug
    created = await client.post(
        f"/t/{slug}/persons/new",
        data={
            "first_name": "Sirkku",
            "last_name": "Salomaa",
            "emails": "sirkku.salainen@piilo.example",
            "phones": "040 999 8877",
            "description": "HETU 131052-308T mainittu",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    async with tenant_scope(slug):
        pid = await DB.current_connection().fetchval("SELECT id FROM person LIMIT 1")
    edited = await client.post(
        f"/t/{slug}/persons/{pid}/edit",
        data={
            "first_name": "Sirkku",
            "last_name": "Salomäki",
            "emails": "uusi.osoite@piilo.example",
            "phones": "040 999 8877",
        },
        follow_redirects=False,
    )
    assert edited.status_code == 303
    assert (await client.get(f"/t/{slug}/persons/{pid}/changes/")).status_code == 200
    actor = audit.Actor("user", str(uuid.uuid4()), "kasittelija@rekisteri.example")
    async with tenant_scope(slug):
        user_id = await DB.current_connection().fetchval("SELECT id FROM app_user LIMIT 1")
        await rectify_own_card(
            pid,
            OwnCardInput(first_name="Sirkku", last_name="Salomaa", emails=["x@y.fi"]),
            user_id=user_id,
            label="itse",
        )
        other = await DB.current_connection().fetchval(
            "INSERT INTO person (id, first_name, last_name, search_name, sort_key) "
            "VALUES ($1, 'Sirkku', 'Salomaa', 'sirkku salomaa', 'salomaa sirkku') RETURNING id",
            uuid.uuid4(),
        )
        await merge_persons(pid, other, actor="kasittelija@rekisteri.example")
        await requests.create_request(
            pid,
            "access",
            actor=actor,
            requester_email="sirkku.salainen@piilo.example",
            details="Sirkku Salomaa haluaa kopion",
        )
        rows = await DB.current_connection().fetch(
            "SELECT action, object_kind, object_id, detail::text AS detail, purpose, request_id "
            "FROM audit_event"
        )
        actions = {r["action"] for r in rows}
    assert {"person.create", "person.update", "person.rectify", "request.received"} <= actions
    for row in rows:
        text = " ".join(str(v) for v in row.values())
        for secret in SECRETS:
            assert secret.casefold() not in text.casefold(), (row["action"], secret, text)


async def test_end_customer_actions_are_audited_under_their_id_not_their_address(
    anon_client, tenant
):
    from tests.conftest import add_self_user
    from tests.support.auth_client import SignedInClient, user_email

    slug = tenant.slug
    await add_self_user(slug)
    address = user_email(slug, "self")
    me = SignedInClient(anon_client, role="self")
    made = await me.post(f"/t/{slug}/me/requests/", data={"kind": "access"}, follow_redirects=False)
    assert made.status_code == 303
    async with tenant_scope(slug):
        conn = DB.current_connection()
        user_id = await conn.fetchval("SELECT id FROM app_user WHERE email = $1", address)
        mine = await conn.fetch(
            "SELECT actor_id, actor_label FROM audit_event WHERE actor_id = $1", str(user_id)
        )
        leaked = await conn.fetchval(
            "SELECT count(*) FROM audit_event WHERE actor_label = $1", address
        )
    # The request was audited under the account's id; the address is nowhere in the audit,
    # which outlives an erasure of the card.
    assert mine and {r["actor_label"] for r in mine} == {audit.SELF_SERVICE_LABEL}
    assert leaked == 0
    admin = SignedInClient(anon_client.__class__(app=anon_client.app), role="admin")
    async with admin.client:
        page = await admin.get(f"/t/{slug}/admin/audit/")
    assert "Asiakas itse (oma asiointi)" in page.text and address not in page.text
