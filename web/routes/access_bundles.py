"""The access copy on the pages: an admin builds it on a started access/portability request
and downloads it; the person downloads their own from /me/requests/ (built by itself once they
confirmed the request). While it builds, the panel polls its status (HTMX every 2 s; without
JavaScript the page itself shows the state on reload). A download is a redirect to a
5-minute presigned link, each one audited. Rules: core.access_bundle_build.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from core import access_bundle_build as bundles
from core import audit, requests
from core.attachments import object_store
from core.storage import StorageUnavailableError
from web.auth import ADMIN_ONLY, SELF_ONLY, current_user
from web.forms import parse_uuid, render, tenant_context
from web.i18n import _
from web.routes.self_service_requests import _card, _own_request

STATUS_TEMPLATE = "requests/bundle_status.html"
STOP_POLLING = 286  # htmx stops polling an element answered with this status


def _actor(request: Request) -> audit.Actor:
    return audit.Actor.user(current_user(request))


async def panel_context(subject: dict, base_url: str) -> dict:
    """What requests/_bundle.html needs for one request (`base_url`: its bundle routes)."""
    state = await bundles.bundle_state(subject)
    return {**state, "url": base_url, "request_id": str(subject["id"])}


async def _status(request: Request, subject: dict, base_url: str) -> Response:
    bundle = await panel_context(subject, base_url)
    context = {**tenant_context(), "bundle": bundle}
    status = 200 if bundle["building"] else STOP_POLLING
    return render(request, STATUS_TEMPLATE, context, status_code=status)


async def _download(request: Request, subject: dict, purpose: str) -> Response:
    try:
        link = await bundles.download_link(
            subject["id"], store=object_store(), actor=_actor(request), purpose=purpose
        )
    except bundles.BundleError as exc:
        # No copy (yet) or no more: say so instead of a 404 that would hide the request.
        gone = exc.reason == "expired"
        message = (
            _("Kopion voimassaolo on päättynyt ja se on poistettu.")
            if gone
            else _("Tälle pyynnölle ei ole valmista kopiota.")
        )
        return Response(message, status_code=410 if gone else 409, media_type="text/plain")
    except StorageUnavailableError:
        return Response("", status_code=503)
    return Redirect(link, status_code=303)


class AdminBundleController(Controller):
    path = "/t/{tenant:str}/admin/requests/{request_id:str}/bundle"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    async def _load(self, raw_id: str) -> dict:
        try:
            return await requests.get_request(parse_uuid(raw_id))
        except requests.RequestError as exc:
            raise NotFoundException() from exc

    @post("/")
    async def build(
        self, request: Request, tenant: FromPath[str], request_id: FromPath[str]
    ) -> Response:
        subject = await self._load(request_id)
        form = await request.form()
        language = str(form.get("language") or "")
        page = f"/t/{tenant}/admin/requests/{subject['id']}"
        try:
            await bundles.start_build(subject["id"], actor=_actor(request), language=language)
        except bundles.BundleError:
            return Redirect(f"{page}?bundle=not_allowed", status_code=303)
        return Redirect(f"{page}#bundle", status_code=303)

    @get("/status")
    async def status(
        self, request: Request, tenant: FromPath[str], request_id: FromPath[str]
    ) -> Response:
        subject = await self._load(request_id)
        return await _status(request, subject, f"/t/{tenant}/admin/requests/{subject['id']}/bundle")

    @get("/download")
    async def download(
        self, request: Request, tenant: FromPath[str], request_id: FromPath[str]
    ) -> Response:
        return await _download(request, await self._load(request_id), "customer_service")


class SelfBundleController(Controller):
    path = "/t/{tenant:str}/me/requests/{request_id:str}/bundle"
    opt = {"roles": SELF_ONLY}
    include_in_schema = False

    async def _own(self, request: Request, raw_id: str) -> dict:
        subject = await _own_request(await _card(request), raw_id)
        if subject is None:
            raise NotFoundException()
        return subject

    @get("/status")
    async def status(
        self, request: Request, tenant: FromPath[str], request_id: FromPath[str]
    ) -> Response:
        subject = await self._own(request, request_id)
        return await _status(request, subject, f"/t/{tenant}/me/requests/{subject['id']}/bundle")

    @get("/download")
    async def download(
        self, request: Request, tenant: FromPath[str], request_id: FromPath[str]
    ) -> Response:
        return await _download(request, await self._own(request, request_id), "self_service")
