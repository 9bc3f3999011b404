"""`kortisto audit verify|seal`, and the scheduler's minute seal."""

import uuid

from core import audit, audit_chain
from core.db import DB, as_admin
from tenants.scheduler import JOBS, seal_audits
from tenants.scope import tenant_scope
from tests.tenants.test_operator_cli import kortisto


async def _reads(slug: str, n: int) -> None:
    async with tenant_scope(slug):
        for _ in range(n):
            await audit.record_read(
                [uuid.uuid4()], actor=audit.SYSTEM, purpose="customer_service", via="page"
            )


async def test_verify_passes_then_reports_a_tampered_and_a_removed_row(make_tenant):
    t = await make_tenant()
    await _reads(t.slug, 4)
    ok = kortisto("audit", "verify", "--tenant", t.slug)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == (
        f"{t.slug}: ok, chain intact over 4 events (0 not sealed yet, 1 anchored heads match)"
    )

    async with tenant_scope(t.slug):
        events = await audit.events()  # newest first
    with as_admin():
        async with DB.transaction() as txn:
            await txn.connection.execute(
                f"UPDATE {t.schema}.audit_event SET actor_label = 'joku muu' WHERE id = $1",
                events[2]["id"],
            )
    bad = kortisto("audit", "verify", "--tenant", t.slug, "--no-seal")
    assert bad.returncode == 1
    assert bad.stdout.startswith(f"{t.slug}: BROKEN at event seq {events[2]['seq']} ")
    assert len(bad.stdout.strip().splitlines()) == 1

    with as_admin():
        async with DB.transaction() as txn:
            await txn.connection.execute(
                f"UPDATE {t.schema}.audit_event SET actor_label = $2 WHERE id = $1",
                events[2]["id"],
                events[2]["actor_label"],
            )
            await txn.connection.execute(
                f"DELETE FROM {t.schema}.audit_event WHERE id = $1", events[1]["id"]
            )
    removed = kortisto("audit", "verify", "--tenant", t.slug)
    assert removed.returncode == 1
    assert f"BROKEN at event seq {events[0]['seq']} " in removed.stdout
    assert "absent before it" in removed.stdout


async def test_seal_command_and_unknown_tenant(make_tenant):
    t = await make_tenant()
    await _reads(t.slug, 2)
    r = kortisto("audit", "seal", "--tenant", t.slug)
    assert r.returncode == 0 and r.stdout.startswith(f"{t.slug}: sealed 2 events")
    again = kortisto("audit", "seal", "--tenant", t.slug)
    assert again.stdout.startswith(f"{t.slug}: sealed 0 events")
    missing = kortisto("audit", "verify", "--tenant", "ei-ole-olemassa")
    assert missing.returncode == 2 and "no active tenant" in missing.stderr


async def test_scheduler_seals_every_tenant_each_minute(make_tenant):
    assert any(job.name == "audit-seal" for job in JOBS)
    first, second = await make_tenant(), await make_tenant()
    await _reads(first.slug, 2)
    await _reads(second.slug, 3)
    assert await seal_audits(None, "2026-12-04T15:00") >= 5
    for t, n in ((first, 2), (second, 3)):
        async with tenant_scope(t.slug):
            result = await audit_chain.verify()
        assert result.ok and result.checked == n and result.unsealed == 0
