"""The access copy's life: asked for on a started access/portability request, built by a job
with visible progress (job_progress), stored in the tenant's bucket under bundles/, handed out
by a short-lived presigned link (each handing audited), and deleted when it expires.

- `start_build` (web, in the request's transaction): a job_progress row `queued` and the job
  through the outbox, so it runs only if the transaction commits.
- `build` (the job's body, in its tenant transaction): gathers, makes the zip, stores it,
  records the key and expiry, writes ONE person.read event (purpose access_request) and
  marks its progress done in the same transaction; intermediate progress goes through
  `report`, which the job runs in a transaction of its own so the page sees it at once.
  A self-service request is completed by the build (the copy is what was asked for).
- `expire_bundles` (scheduler): deletes the objects of copies past their expiry (every
  version) and forgets their keys, and any copy under bundles/ no request names that is older
  than the keeping time (its build's transaction failed after storing it).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from core import audit, outbox, requests
from core.access_bundle import CATEGORIES, gather
from core.access_bundle_files import attachment_path, to_zip
from core.access_bundle_labels import LANGUAGES
from core.context import current_tenant, scope_state
from core.db import DB
from core.storage import ObjectStore

BUILD_JOB = "requests.build_bundle"
BUNDLE_KINDS = ("access", "portability")
KEY_PREFIX = "bundles/"
KEEP_FOR = timedelta(days=7)
LINK_SECONDS = 300
PURPOSE = "access_request"

Report = Callable[[uuid.UUID, str, int, int, str], Awaitable[None]]


class BundleError(Exception):
    """reason: not_allowed (wrong kind or state) | not_ready | expired"""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def set_progress(
    progress_id: uuid.UUID, status: str, done: int, total: int, message: str = ""
) -> None:
    await DB.current_connection().execute(
        "UPDATE job_progress SET status = $2, done = $3, total = $4, message = $5, "
        "updated_at = clock_timestamp() WHERE id = $1",
        progress_id,
        status,
        done,
        total,
        message,
    )


async def progress_of(request_id: uuid.UUID) -> dict | None:
    """The newest build of this request's copy: status, done, total, message."""
    row = await DB.current_connection().fetchrow(
        "SELECT id, status, done, total, message, updated_at FROM job_progress "
        "WHERE kind = 'access_bundle' AND subject_id = $1 ORDER BY updated_at DESC LIMIT 1",
        str(request_id),
    )
    return dict(row) if row else None


async def _language(person_id: uuid.UUID | None, wanted: str = "") -> str:
    if wanted in LANGUAGES:
        return wanted
    locale = await DB.current_connection().fetchval(
        "SELECT locale FROM app_user WHERE person = $1 AND active ORDER BY created_at LIMIT 1",
        person_id,
    )
    return locale if locale in LANGUAGES else "fi"


async def start_build(
    request_id: uuid.UUID, *, actor: audit.Actor, language: str = ""
) -> uuid.UUID:
    """Queue a build of the copy for a started access or portability request; a build that
    is already queued or running is reused (a double click builds once)."""
    request = await requests.get_request(request_id, lock=True)
    if request["kind"] not in BUNDLE_KINDS or request["status"] != "in_progress":
        raise BundleError("not_allowed")
    running = await progress_of(request["id"])
    if running and running["status"] in ("queued", "running"):
        return running["id"]
    progress_id = uuid.uuid4()
    await DB.current_connection().execute(
        "INSERT INTO job_progress (id, kind, subject_id, status, done, total, message, "
        "updated_at) VALUES ($1, 'access_bundle', $2, 'queued', 0, 0, '', clock_timestamp())",
        progress_id,
        str(request["id"]),
    )
    await outbox.enqueue(
        BUILD_JOB,
        request_id=str(request["id"]),
        progress_id=str(progress_id),
        language=await _language(request["person_id"], language),
    )
    await requests._event(request, "bundle_requested", actor)
    return progress_id


async def start_self_service(request_id: uuid.UUID, *, actor: audit.Actor) -> bool:
    """After a person verified their own access/portability request: start it and build the
    copy at once — unless it repeats one within 12 months (the admin decides on a fee or a
    refusal). True when a build was queued."""
    request = await requests.get_request(request_id)
    if request["kind"] not in BUNDLE_KINDS or request["repeated"]:
        return False
    if request["status"] == "verified":
        await requests.start(request["id"], actor=audit.SYSTEM)
    await start_build(request["id"], actor=actor)
    return True


