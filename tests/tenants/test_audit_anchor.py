"""Heads of the audit chain anchored in the tenant's bucket (core.audit_anchor): a chain the
database owner forged consistently, or cut short with the head moved back, passes the chain's
own check but not the anchors."""

import json

from core import audit, audit_anchor, audit_chain
from tenants.audit import seal_tenant, verify_tenant
from tenants.scope import tenant_scope
from tests.core.test_audit_chain import _as_owner
from tests.tenants.test_audit_cli import _reads


async def _chain_only(slug: str) -> audit_chain.VerifyResult:
    """What verification finds without the anchors (the database alone)."""
    async with tenant_scope(slug):
        return await audit_chain.verify()


async def test_a_seal_that_moves_the_head_leaves_its_anchor_in_the_bucket(make_tenant, store):
    t = await make_tenant()
    assert (await seal_tenant(t.slug)).sealed == 0
    assert await audit_anchor.read_anchors(t.bucket) == []  # nothing sealed, nothing anchored
    await _reads(t.slug, 3)
    head = (await seal_tenant(t.slug)).head
    [anchor] = await audit_anchor.read_anchors(t.bucket)
    assert (anchor.seq, anchor.link) == (head.last_seq, head.last_hash)
    assert anchor.key.startswith("audit-anchors/") and anchor.key.endswith(".json")
    await _reads(t.slug, 2)
    later = (await seal_tenant(t.slug)).head
    # The same hour: its last seal's head replaces the anchor.
    [anchor] = await audit_anchor.read_anchors(t.bucket)
    assert (anchor.seq, anchor.link) == (later.last_seq, later.last_hash)
    verdict = await verify_tenant(t.slug)
    assert verdict.ok and verdict.anchors == 1 and verdict.checked == 5


async def test_a_consistently_forged_chain_is_caught_by_its_anchor(make_tenant):
    t = await make_tenant()
    await _reads(t.slug, 4)
    await seal_tenant(t.slug)
    async with tenant_scope(t.slug):
        second = (await audit.events())[2]
    # The owner rewrites an event, then has every link and the head recomputed.
    await _as_owner(
        t.schema, "UPDATE audit_event SET purpose = 'export' WHERE id = $1", second["id"]
    )
    await _as_owner(t.schema, "UPDATE audit_event SET chain_hash = NULL")
    await _as_owner(t.schema, "DELETE FROM audit_seal")
    async with tenant_scope(t.slug):
        assert (await audit_chain.seal()).sealed == 4  # no anchor: not through seal_tenant
    assert (await _chain_only(t.slug)).ok  # the database alone cannot tell
    verdict = await verify_tenant(t.slug, seal_first=False)
    assert not verdict.ok and "anchor kept outside the database" in verdict.reason
    assert verdict.line(t.slug).startswith(f"{t.slug}: BROKEN at event seq ")


async def test_events_cut_off_with_the_head_moved_back_are_caught(make_tenant):
    t = await make_tenant()
    await _reads(t.slug, 4)
    await seal_tenant(t.slug)
    async with tenant_scope(t.slug):
        newest_first = await audit.events()
    kept = newest_first[2]
    await _as_owner(t.schema, "DELETE FROM audit_event WHERE seq > $1", kept["seq"])
    await _as_owner(
        t.schema,
        "UPDATE audit_seal SET last_seq = $1, "
        "last_hash = (SELECT chain_hash FROM audit_event WHERE seq = $1)",
        kept["seq"],
    )
    assert (await _chain_only(t.slug)).ok
    verdict = await verify_tenant(t.slug, seal_first=False)
    assert not verdict.ok and "beyond the head" in verdict.reason


async def test_an_unreadable_anchor_fails_verification(make_tenant, store):
    t = await make_tenant()
    await _reads(t.slug, 1)
    await seal_tenant(t.slug)
    [anchor] = await audit_anchor.read_anchors(t.bucket)
    await store.put(
        anchor.key, json.dumps({"seq": "x"}).encode(), "application/json", bucket=t.bucket
    )
    verdict = await verify_tenant(t.slug, seal_first=False)
    assert not verdict.ok and "unreadable" in verdict.reason
