"""Art. 19 tasks for admins: recipients of a person's data that no plugin could tell of a
rectification or erasure (manual tasks) and failed plugin deliveries; an admin tells the
recipient by other means and marks the task done with a note (audited).

The page names processors, requests and card ids, not the persons' data: opening the card is
the (audited) read.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from core import audit, recipient_notifications
from web.auth import ADMIN_ONLY, current_user
from web.forms import parse_uuid, render, tenant_context
from web.i18n import _

TEMPLATE = "admin/recipient_tasks.html"


def status_labels() -> dict[str, str]:
    return {
        "pending": _("Odottaa lähetystä"),
        "sent": _("Ilmoitettu liitännäisellä"),
        "failed": _("Lähetys epäonnistui"),
        "open": _("Ilmoitettava itse"),
        "done": _("Ilmoitettu"),
    }


def error_messages() -> dict[str, str]:
    return {
        "note_required": _("Kirjoita, miten ja milloin vastaanottajalle ilmoitettiin."),
        "not_allowed": _("Tehtävä on jo tehty."),
        "not_found": _("Tehtävää ei löydy."),
    }


class AdminRecipientTasksController(Controller):
    path = "/t/{tenant:str}/admin/recipient-tasks"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    async def _page(
        self, request: Request, *, error: str = "", failed_id: str = "", status: int = 200
    ) -> Response:
        context = {
            **tenant_context(),
            "tasks": await recipient_notifications.tasks(),
            "statuses": status_labels(),
            "error": error,
            "failed_id": failed_id,
            "saved": request.query_params.get("done", ""),
        }
        return render(request, TEMPLATE, context, status_code=status)

    @get("/")
    async def list_tasks(self, request: Request, tenant: FromPath[str]) -> Response:
        return await self._page(request)

    @post("/{notification_id:str}/done")
    async def done(
        self, request: Request, tenant: FromPath[str], notification_id: FromPath[str]
    ) -> Response:
        task_id = parse_uuid(notification_id)
        form = await request.form()
        try:
            await recipient_notifications.mark_done(
                task_id,
                str(form.get("note") or ""),
                actor=audit.Actor.user(current_user(request)),
            )
        except recipient_notifications.NotificationError as exc:
            if exc.reason == "not_found":
                raise NotFoundException() from exc
            status = 409 if exc.reason == "not_allowed" else 400
            message = error_messages()[exc.reason]
            return await self._page(request, error=message, failed_id=str(task_id), status=status)
        return Redirect(f"/t/{tenant}/admin/recipient-tasks/?done=1", status_code=303)