async def build(
    request_id: uuid.UUID, progress_id: uuid.UUID, *, store: ObjectStore, language: str, report
) -> str:
    """Build, store and record the copy; returns its object key."""
    request = await requests.get_request(request_id, lock=True)
    if request["person_id"] is None:
        raise BundleError("not_allowed")
    person_id = request["person_id"]
    await report(progress_id, "running", 0, len(CATEGORIES) + 2, "gathering")
    data = await gather(person_id)
    files: dict[str, bytes] = {}
    attachments = data["attachments"]
    total = len(CATEGORIES) + len(attachments) + 2
    await report(progress_id, "running", len(CATEGORIES), total, "files")
    for n, row in enumerate(attachments, start=1):
        files[attachment_path(n, row["filename"])] = await store.get(row["object_key"])
        await report(progress_id, "running", len(CATEGORIES) + n, total, "files")
    made_at = datetime.now(UTC)
    body = to_zip(
        data,
        controller=current_tenant().name,
        made_at=made_at,
        language=language,
        files=files,
    )
    key = f"{KEY_PREFIX}{request['id']}/{uuid.uuid4()}.zip"
    await store.put(key, body, "application/zip")
    conn = DB.current_connection()
    previous = await conn.fetchval(
        "SELECT bundle_key FROM data_subject_request WHERE id = $1", request["id"]
    )
    await conn.execute(
        "UPDATE data_subject_request SET bundle_key = $2, bundle_expires_at = now() + $3 "
        "WHERE id = $1",
        request["id"],
        key,
        KEEP_FOR,
    )
    if previous:  # a rebuilt copy replaces the old one, once this one has committed
        scope_state().after_commit.append(lambda: store.delete(previous))
    await audit.record_read(
        [person_id],
        actor=audit.SYSTEM,
        purpose=PURPOSE,
        via="access_bundle",
        request=str(request["id"]),
    )
    await requests._event(request, "bundle_ready", audit.SYSTEM, size=len(body))
    if request["channel"] == "self_service" and request["status"] == "in_progress":
        await requests.complete(
            request["id"], actor=audit.SYSTEM, note="access copy made available"
        )
    await set_progress(progress_id, "done", total, total, "")
    return key


async def bundle_state(request: dict) -> dict:
    """What a page shows: the build's progress and whether a copy can be downloaded."""
    row = await DB.current_connection().fetchrow(
        "SELECT bundle_key, bundle_expires_at, bundle_expires_at > now() AS live "
        "FROM data_subject_request WHERE id = $1",
        request["id"],
    )
    progress = await progress_of(request["id"])
    return {
        "progress": progress,
        "ready": bool(row and row["bundle_key"] and row["live"]),
        "expires_at": row["bundle_expires_at"] if row else None,
        "expired": bool(row and row["bundle_expires_at"] and not row["live"]),
        "buildable": request["kind"] in BUNDLE_KINDS,
        "building": bool(progress and progress["status"] in ("queued", "running")),
    }


async def download_link(
    request_id: uuid.UUID, *, store: ObjectStore, actor: audit.Actor, purpose: str
) -> str:
    """A presigned link (LINK_SECONDS) to the copy; each one is audited."""
    row = await DB.current_connection().fetchrow(
        "SELECT id, person_id, kind, bundle_key, bundle_expires_at > now() AS live "
        "FROM data_subject_request WHERE id = $1",
        request_id,
    )
    if row is None or not row["bundle_key"]:
        raise BundleError("not_ready")
    if not row["live"]:
        raise BundleError("expired")
    await audit.record(
        "request.bundle_downloaded",
        actor=actor,
        object_kind="data_subject_request",
        object_id=row["id"],
        detail={"kind": row["kind"]},
        person_id=row["person_id"],
        purpose=purpose,
    )
    filename = f"kortisto-{row['kind']}-{datetime.now(UTC).date().isoformat()}.zip"
    return await store.presigned_get(row["bundle_key"], seconds=LINK_SECONDS, filename=filename)


async def expire_bundles(store: ObjectStore) -> int:
    """Delete every expired copy's object (all versions) and forget its key; idempotent."""
    conn = DB.current_connection()
    rows = await conn.fetch(
        "SELECT id, person_id, kind, bundle_key FROM data_subject_request "
        "WHERE bundle_key IS NOT NULL AND bundle_expires_at <= now() FOR UPDATE SKIP LOCKED"
    )
    for row in rows:
        await store.delete(row["bundle_key"])
        await conn.execute(
            "UPDATE data_subject_request SET bundle_key = NULL WHERE id = $1", row["id"]
        )
        await requests._event(dict(row), "bundle_deleted", audit.SYSTEM)
    return len(rows) + await _sweep_unreferenced(store)


async def _sweep_unreferenced(store: ObjectStore) -> int:
    """Copies stored by a build whose transaction then failed have no row: past the keeping
    time they go too."""
    cutoff = datetime.now(UTC) - KEEP_FOR
    old = [o["key"] for o in await store.listing(KEY_PREFIX) if o["modified"] < cutoff]
    if not old:
        return 0
    kept = await DB.current_connection().fetch(
        "SELECT bundle_key FROM data_subject_request WHERE bundle_key = ANY($1::text[])", old
    )
    gone = set(old) - {r["bundle_key"] for r in kept}
    for key in gone:
        await store.delete(key)
    return len(gone)
