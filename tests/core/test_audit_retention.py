"""Audit retention: the owner role removes sealed events past the tenant's retention and writes
one prune record; verification resumes from it (still passes, still detects tampering in what
remains); the tenant role can neither delete events nor forge a prune record."""

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from core import audit, audit_chain
from core.db import DB, as_admin
from core.tenant_settings import AUDIT_RETENTION_MONTHS, set_setting
from tenants.audit import prune_tenant, verify_tenant
from tenants.scope import tenant_scope

ACTOR = audit.Actor("user", "u1", "maija@example.fi")


async def _events(slug: str, n: int) -> None:
    async with tenant_scope(slug):
        for i in range(n):
            await audit.record_read(
                [uuid.uuid4()], actor=ACTOR, purpose="customer_service", via="page", n=i
            )


async def _as_owner(schema: str, sql: str, *args):
    with as_admin():
        async with DB.transaction() as txn:
            await txn.connection.execute("SELECT set_config('search_path', $1, true)", schema)
            return await txn.connection.fetch(sql, *args)


async def _seqs(slug: str) -> list[int]:
    async with tenant_scope(slug):
        rows = await DB.current_connection().fetch("SELECT seq FROM audit_event ORDER BY seq")
    return [r["seq"] for r in rows]


async def test_prune_removes_old_sealed_events_and_verification_resumes(make_tenant):
    t = await make_tenant()
    await _events(t.slug, 5)
    # The first three are old (backdated before sealing, so their links cover the old times).
    await _as_owner(
        t.schema,
        "UPDATE audit_event SET at = at - interval '30 months' "
        "WHERE seq IN (SELECT seq FROM audit_event ORDER BY seq LIMIT 3)",
    )
    await _events(t.slug, 2)
    before = await _seqs(t.slug)
    async with tenant_scope(t.slug):
        await set_setting(AUDIT_RETENTION_MONTHS, "24", changed_by="test")

    result = await prune_tenant(t.slug)
    assert result.removed == 3 and result.last_seq == before[2]
    after = await _seqs(t.slug)
    assert after[: len(before) - 3] == before[3:]  # the rest kept (plus the prune's own event)
    async with tenant_scope(t.slug):
        prunes = await DB.current_connection().fetch("SELECT * FROM audit_prune")
        pruned_event = (await audit.events(action_prefix="audit.prune"))[0]
    assert len(prunes) == 1 and prunes[0]["removed"] == 3 and prunes[0]["last_seq"] == before[2]
    assert prunes[0]["last_hash"] and len(prunes[0]["last_hash"]) == 64
    assert pruned_event["detail"] == {"removed": 3, "last_seq": before[2], "months": 24}

    ok = await verify_tenant(t.slug)
    assert ok.ok, ok.reason
    # A second run finds nothing more to remove and the chain still holds.
    assert (await prune_tenant(t.slug)).removed == 0
    assert (await verify_tenant(t.slug)).ok

    # Tampering with what remains is still found.
    await _as_owner(
        t.schema,
        "UPDATE audit_event SET actor_label = 'someone else' WHERE seq = $1",
        before[4],
    )
    broken = await verify_tenant(t.slug)
    assert not broken.ok and broken.bad_seq == before[4]


async def test_a_young_or_unsealed_event_ends_the_prefix(make_tenant):
    t = await make_tenant()
    await _events(t.slug, 3)
    # Only the middle one is old: nothing before it is, so nothing may go.
    await _as_owner(
        t.schema,
        "UPDATE audit_event SET at = at - interval '5 years' WHERE seq = "
        "(SELECT seq FROM audit_event ORDER BY seq OFFSET 1 LIMIT 1)",
    )
    assert (await prune_tenant(t.slug, months=12)).removed == 0
    # Far in the future every sealed event is old and goes.
    result = await prune_tenant(t.slug, now=datetime(2100, 1, 1, tzinfo=UTC), months=12)
    assert result.removed == 3
    assert (await verify_tenant(t.slug)).ok


async def test_tenant_role_cannot_delete_events_or_forge_a_prune(make_tenant):
    t = await make_tenant()
    await _events(t.slug, 2)
    async with tenant_scope(t.slug):
        await audit_chain.seal()
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with tenant_scope(t.slug):
            await DB.current_connection().execute("DELETE FROM audit_event")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with tenant_scope(t.slug):
            await DB.current_connection().execute(
                "INSERT INTO audit_prune (id, last_seq, last_hash, removed, older_than) "
                "VALUES ($1, 999, $2, 0, now())",
                uuid.uuid4(),
                "0" * 64,
            )
    assert len(await _seqs(t.slug)) == 2
    assert (await verify_tenant(t.slug)).ok


async def test_admin_sets_the_retention_with_validation(client, make_tenant):
    t = await make_tenant()
    page = await client.get(f"/t/{t.slug}/admin/settings/")
    assert page.status_code == 200 and 'name="audit_retention_months"' in page.text
    assert 'value="24"' in page.text  # the default
    bad = await client.post(f"/t/{t.slug}/admin/settings/", data={"audit_retention_months": "0"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    ok = await client.post(
        f"/t/{t.slug}/admin/settings/",
        data={"audit_retention_months": "36"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    async with tenant_scope(t.slug):
        from core.audit_retention import retention_months

        assert await retention_months() == 36
        event = (await audit.events(action_prefix="settings.audit_retention"))[0]
    assert event["detail"] == {"months": 36}
