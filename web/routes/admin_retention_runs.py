"""Admin pages for retention runs: start a dry run (what a sweep would remove today and why),
queue a real sweep now (it otherwise runs nightly), and the reports of past runs — each with its
counts per rule and, page by page, the cards that went or would go (rule, trigger date, due
date) and the cards kept under a legal hold (reasons, hold end). Admins only.

A dry run's cards still exist, so its page names them (one person.read event for the cards
shown); a sweep's report lists ids only, the cards being gone.
"""

from __future__ import annotations

import uuid

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core import audit, outbox, retention
from core.db import DB
from core.retention_rules import list_rules
from tenants.retention_jobs import SWEEP_JOB
from web.auth import ADMIN_ONLY, current_user
from web.forms import page_number, pager, parse_uuid, render, tenant_context
from web.privacy_labels import data_categories
from web.read_audit import cards_read
from web.retention_labels import all_retention_labels

RUNS_TEMPLATE = "admin/retention_runs.html"
RUN_TEMPLATE = "admin/retention_run.html"
PAGE_SIZE = 50
RUNS_PAGE_SIZE = 30


def _base() -> str:
    return f"{tenant_context()['base']}/admin/retention"


async def _queued_sweeps() -> list[dict]:
    rows = await DB.current_connection().fetch(
        "SELECT id, status, updated_at FROM job_progress WHERE kind = 'retention_sweep' "
        "AND status IN ('queued', 'running') ORDER BY updated_at DESC LIMIT 5"
    )
    return [dict(r) for r in rows]


async def _names(person_ids: list[str]) -> dict[str, str]:
    rows = await DB.current_connection().fetch(
        "SELECT id::text AS id, first_name || ' ' || last_name AS name FROM person "
        "WHERE id = ANY($1::uuid[])",
        person_ids,
    )
    return {r["id"]: r["name"] for r in rows}


class AdminRetentionRunsController(Controller):
    path = "/t/{tenant:str}/admin/retention"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    @post("/dry-run")
    async def dry_run(self, request: Request, tenant: FromPath[str]) -> Response:
        run_id = await retention.dry_run(actor=audit.Actor.user(current_user(request)))
        return Redirect(f"{_base()}/runs/{run_id}", status_code=303)

    @post("/sweep")
    async def sweep_now(self, request: Request, tenant: FromPath[str]) -> Response:
        user = current_user(request)
        form = await request.form()
        if form.get("confirm") != "yes":  # the page's button says it; a bare POST removes nothing
            return await self._runs_page(request, 1, error=True, status=400)
        progress_id = uuid.uuid4()
        await DB.current_connection().execute(
            "INSERT INTO job_progress (id, kind, subject_id, status, done, total, message, "
            "updated_at) VALUES ($1, 'retention_sweep', '', 'queued', 0, 1, '', now())",
            progress_id,
        )
        await outbox.enqueue(
            SWEEP_JOB,
            actor_id=str(user["id"]),
            actor_label=user.get("email") or "",
            progress_id=str(progress_id),
        )
        await audit.record(
            "retention.sweep_queued",
            actor=audit.Actor.user(user),
            object_kind="job_progress",
            object_id=progress_id,
        )
        return Redirect(f"{_base()}/runs?queued=1", status_code=303)

    @get("/runs")
    async def runs(
        self,
        request: Request,
        tenant: FromPath[str],
        page: FromQuery[str] = "",
        queued: FromQuery[str] = "",
    ) -> Response:
        return await self._runs_page(request, page_number(page), queued=bool(queued))

    async def _runs_page(
        self, request: Request, number: int, *, queued=False, error=False, status=200
    ) -> Response:
        items, total = await retention.list_runs(
            limit=RUNS_PAGE_SIZE, offset=(number - 1) * RUNS_PAGE_SIZE
        )
        context = {
            **tenant_context(),
            "runs": items,
            "pager": pager(f"{_base()}/runs", {}, number, total, RUNS_PAGE_SIZE),
            "pending": await _queued_sweeps(),
            "queued": queued,
            "error": error,
        }
        return render(request, RUNS_TEMPLATE, context, status_code=status)

    @get("/runs/{run_id:str}")
    async def run(
        self,
        request: Request,
        tenant: FromPath[str],
        run_id: FromPath[str],
        section: FromQuery[str] = "due",
        page: FromQuery[str] = "",
    ) -> Response:
        run = await retention.get_run(parse_uuid(run_id))
        if run is None:
            raise NotFoundException()
        section = section if section in retention.SECTIONS else "due"
        number = page_number(page)
        entries, total = await retention.run_entries(
            run["id"], section, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
        )
        names: dict[str, str] = {}
        if run["dry_run"] or section != "due":  # held cards and parts' cards still exist
            names = await _names([e["person_id"] for e in entries])
            await cards_read(request, list(names), via="retention_run", run=str(run["id"]))
        rules = {str(r["id"]): r for r in await list_rules()}
        context = {
            **tenant_context(),
            "run": run,
            "section": section,
            "entries": entries,
            "names": names,
            "rules": rules,
            "categories": data_categories(),
            "labels": all_retention_labels(),
            "pager": pager(
                f"{_base()}/runs/{run['id']}", {"section": section}, number, total, PAGE_SIZE
            ),
        }
        return render(request, RUN_TEMPLATE, context)
