"""Attachment upload end to end (`python -m bench upload`): a 10 MiB file through the web route.

    A  web     multipart POST /t/<slug>/attachments/person/<id> to the product's app under
               uvicorn (`bench.register_app real`, a separate process) with a signed-in session
               and the CSRF header, as the page's HTMX form sends it: the route streams and
               hashes the body, sniffs the type, stores the object in the tenant's bucket on the
               local S3 server (SeaweedFS), inserts the row, audits, queues the verification job
               and answers the refreshed section. Timed from the first byte sent to the last
               byte of the answer, in this process (httpx).
    B  direct  baseline: minio `put_object` of the same bytes into the same bucket, from this
               process, as one PUT (the part size the product uses for in-memory bytes).

A and B alternate, so drift hits both alike. The bytes are random behind a PDF header (nothing
compresses them). Reported: MB/s (MiB/s) median and best of each, A/B, and the target.
"""

from __future__ import annotations

import io
import os
import time

import httpx

from bench.common import FULL, Result, Table, Target, median, ms
from bench.register import servers
from core.db import DB
from core.storage import ObjectStore
from tenants.provisioning import create_tenant
from tenants.scope import tenant_scope

SLUG = "uploadbench"
PASSWORD = "Bench-salasana-2026!"  # noqa: S105 - a throw-away tenant's password
SIZE = 10 * 1024 * 1024
ROUNDS = 30 if FULL else 12
WARM_UP = 2
TARGET_MB_S = 50.0
MIB = 1024 * 1024


async def _setup(stack) -> tuple[str, str]:
    """The tenant, its admin and a card; returns (the admin's e-mail, the card's id)."""
    from core.accounts import create_user
    from core.persons import PersonInput, create_person

    await create_tenant(
        SLUG,
        "Upload Bench Oy",
        store=ObjectStore.from_settings(stack.settings),
        app_role=stack.settings.database.app_role,
    )
    email = f"admin@{SLUG}.example"
    async with tenant_scope(SLUG):
        await create_user(email, role="admin", display_name="Bench Admin", password=PASSWORD)
        person = await create_person(PersonInput(first_name="Liite", last_name="Mittari"))
    await DB.close_pools_of_current_loop()
    return email, str(person)


def _sign_in(client: httpx.Client, email: str) -> str:
    client.get(f"/t/{SLUG}/login")
    r = client.post(
        f"/t/{SLUG}/login",
        data={"email": email, "password": PASSWORD, "_csrf_token": client.cookies["kortisto_csrf"]},
        follow_redirects=False,
    )
    if r.status_code != 303:
        raise RuntimeError(f"sign-in failed: {r.status_code} {r.text[:300]}")
    return client.cookies["kortisto_csrf"]


def _web_upload(client: httpx.Client, url: str, csrf: str, data: bytes, n: int) -> float:
    name = f"liite-{n}.pdf"
    t0 = time.perf_counter()
    r = client.post(
        url,
        files={"file": (name, data, "application/pdf")},
        headers={"HX-Request": "true", "x-csrf-token": csrf},
    )
    elapsed = time.perf_counter() - t0
    if r.status_code != 200 or name not in r.text:
        raise RuntimeError(f"upload answered {r.status_code}: {r.text[:300]}")
    return elapsed


def _direct_put(store: ObjectStore, bucket: str, data: bytes, n: int) -> float:
    from minio.helpers import MIN_PART_SIZE

    t0 = time.perf_counter()
    store.client.put_object(
        bucket,
        f"bench/direct-{n}",
        io.BytesIO(data),
        len(data),
        content_type="application/pdf",
        part_size=max(MIN_PART_SIZE, len(data)),
    )
    return time.perf_counter() - t0


async def run_upload(stack) -> Result:
    result = Result("upload", "Attachment upload: 10 MiB through the web route vs a direct PUT")
    email, person = await _setup(stack)
    data = b"%PDF-1.7\n" + os.urandom(SIZE - 9)
    store = ObjectStore.from_settings(stack.settings)
    bucket = f"{stack.settings.object_store.bucket_prefix}{SLUG}"
    times: dict[str, list[float]] = {"A": [], "B": []}
    with servers("real") as started:
        base, _proc = started["real"]
        with httpx.Client(base_url=base, timeout=120) as client:
            csrf = _sign_in(client, email)
            url = f"/t/{SLUG}/attachments/person/{person}"
            for i in range(WARM_UP + ROUNDS):
                order = ("A", "B") if i % 2 == 0 else ("B", "A")
                for name in order:
                    if name == "A":
                        elapsed = _web_upload(client, url, csrf, data, i)
                    else:
                        elapsed = _direct_put(store, bucket, data, i)
                    if i >= WARM_UP:
                        times[name].append(elapsed)
    async with tenant_scope(SLUG):
        stored = await DB.current_connection().fetchval(
            "SELECT count(*) FROM attachment WHERE size_bytes = $1", SIZE
        )
    await DB.close_pools_of_current_loop()
    if stored != WARM_UP + ROUNDS:
        raise RuntimeError(f"expected {WARM_UP + ROUNDS} stored attachments, found {stored}")

    def rate(seconds: float) -> float:
        return SIZE / MIB / seconds

    table = Table(
        f"{SIZE // MIB} MiB per upload, {ROUNDS} rounds after {WARM_UP} warm-up, A and B "
        "alternating",
        ["variant", "median MiB/s", "best MiB/s", "median ms", "worst ms"],
    )
    labels = {"A": "A web route (multipart POST, signed in)", "B": "B direct minio put_object"}
    for name, label in labels.items():
        values = times[name]
        table.add(
            label,
            rate(median(values)),
            rate(min(values)),
            ms(median(values)),
            ms(max(values)),
        )
    result.tables.append(table)
    web, direct = rate(median(times["A"])), rate(median(times["B"]))
    ratio = web / direct
    result.notes.append(
        f"web / direct = {ratio:.2f}x of the direct PUT's throughput (medians); the web route "
        f"adds {ms(median(times['A']) - median(times['B'])):.0f} ms per {SIZE // MIB} MiB file: "
        "multipart parsing and hashing as it streams in, type sniffing, the row, the audit event "
        "and the outbox row in one transaction, the session lookup and the section's HTML"
    )
    result.notes.append(
        "one client, one upload at a time, server and S3 on loopback on the same machine "
        "(client, uvicorn, SeaweedFS and PostgreSQL share the cores); MiB = 1,048,576 bytes"
    )
    result.targets.append(Target("web upload median throughput", web, TARGET_MB_S, "MiB/s", ">="))
    return result
