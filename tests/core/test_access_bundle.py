"""The access copy (issue 6 item 6): every category of a person's data in JSON, CSV and HTML,
nothing of another person, progress to done, one audited read, a short-lived link, expiry."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from core import access_bundle_build, audit, jobs, requests
from core.access_bundle import CATEGORIES
from core.access_bundle_labels import VALUES, value_label
from core.contact_gate import PURPOSES
from core.db import DB
from tenants.access_bundle_jobs import BUILD_JOB, build_bundle
from tenants.actors import run_once_in_scope
from tenants.scope import tenant_scope
from tests.support.access_bundle_world import person_with_everything

STAFF = audit.Actor("user", str(uuid.uuid4()), "kasittelija@rekisteri.example")


@pytest.fixture(autouse=True)
def no_relay(monkeypatch):
    """Keep build jobs in the outbox for `run_queued_builds`, even when an earlier test of the
    session configured a broker (a tenant scope relays its outbox to it after commit)."""
    monkeypatch.setattr(jobs, "_broker", None)


async def run_queued_builds(slug: str) -> int:
    """Run the build jobs this tenant's outbox holds, as the worker would (job body in scope)."""
    async with tenant_scope(slug):
        rows = await DB.current_connection().fetch(
            "DELETE FROM outbox_message WHERE actor_name = $1 RETURNING kwargs", BUILD_JOB
        )
    for row in rows:
        kwargs = row["kwargs"] if isinstance(row["kwargs"], dict) else json.loads(row["kwargs"])
        kwargs.pop("tenant")
        await run_once_in_scope(BUILD_JOB, build_bundle, slug, kwargs)
    return len(rows)


async def started_access_request(person_id: uuid.UUID, kind: str = "access") -> uuid.UUID:
    created = await requests.create_request(person_id, kind, actor=STAFF)
    await requests.verify_manually(created["id"], "henkilökortti", actor=STAFF)
    await requests.start(created["id"], actor=STAFF)
    return created["id"]


