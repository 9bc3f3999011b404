"""The audit's hash chain: sealing is idempotent and safe under concurrency, verification finds
a changed, a removed or a slipped-in event, and the runtime role can write only the link."""

import asyncio
import uuid

import asyncpg
import pytest

from core import audit, audit_chain
from core.db import DB, as_admin
from tenants.scope import tenant_scope

ACTOR = audit.Actor("user", "u1", "maija@example.fi")


async def _events(slug: str, n: int) -> None:
    async with tenant_scope(slug):
        for i in range(n):
            await audit.record_read(
                [uuid.uuid4()], actor=ACTOR, purpose="customer_service", via="page", n=i
            )


async def _seal(slug: str) -> audit_chain.SealResult:
    async with tenant_scope(slug):
        return await audit_chain.seal()


async def _verify(slug: str) -> audit_chain.VerifyResult:
    async with tenant_scope(slug):
        return await audit_chain.verify()


async def _as_owner(schema: str, sql: str, *args) -> None:
    with as_admin():
        async with DB.transaction() as txn:
            await txn.connection.execute("SELECT set_config('search_path', $1, true)", schema)
            await txn.connection.execute(sql, *args)


async def test_record_carries_person_purpose_and_request_id(make_tenant):
    t = await make_tenant()
    person = uuid.uuid4()
    async with tenant_scope(t.slug):
        token = audit.bind_request_id("req-123")
        try:
            await audit.record_read([person, person], actor=ACTOR, purpose="api", via="api")
            assert await audit.record_read([], actor=ACTOR, purpose="api", via="api") is None
            await audit.record_read(
                [uuid.uuid4(), person], actor=ACTOR, purpose="customer_service", via="list"
            )
        finally:
            audit._request_id.reset(token)
        with pytest.raises(ValueError):
            await audit.record("x", actor=ACTOR, purpose="curiosity")
        events = await audit.events()
    assert len(events) == 2
    many, one = events
    assert one["person_id"] == person and one["purpose"] == "api"
    assert one["request_id"] == "req-123" and one["detail"]["persons"] == [str(person)]
    assert many["person_id"] is None and many["detail"]["count"] == 2
    assert many["seq"] > one["seq"]


async def test_intact_chain_verifies_and_sealing_is_idempotent(make_tenant):
    t = await make_tenant()
    assert (await _verify(t.slug)).ok  # an empty trail is intact
    await _events(t.slug, 5)
    first = await _seal(t.slug)
    assert first.sealed == 5 and first.head.last_seq >= 5
    again = await _seal(t.slug)
    assert again.sealed == 0 and again.head == first.head
    await _events(t.slug, 3)
    third = await _seal(t.slug)
    assert third.sealed == 3
    result = await _verify(t.slug)
    assert result.ok and result.checked == 8 and result.unsealed == 0
    assert "ok" in result.line(t.slug)


async def test_concurrent_sealers_and_writers_give_one_chain(make_tenant):
    t = await make_tenant()

    async def writer() -> None:
        for _ in range(10):
            await _events(t.slug, 2)

    results = await asyncio.gather(
        writer(), writer(), writer(), *(_seal(t.slug) for _ in range(6))
    )
    sealers = results[3:]
    assert not any(r.busy for r in sealers)
    final = await _seal(t.slug)
    assert sum(r.sealed for r in sealers) + final.sealed == 60
    result = await _verify(t.slug)
    assert result.ok and result.checked == 60 and result.unsealed == 0


async def test_a_rolled_back_event_leaves_a_gap_the_chain_accepts(make_tenant):
    t = await make_tenant()
    await _events(t.slug, 2)
    with pytest.raises(RuntimeError):
        async with tenant_scope(t.slug):
            await audit.record("gone", actor=ACTOR)
            raise RuntimeError("rollback")
    await _events(t.slug, 2)
    assert (await _seal(t.slug)).sealed == 4
    assert (await _verify(t.slug)).ok


async def test_runtime_role_may_write_only_the_link(make_tenant):
    t = await make_tenant()
    await _events(t.slug, 1)
    for sql in (
        "UPDATE audit_event SET action = 'x'",
        "UPDATE audit_event SET detail = '{}'",
        "DELETE FROM audit_event",
        "UPDATE audit_event SET chain_hash = 'x', purpose = 'api'",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with tenant_scope(t.slug):
                await DB.current_connection().execute(sql)
    # A forged link is not trusted: verification recomputes it.
    await _seal(t.slug)
    async with tenant_scope(t.slug):
        await DB.current_connection().execute("UPDATE audit_event SET chain_hash = repeat('a', 64)")
    result = await _verify(t.slug)
    assert not result.ok and result.bad_seq is not None


async def test_verify_finds_a_changed_event(make_tenant):
    t = await make_tenant()
    await _events(t.slug, 5)
    await _seal(t.slug)
    async with tenant_scope(t.slug):
        third = (await audit.events())[2]
    await _as_owner(
        t.schema, "UPDATE audit_event SET purpose = 'export' WHERE id = $1", third["id"]
    )
    result = await _verify(t.slug)
    assert not result.ok
    assert result.bad_seq == third["seq"] and result.bad_id == str(third["id"])
    assert "BROKEN" in result.line(t.slug) and str(third["seq"]) in result.line(t.slug)


async def test_verify_finds_a_removed_event(make_tenant):
    t = await make_tenant()
    await _events(t.slug, 5)
    await _seal(t.slug)
    async with tenant_scope(t.slug):
        newest_first = await audit.events()
    removed, after = newest_first[2], newest_first[1]
    await _as_owner(t.schema, "DELETE FROM audit_event WHERE id = $1", removed["id"])
    result = await _verify(t.slug)
    assert not result.ok and result.bad_seq == after["seq"]
    assert f"seq {removed['seq']}..{removed['seq']}" in result.reason


async def test_verify_finds_a_removed_last_event(make_tenant):
    t = await make_tenant()
    await _events(t.slug, 3)
    await _seal(t.slug)
    async with tenant_scope(t.slug):
        newest = (await audit.events())[0]
    await _as_owner(t.schema, "DELETE FROM audit_event WHERE id = $1", newest["id"])
    result = await _verify(t.slug)
    assert not result.ok and result.bad_seq is None and "head" in result.reason


async def test_verify_finds_an_event_slipped_into_the_sealed_range(make_tenant):
    t = await make_tenant()
    await _events(t.slug, 3)
    await _seal(t.slug)
    async with tenant_scope(t.slug):
        oldest = (await audit.events())[-1]
        await DB.current_connection().execute(
            "INSERT INTO audit_event (id, actor_kind, action, seq) VALUES ($1, 'user', 'x', $2)",
            uuid.uuid4(),
            oldest["seq"],
        )
    result = await _verify(t.slug)
    assert not result.ok and result.bad_seq == oldest["seq"]
