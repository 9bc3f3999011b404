"""Attachments in core: stored under an opaque key with a checksum, verified by a real job,
objects removed with their row (after commit) or by the orphan sweep, tenants kept apart."""

import dataclasses
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from dramatiq import Worker
from PIL import Image

from core import attachment_jobs, attachments, audit
from core.attachments import AttachmentNotFoundError, AttachmentRefusedError, Owner, Upload
from core.db import DB
from core.jobs import build_broker
from core.persons import PersonInput, create_person
from core.settings import get_settings
from core.visibility import SYSTEM, Viewer
from tenants.actors import register_actors
from tenants.scope import tenant_scope
from tests.support.broker import reset_broker

ACTOR = audit.Actor("user", "u1", "tester@example.fi")
STAFF = Viewer(user_id=uuid.uuid4(), role="staff")
PDF = b"%PDF-1.7\n" + b"sopimusteksti " * 500


def png_bytes(size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def broker(settings):
    broker = build_broker(settings.redis_url.reveal())
    reset_broker(broker)
    register_actors(broker)
    yield broker
    reset_broker(broker)


def run_jobs(broker) -> None:
    worker = Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        broker.join("default", timeout=20_000)
        worker.join()
    finally:
        worker.stop()


async def _card(slug: str) -> uuid.UUID:
    async with tenant_scope(slug):
        return await create_person(PersonInput(first_name="Liite", last_name="Henkilö"))


async def _upload(slug, owner, name, data, viewer=STAFF) -> dict:
    async with tenant_scope(slug):
        return await attachments.upload(owner, Upload(name, data), viewer=viewer, actor=ACTOR)


async def test_upload_stores_under_an_opaque_key_with_checksum_and_audit(make_tenant, store):
    a = await make_tenant()
    owner = Owner("person", await _card(a.slug))
    row = await _upload(a.slug, owner, "../../Sopimus 2026.pdf", PDF)
    assert row["object_key"] == f"attachments/{row['id']}"
    assert row["filename"] == "Sopimus 2026.pdf" and row["content_type"] == "application/pdf"
    assert row["size_bytes"] == len(PDF) and row["status"] == "uploaded"
    async with tenant_scope(a.slug):
        stored = await store.stat(row["object_key"])
        assert stored.sha256 == row["sha256"] and stored.size == len(PDF)
        conn = DB.current_connection()
        jobs = await conn.fetch("SELECT actor_name, kwargs FROM outbox_message")
        assert [j["actor_name"] for j in jobs] == [attachments.VERIFY_JOB]
        events = await audit.events(action_prefix="attachment.")
        assert [e["action"] for e in events] == ["attachment.uploaded"]
        # The owner is the event's object and the file is named by its id only: a file name
        # can be personal data, and the audit outlives the attachment.
        uploaded = events[0]
        assert (uploaded["object_kind"], uploaded["object_id"]) == ("person", str(owner.id))
        assert uploaded["detail"] == {"attachment": str(row["id"])}
        assert "Sopimus" not in str(uploaded) and row["sha256"] not in str(uploaded)


async def test_size_limit_and_programs_are_refused_before_anything_is_stored(make_tenant, store):
    a = await make_tenant()
    owner = Owner("organization", uuid.uuid4())
    with pytest.raises(AttachmentRefusedError) as too_large:
        attachments.check_file(Upload("iso.pdf", PDF), limit=100)
    assert too_large.value.code == "too_large" and too_large.value.facts["limit_bytes"] == 100
    person = Owner("person", await _card(a.slug))
    with pytest.raises(AttachmentRefusedError) as program:
        await _upload(a.slug, person, "lasku.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200)
    assert program.value.code == "executable_content"
    with pytest.raises(AttachmentNotFoundError):  # no such organization
        await _upload(a.slug, owner, "a.pdf", PDF)
    async with tenant_scope(a.slug):
        assert await store.keys("attachments/") == []


async def test_self_role_gets_no_attachments_even_on_their_own_card(make_tenant):
    a = await make_tenant()
    owner = Owner("person", await _card(a.slug))
    await _upload(a.slug, owner, "a.pdf", PDF)
    async with tenant_scope(a.slug):
        with pytest.raises(AttachmentNotFoundError):
            await attachments.list_for(owner, Viewer(user_id=uuid.uuid4(), role="self"))


async def test_verification_job_makes_a_thumbnail_and_rejects_a_tampered_file(
    make_tenant, store, broker
):
    a = await make_tenant()
    owner = Owner("person", await _card(a.slug))
    image = await _upload(a.slug, owner, "kuva.png", png_bytes())
    document = await _upload(a.slug, owner, "sopimus.pdf", PDF)
    async with tenant_scope(a.slug):  # someone changes the stored bytes behind our back
        await store.put(document["object_key"], PDF + b"muutettu", "application/pdf")
    run_jobs(broker)
    async with tenant_scope(a.slug):
        rows = {r["filename"]: r for r in await attachments.list_for(owner, SYSTEM)}
        assert rows["kuva.png"]["status"] == "ready"
        thumb = rows["kuva.png"]["thumbnail_key"]
        assert thumb == image["object_key"] + ".thumb.jpg"
        small = Image.open(io.BytesIO(await store.get(thumb)))
        assert small.format == "JPEG" and max(small.size) <= 320
        assert rows["sopimus.pdf"]["status"] == "rejected"
        assert rows["sopimus.pdf"]["status_reason"] == "size"
        with pytest.raises(AttachmentRefusedError) as refused:
            await attachments.download_link(document["id"], viewer=STAFF, actor=ACTOR)
        assert refused.value.code == "rejected"
        # Running it again changes nothing (a redelivered message).
        assert await attachment_jobs.verify(str(image["id"])) == "ready"


async def test_object_goes_with_its_row_after_commit_only(make_tenant, store):
    a = await make_tenant()
    owner = Owner("person", await _card(a.slug))
    row = await _upload(a.slug, owner, "pois.pdf", PDF)
    with pytest.raises(RuntimeError):
        async with tenant_scope(a.slug):
            await attachments.delete(row["id"], viewer=STAFF, actor=ACTOR)
            raise RuntimeError("rolled back")
    async with tenant_scope(a.slug):
        assert await store.stat(row["object_key"]) is not None  # the rollback kept it
        await attachments.delete(row["id"], viewer=STAFF, actor=ACTOR)
        assert await store.stat(row["object_key"]) is not None  # not before commit
    async with tenant_scope(a.slug):
        assert await store.stat(row["object_key"]) is None
        conn = DB.current_connection()
        assert await conn.fetchval("SELECT count(*) FROM attachment") == 0
        events = await audit.events(action_prefix="attachment.")
        assert [e["action"] for e in events] == ["attachment.deleted", "attachment.uploaded"]
        deleted = events[0]
        assert (deleted["object_kind"], deleted["object_id"]) == ("person", str(owner.id))
        assert deleted["detail"] == {"attachment": str(row["id"])}
        assert all("pois.pdf" not in str(e) for e in events)


async def test_orphan_sweep_removes_old_unreferenced_objects_only(make_tenant, store):
    a = await make_tenant()
    kept_owner = Owner("person", await _card(a.slug))
    gone_owner = Owner("person", await _card(a.slug))
    kept = await _upload(a.slug, kept_owner, "jaa.pdf", PDF)
    cascaded = await _upload(a.slug, gone_owner, "menee.pdf", PDF)
    async with tenant_scope(a.slug):
        await store.put("attachments/keskeneräinen", b"kesken", "text/plain")
        await store.put("archives/muu.json.gz", b"x", "application/gzip")
        # The card goes; its attachment row cascades away and leaves the object behind.
        await DB.current_connection().execute("DELETE FROM person WHERE id = $1", gone_owner.id)
    grace = timedelta(hours=1)
    async with tenant_scope(a.slug):
        assert await attachment_jobs.sweep_orphans(grace) == 0  # all still young
    later = datetime.now(UTC) + timedelta(hours=2)
    async with tenant_scope(a.slug):
        assert await attachment_jobs.sweep_orphans(grace, now=later) == 2
        assert sorted(await store.keys()) == ["archives/muu.json.gz", kept["object_key"]]
        assert cascaded["object_key"] not in await store.keys()


async def test_tenant_a_cannot_reach_tenant_b_attachment_by_id_or_key(make_tenant, store):
    a, b = await make_tenant(), await make_tenant()
    owner = Owner("person", await _card(b.slug))
    row = await _upload(b.slug, owner, "salainen.pdf", PDF)
    async with tenant_scope(a.slug):
        admin = Viewer(user_id=uuid.uuid4(), role="admin")
        with pytest.raises(AttachmentNotFoundError):
            await attachments.download_link(row["id"], viewer=admin, actor=ACTOR)
        with pytest.raises(AttachmentNotFoundError):
            await attachments.delete(row["id"], viewer=admin, actor=ACTOR)
        assert await store.stat(row["object_key"]) is None  # A's bucket has no such key
        with pytest.raises(Exception):  # noqa: B017 - the SDK's NoSuchKey
            await store.get(row["object_key"])
    async with tenant_scope(b.slug):
        assert await store.stat(row["object_key"]) is not None


async def test_scheduler_fans_out_one_sweep_per_tenant_and_the_job_sweeps(
    make_tenant, store, monkeypatch
):
    from tenants import attachment_jobs as tenant_jobs
    from tenants.actors import TENANT_JOBS, run_once_in_scope
    from tenants.scheduler import JOBS, fan_out_attachment_sweeps

    class Recorder:
        def __init__(self):
            self.messages = []

        def enqueue(self, message):
            self.messages.append(message)

    a = await make_tenant()
    assert "attachment-orphan-sweep" in {job.name for job in JOBS}
    broker = Recorder()
    await fan_out_attachment_sweeps(broker, "2026-12-04T03")
    ours = [m for m in broker.messages if m.kwargs == {"tenant": a.slug}]
    assert [(m.actor_name, m.message_id) for m in ours] == [
        (tenant_jobs.SWEEP_JOB, f"{tenant_jobs.SWEEP_JOB}:{a.slug}:2026-12-04T03")
    ]
    async with tenant_scope(a.slug):
        await store.put("attachments/orpo", b"x", "text/plain")
    no_grace = dataclasses.replace(get_settings(), attachment_orphan_grace_minutes=0)
    monkeypatch.setattr(tenant_jobs, "get_settings", lambda: no_grace)
    job = TENANT_JOBS[tenant_jobs.SWEEP_JOB]
    assert await run_once_in_scope(tenant_jobs.SWEEP_JOB, job, a.slug, {}) == 1
    async with tenant_scope(a.slug):
        assert await store.keys("attachments/") == []