def zip_texts(body: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {n: archive.read(n).decode("utf-8", "replace") for n in archive.namelist()}


@pytest.fixture
async def world(make_tenant, store):
    names = await make_tenant()
    async with tenant_scope(names.slug):
        person, expected = await person_with_everything(store, "Qa7")
        await person_with_everything(store, "Wz9")
        request_id = await started_access_request(person)
        progress_id = await access_bundle_build.start_build(request_id, actor=STAFF)
    return names.slug, person, expected, request_id, progress_id


async def test_copy_holds_every_category_in_every_format_and_nothing_of_others(world, store):
    slug, person, expected, request_id, progress_id = world
    assert set(expected) == set(CATEGORIES)
    assert await run_queued_builds(slug) == 1
    async with tenant_scope(slug):
        key = await DB.current_connection().fetchval(
            "SELECT bundle_key FROM data_subject_request WHERE id = $1", request_id
        )
        files = zip_texts(await store.get(key))
        progress = await access_bundle_build.progress_of(request_id)
    assert progress["status"] == "done" and progress["done"] == progress["total"] > 0
    document = json.loads(files["data.json"])
    for category, needle in expected.items():
        assert needle in json.dumps(document[category], ensure_ascii=False), category
        assert needle in files[f"csv/{category}.csv"], category
        assert needle in files["index.html"], category
    assert files["attachments/001-liiteQa7.txt"] == "Liitteen sisalto Qa7"
    everything = "\n".join(files.values()).lower()
    assert "wz9" not in everything  # the other person: not one string
    assert "salainenqa7" not in everything  # a private item they are not a participant of
    assert "attachments/" in document["attachments"][0]["path"]
    assert "object_key" not in files["data.json"]
    assert '<html lang="fi">' in files["index.html"]
    # Codes in words on the readable page; the machine-readable files keep the codes.
    assert "asiakaspalvelu" in files["index.html"] and "customer_service" in files["csv/reads.csv"]


async def test_build_is_one_audited_read_and_the_link_is_short_and_expires(world, store):
    slug, person, _expected, request_id, _progress = world
    await run_queued_builds(slug)
    async with tenant_scope(slug):
        reads = await DB.current_connection().fetch(
            "SELECT actor_kind FROM audit_event WHERE action = 'person.read' "
            "AND purpose = 'access_request' AND person_id = $1",
            person,
        )
        assert [r["actor_kind"] for r in reads] == ["system"]
        link = await access_bundle_build.download_link(
            request_id, store=store, actor=STAFF, purpose="customer_service"
        )
        downloads = await DB.current_connection().fetchval(
            "SELECT count(*) FROM audit_event WHERE action = 'request.bundle_downloaded' "
            "AND person_id = $1",
            person,
        )
    assert downloads == 1
    assert parse_qs(urlparse(link).query)["X-Amz-Expires"] == ["300"]
    async with httpx.AsyncClient() as http:
        answer = await http.get(link)
    assert answer.status_code == 200 and answer.content[:2] == b"PK"
    async with tenant_scope(slug):
        conn = DB.current_connection()
        key = await conn.fetchval(
            "SELECT bundle_key FROM data_subject_request WHERE id = $1", request_id
        )
        await conn.execute(
            "UPDATE data_subject_request SET bundle_expires_at = now() - interval '1 second' "
            "WHERE id = $1",
            request_id,
        )
        with pytest.raises(access_bundle_build.BundleError, match="expired"):
            await access_bundle_build.download_link(
                request_id, store=store, actor=STAFF, purpose="customer_service"
            )
        assert await access_bundle_build.expire_bundles(store) == 1
        assert await access_bundle_build.expire_bundles(store) == 0
        assert await store.stat(key) is None
        assert (
            await conn.fetchval(
                "SELECT bundle_key FROM data_subject_request WHERE id = $1", request_id
            )
            is None
        )


async def test_only_started_access_or_portability_requests_get_a_copy(make_tenant):
    names = await make_tenant()
    async with tenant_scope(names.slug):
        person = uuid.uuid4()
        await DB.current_connection().execute(
            "INSERT INTO person (id, first_name, last_name) VALUES ($1, 'A', 'B')", person
        )
        erasure = await started_access_request(person, kind="erasure")
        with pytest.raises(access_bundle_build.BundleError):
            await access_bundle_build.start_build(erasure, actor=STAFF)
        created = await requests.create_request(person, "portability", actor=STAFF)
        with pytest.raises(access_bundle_build.BundleError):  # not verified and started
            await access_bundle_build.start_build(created["id"], actor=STAFF)
        portability = await started_access_request(person, kind="portability")
        first = await access_bundle_build.start_build(portability, actor=STAFF)
        assert await access_bundle_build.start_build(portability, actor=STAFF) == first


async def test_identity_code_is_in_the_copy_only_masked(make_tenant, store):
    from core import hetu
    from tests.core.test_hetu import valid

    names = await make_tenant()
    code = valid("131052", "-", "308")
    async with tenant_scope(names.slug):
        person = uuid.uuid4()
        await DB.current_connection().execute(
            "INSERT INTO person (id, first_name, last_name) VALUES ($1, 'Hanna', 'Tunnus')", person
        )
        await hetu.set_enabled(True, "Laskutus vaatii yksilöinnin", changed_by="admin")
        await hetu.set_code(person, code)
        request_id = await started_access_request(person)
        await access_bundle_build.start_build(request_id, actor=STAFF)
    await run_queued_builds(names.slug)
    async with tenant_scope(names.slug):
        key = await DB.current_connection().fetchval(
            "SELECT bundle_key FROM data_subject_request WHERE id = $1", request_id
        )
        files = zip_texts(await store.get(key))
    everything = "\n".join(files.values())
    assert "131052-****" in everything and code not in everything and code[7:] not in everything


async def test_expiry_also_removes_old_copies_no_request_names(world, store, monkeypatch):
    slug, _person, _expected, request_id, _progress = world
    await run_queued_builds(slug)
    async with tenant_scope(slug):
        kept = await DB.current_connection().fetchval(
            "SELECT bundle_key FROM data_subject_request WHERE id = $1", request_id
        )
        await store.put("bundles/stray/failed-build.zip", b"PK", "application/zip")
        # Every object counts as older than the keeping time; the request's own copy stays.
        monkeypatch.setattr(access_bundle_build, "KEEP_FOR", timedelta(seconds=-60))
        assert await access_bundle_build.expire_bundles(store) == 1
        assert await store.stat("bundles/stray/failed-build.zip") is None
        assert await store.stat(kept) is not None


def test_every_consent_and_transfer_purpose_is_in_words_on_the_readable_page():
    # The copy's "recipients" and "consents" tables show these codes (core.contact_gate).
    assert [p for p in PURPOSES if p not in VALUES] == []
    assert value_label("purpose", "rights_request", "fi") == "vastaus pyyntöösi"
    assert value_label("purpose", "account", "en").startswith("your user account")
