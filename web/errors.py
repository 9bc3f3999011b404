"""Errors as pages (or fragments for HTMX), never a stack trace: what happened, what to do."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.response import Template

from core.db import DatabaseUnavailableError
from core.storage import StorageUnavailableError
from tenants.scope import TenantSuspendedError, UnknownTenantError

log = logging.getLogger("kortisto.web")


def _page(request: Request, status: int, kind: str) -> Response:
    wants_json = (
        "application/json" in request.headers.get("accept", "")
        or request.url.path.startswith("/api/")
        or "/api/" in request.url.path
    )
    if wants_json:
        return Response({"status": status, "error": kind}, status_code=status)
    template = "errors/error.html"
    is_htmx = request.headers.get("hx-request") == "true"
    response = Template(
        template_name=template,
        context={"status": status, "kind": kind, "fragment": is_htmx},
        status_code=status,
    )
    response.headers["Vary"] = "HX-Request"
    if status == 503:
        response.headers["Retry-After"] = "5"
    if is_htmx:
        # Let HTMX swap the error into the page's message area instead of the target.
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def unknown_tenant(request: Request, exc: Exception) -> Response:
    return _page(request, 404, "unknown_tenant")


def suspended_tenant(request: Request, exc: Exception) -> Response:
    return _page(request, 403, "suspended_tenant")


def unavailable(request: Request, exc: Exception) -> Response:
    log.warning("service unavailable on %s: %s", request.url.path, exc)
    return _page(request, 503, "unavailable")


def http_error(request: Request, exc: HTTPException) -> Response:
    kind = {404: "not_found", 403: "forbidden"}.get(exc.status_code, "http_error")
    if exc.status_code >= 500:
        return _page(request, exc.status_code, "server_error")
    if exc.status_code in (404, 403):
        return _page(request, exc.status_code, kind)
    return Response({"status": exc.status_code, "detail": exc.detail}, status_code=exc.status_code)


def server_error(request: Request, exc: Exception) -> Response:
    if _is_unavailable(exc):
        return unavailable(request, exc)
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return _page(request, 500, "server_error")


def _is_unavailable(exc: BaseException) -> bool:
    from core.db import UNAVAILABLE_ERRORS

    return isinstance(exc, UNAVAILABLE_ERRORS) or isinstance(
        exc.__cause__, DatabaseUnavailableError | StorageUnavailableError
    )


EXCEPTION_HANDLERS = {
    UnknownTenantError: unknown_tenant,
    TenantSuspendedError: suspended_tenant,
    DatabaseUnavailableError: unavailable,
    StorageUnavailableError: unavailable,
    NotFoundException: http_error,
    PermissionDeniedException: http_error,
    HTTPException: http_error,
    Exception: server_error,
}
