"""The newsletter plugin's admin page /admin/newsletter/ (issue 7 item 8, core.newsletter_sync):
which service the list is at, subscriptions counted by status, the last sync's counts, the
subscriptions that failed with the service's error (the persons named: one person.read event),
and "sync now", which queues the sync job (tenants.newsletter_jobs) with a job_progress row the
page shows until the job marks it done. Admins only.
"""

from __future__ import annotations

import json
import uuid

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core import audit, outbox
from core.db import DB
from core.newsletter_removals import SYNC_JOB
from core.newsletter_sync import newsletter_plugin
from web.auth import ADMIN_ONLY, current_user
from web.forms import render, tenant_context
from web.read_audit import cards_read

TEMPLATE = "admin/newsletter.html"
PROGRESS_KIND = "newsletter_sync"
STATUSES = ("subscribed", "failed", "removed")
FAILURES_SHOWN = 50


def _as_dict(value) -> dict:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


async def _counts() -> dict[str, int]:
    rows = await DB.current_connection().fetch(
        "SELECT status, count(*) AS n FROM newsletter_subscription GROUP BY status"
    )
    found = {r["status"]: r["n"] for r in rows}
    return {status: found.get(status, 0) for status in STATUSES}


async def _last_sync() -> dict | None:
    row = await DB.current_connection().fetchrow(
        "SELECT at, detail FROM audit_event WHERE action = 'newsletter.sync' "
        "ORDER BY at DESC LIMIT 1"
    )
    return {"at": row["at"], **_as_dict(row["detail"])} if row else None


async def _failures() -> list[dict]:
    # A failed subscription, or a live one whose removal the service refused.
    rows = await DB.current_connection().fetch(
        "SELECT s.person_id, s.status, s.error, s.synced_at, "
        "p.first_name || ' ' || p.last_name AS name FROM newsletter_subscription s "
        "LEFT JOIN person p ON p.id = s.person_id "
        "WHERE s.status = 'failed' OR s.error <> '' ORDER BY s.synced_at DESC LIMIT $1",
        FAILURES_SHOWN,
    )
    return [dict(r) for r in rows]


async def _progress() -> dict | None:
    row = await DB.current_connection().fetchrow(
        "SELECT status, message, updated_at FROM job_progress WHERE kind = $1 "
        "ORDER BY updated_at DESC LIMIT 1",
        PROGRESS_KIND,
    )
    if row is None:
        return None
    progress = dict(row)
    try:  # a finished job leaves the sync's counts as its message
        progress["report"] = json.loads(row["message"]) if row["status"] == "done" else None
    except ValueError:
        progress["report"] = None
    return progress


async def _page(request: Request, *, queued: bool = False, status: int = 200) -> Response:
    found = await newsletter_plugin()
    failures = await _failures()
    await cards_read(request, [f["person_id"] for f in failures if f["name"]], via="newsletter")
    context = {
        **tenant_context(),
        "plugin": found[0] if found else "",
        "processor": found[1] if found else None,
        "counts": await _counts(),
        "last_sync": await _last_sync(),
        "failures": failures,
        "progress": await _progress(),
        "queued": queued,
        "not_enabled": status == 400,
    }
    return render(request, TEMPLATE, context, status_code=status)


class AdminNewsletterController(Controller):
    path = "/t/{tenant:str}/admin/newsletter"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    @get("/")
    async def overview(
        self, request: Request, tenant: FromPath[str], queued: FromQuery[str] = ""
    ) -> Response:
        return await _page(request, queued=bool(queued))

    @post("/sync")
    async def sync_now(self, request: Request, tenant: FromPath[str]) -> Response:
        if await newsletter_plugin() is None:  # nothing to sync to: say so, queue nothing
            return await _page(request, status=400)
        user = current_user(request)
        progress_id = uuid.uuid4()
        await DB.current_connection().execute(
            "INSERT INTO job_progress (id, kind, subject_id, status, done, total, message, "
            "updated_at) VALUES ($1, $2, '', 'queued', 0, 1, '', now())",
            progress_id,
            PROGRESS_KIND,
        )
        await outbox.enqueue(SYNC_JOB, progress_id=str(progress_id))
        await audit.record(
            "newsletter.sync_queued",
            actor=audit.Actor.user(user),
            object_kind="job_progress",
            object_id=progress_id,
        )
        return Redirect(f"{tenant_context()['base']}/admin/newsletter/?queued=1", status_code=303)
