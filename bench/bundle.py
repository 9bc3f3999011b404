"""Access copy of a big card (`python -m bench bundle`): the build job for a person with 1,000
linked content items, timed end to end.

The card has ITEMS linked content items (one private among every 50, with the card's own user
as no participant: left out of the copy), CONTACTS contact events, consent and objection
histories, READS audit read events naming it among 20 cards each, transfers, field changes and
one 1 MiB attachment. Each round makes an access request (verified, started), queues the build
through the product's path (`start_build`: job_progress row and outbox message, committed) and
then runs the job's body as the worker does (`tenants.actors.run_once_in_scope` with
`tenants.access_bundle_jobs.build_bundle`): progress in its own short transactions, gathering
every category, the zip (JSON, CSV per category, HTML, the attachment), the PUT to S3, the
request's key and expiry, the read audit and the progress marked done, committed. Timed from
the call to the commit; the parts (gather, zip) are timed again on their own afterwards.
The copy of every round is opened and checked: ITEMS minus the private ones in data.json.
"""

from __future__ import annotations

import io
import json
import os
import time
import uuid
import zipfile
from datetime import UTC, datetime

from bench.common import FULL, Result, Table, Target, median
from core import access_bundle_build, audit, requests
from core.access_bundle import gather
from core.access_bundle_files import to_zip
from core.db import DB
from core.storage import ObjectStore
from tenants.access_bundle_jobs import BUILD_JOB, build_bundle
from tenants.actors import run_once_in_scope
from tenants.provisioning import create_tenant
from tenants.scope import tenant_scope

SLUG = "bundlebench"
ITEMS = 1_000
PRIVATE_EVERY = 50
CONTACTS = 300
READS = 500
ROUNDS = 10 if FULL else 5
LIMIT_SECONDS = 5.0
STAFF = audit.Actor("user", str(uuid.uuid4()), "bench@bundlebench.example")


async def _populate(store: ObjectStore) -> uuid.UUID:
    conn = DB.current_connection()
    person = uuid.uuid4()
    await conn.execute(
        "INSERT INTO person (id, first_name, last_name, title, keywords, description, "
        "search_name, sort_key) VALUES ($1, 'Iso', 'Kortti', 'Toimitusjohtaja', "
        "ARRAY['vip', 'hallitus'], 'Pitkäaikainen asiakas', 'iso kortti', 'kortti iso')",
        person,
    )
    await conn.execute(
        "INSERT INTO content_item (id, kind, title, status, private, starts_on) "
        "SELECT md5('item' || i)::uuid, 'project', 'Hanke numero ' || i, 'open', "
        "i % $1 = 0, date '2024-01-01' + i FROM generate_series(1, $2) i",
        PRIVATE_EVERY,
        ITEMS,
    )
    await conn.execute(
        "INSERT INTO content_link (id, item, person, role) "
        "SELECT gen_random_uuid(), md5('item' || i)::uuid, $1, 'participant' "
        "FROM generate_series(1, $2) i",
        person,
        ITEMS,
    )
    await conn.execute(
        "INSERT INTO contact_event (id, person, channel, direction, summary, happened_at) "
        "SELECT gen_random_uuid(), $1, 'phone', 'inbound', 'Soitto asiakkaalta ' || i, "
        "now() - i * interval '1 day' FROM generate_series(1, $2) i",
        person,
        CONTACTS,
    )
    await conn.execute(
        "INSERT INTO consent_event (id, person, channel, purpose, given, method, at) "
        "SELECT gen_random_uuid(), $1, 'email', 'newsletter', i % 2 = 0, 'form', "
        "now() - i * interval '1 day' FROM generate_series(1, 40) i",
        person,
    )
    await conn.execute(
        "INSERT INTO field_change (id, person, field, old_value, new_value) "
        "SELECT gen_random_uuid(), $1, 'title', 'Vanha ' || i, 'Uusi ' || i "
        "FROM generate_series(1, 40) i",
        person,
    )
    await conn.execute(
        "INSERT INTO transfer (id, person_id, processor, country, purpose) "
        "SELECT gen_random_uuid(), $1, 'Postituspalvelu ' || i, 'FI', 'newsletter' "
        "FROM generate_series(1, 20) i",
        person,
    )
    for _ in range(READS):
        others = [str(uuid.uuid4()) for _ in range(19)]
        await audit.record_read(
            [person, *others], actor=STAFF, purpose="customer_service", via="list"
        )
    body = os.urandom(1024 * 1024)  # 1 MiB that does not compress
    key = f"attachments/{uuid.uuid4()}"
    stored = await store.put(key, body, "application/octet-stream")
    await conn.execute(
        "INSERT INTO attachment (id, person, object_key, filename, size_bytes, sha256, status) "
        "VALUES ($1, $2, $3, 'sopimus.bin', $4, $5, 'ready')",
        uuid.uuid4(),
        person,
        key,
        len(body),
        stored.sha256,
    )
    return person


async def _queue(person: uuid.UUID) -> tuple[uuid.UUID, dict]:
    """A started access request with its build queued; returns its id and the job's kwargs."""
    async with tenant_scope(SLUG):
        created = await requests.create_request(person, "access", actor=STAFF)
        await requests.verify_manually(created["id"], "bench", actor=STAFF)
        await requests.start(created["id"], actor=STAFF)
        await access_bundle_build.start_build(created["id"], actor=STAFF, language="fi")
        row = await DB.current_connection().fetchrow(
            "DELETE FROM outbox_message WHERE actor_name = $1 RETURNING kwargs", BUILD_JOB
        )
    kwargs = row["kwargs"] if isinstance(row["kwargs"], dict) else json.loads(row["kwargs"])
    kwargs.pop("tenant")
    return created["id"], kwargs


async def _check(request_id: uuid.UUID, store: ObjectStore) -> tuple[int, int]:
    """(items in the copy's data.json, zip bytes)."""
    async with tenant_scope(SLUG):
        key = await DB.current_connection().fetchval(
            "SELECT bundle_key FROM data_subject_request WHERE id = $1", request_id
        )
        body = await store.get(key)
    document = json.loads(zipfile.ZipFile(io.BytesIO(body)).read("data.json"))
    return len(document["content_items"]), len(body)


async def run_bundle(stack) -> Result:
    store = ObjectStore.from_settings(stack.settings)
    await create_tenant(
        SLUG, "Bundle Bench Oy", store=store, app_role=stack.settings.database.app_role
    )
    async with tenant_scope(SLUG):
        person = await _populate(store)
    expected_items = ITEMS - ITEMS // PRIVATE_EVERY
    builds: list[float] = []
    size = 0
    for _ in range(ROUNDS):
        request_id, kwargs = await _queue(person)
        t0 = time.perf_counter()
        await run_once_in_scope(BUILD_JOB, build_bundle, SLUG, kwargs)
        builds.append(time.perf_counter() - t0)
        items, size = await _check(request_id, store)
        if items != expected_items:
            raise AssertionError(f"copy has {items} items, expected {expected_items}")
    gathers, zips = [], []
    for _ in range(ROUNDS):
        async with tenant_scope(SLUG):
            t0 = time.perf_counter()
            data = await gather(person)
            gathers.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        to_zip(data, controller="Bundle Bench Oy", made_at=datetime.now(UTC), language="fi")
        zips.append(time.perf_counter() - t0)

    result = Result("bundle", f"Access copy of a card with {ITEMS:,} linked items")
    table = Table("build job, end to end (s)", ["what", "median", "best", "worst"])
    table.add("whole build job (committed)", median(builds), min(builds), max(builds))
    table.add("gather (every category, SQL)", median(gathers), min(gathers), max(gathers))
    table.add("files + zip (no attachment)", median(zips), min(zips), max(zips))
    result.tables.append(table)
    result.notes.append(
        f"{ROUNDS} rounds; card with {ITEMS:,} linked items ({ITEMS // PRIVATE_EVERY} private, "
        f"left out), {CONTACTS} contact events, {READS} read events naming it among 20 cards, "
        f"40 consent events, 40 field changes, 20 transfers, a 1 MiB attachment; zip "
        f"{size / 1024:.0f} KiB; every copy checked to hold {expected_items} items"
    )
    result.targets.append(
        Target(
            f"bundle build, {ITEMS:,} items (worst of {ROUNDS})", max(builds), LIMIT_SECONDS, "s"
        )
    )
    return result
