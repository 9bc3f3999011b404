"""Who is asking: tenant sessions, the access guard, and what happens when access is refused.

- `SessionMiddleware` runs inside the tenant scope: it reads the tenant's own session cookie,
  looks the session up under that tenant's key in Valkey and loads the user from the tenant
  schema. A session is void if the user was deactivated or changed their password after it
  started. The user's own language (stored on their account) becomes the request's locale.
- `access_guard` is installed once on the app, so no route can forget it. Tenant routes need a
  signed-in user whose role is in the route's `opt["roles"]` (default: admin and staff);
  routes marked `opt={"public": True}` (login, invitations) are open. Routes outside tenants
  (health, static files, language) are not tenant data and pass. An operator under a
  break-glass grant (see web.operator_auth) may read the routes staff may read.
- When the tenant requires TOTP for admins, an admin without it may reach only the routes
  marked `opt={"during_enrolment": True}` (enrolment, sign-out) until they have set it up;
  every other route sends them to the enrolment page.
"""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.response import Redirect
from litestar.types import ASGIApp, Receive, Scope, Send

from core.accounts import get_session_user
from core.redis_client import redis_for_current_loop
from core.sessions import SessionStore
from core.settings import get_settings
from core.throttle import LoginThrottle
from web.i18n import user_locale

SESSION_COOKIE_PREFIX = "kortisto_session_"
STAFF_ROLES = frozenset({"admin", "staff"})
ADMIN_ONLY = frozenset({"admin"})
SELF_ONLY = frozenset({"self"})
EVERY_ROLE = frozenset({"admin", "staff", "self"})


DEVELOPMENT_SECRET = "development-only-secret-key-kortisto-not-for-production"  # noqa: S105


def secret_key() -> str:
    """KORTISTO_SECRET_KEY (required in production, see core.settings); a fixed key in dev."""
    return get_settings().web.secret_key.reveal() or DEVELOPMENT_SECRET


def session_cookie_name(slug: str) -> str:
    """One cookie per tenant: signing in to one register never signs you in to another."""
    return SESSION_COOKIE_PREFIX + slug.replace("-", "_")


def session_store() -> SessionStore:
    return SessionStore(redis_for_current_loop(get_settings().redis_url.reveal()))


def login_throttle() -> LoginThrottle:
    return LoginThrottle(redis_for_current_loop(get_settings().redis_url.reveal()))


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _cookies(scope: Scope) -> dict[str, str]:
    """The request's cookies. A plain split, not SimpleCookie (~70 µs a request here): our
    own cookies are URL-safe tokens, never quoted; a malformed pair is skipped, and the first
    of two same-named cookies wins, as browsers send the most specific path first."""
    found: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            for pair in value.decode("latin-1").split(";"):
                key, sep, val = pair.strip().partition("=")
                if sep and key and key not in found:
                    found[key] = val.strip()
    return found


class SessionMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        user = await _session_user(scope)
        if user is None:
            await next_app(scope, receive, send)
            return
        # A signed-in user's pages come in their own language, whatever this browser's cookie
        # or Accept-Language says (read with the session: no query of its own).
        with user_locale(scope, user["locale"]):
            await next_app(scope, receive, send)


async def _session_user(scope: Scope) -> dict | None:
    """The signed-in user of this tenant request (also put in the scope with its session),
    else None; a session made void by its user is revoked."""
    slug = scope.get("path_params", {}).get("tenant")
    session_id = _cookies(scope).get(session_cookie_name(slug)) if slug else None
    if not session_id:
        return None
    store = session_store()
    session = await store.get(slug, session_id)
    if session is None:
        return None
    user, totp_required = await get_session_user(session.subject)
    valid = (
        user is not None
        and user["active"]
        and session.created_at >= user["sessions_valid_after"].timestamp()
    )
    if not valid:
        await store.revoke(slug, session.subject, session.key)
        return None
    scope["user"] = user
    scope["auth"] = session
    if user["role"] == "admin" and not user["totp_enabled"]:
        scope["totp_enrolment_due"] = totp_required
    return user


async def access_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    # A coroutine on purpose: Litestar runs a plain-function guard in a worker thread, a
    # thread hop on every request for a few dict lookups.
    opt = handler.opt
    if opt.get("public") or "tenant" not in connection.path_params:
        return
    user = connection.scope.get("user")
    if user is None:
        raise NotAuthorizedException("sign in required")
    if user["role"] == "operator":
        # Break-glass (web.operator_auth): reading what staff may read, nothing more, and not
        # the pages about one's own account (`opt={"break_glass": False}`), which an operator
        # does not have. Writes were refused before the (READ ONLY) transaction opened.
        if "staff" not in opt.get("roles", STAFF_ROLES) or opt.get("break_glass") is False:
            raise PermissionDeniedException("not open to break-glass access")
        return
    if user["role"] not in opt.get("roles", STAFF_ROLES):
        raise PermissionDeniedException("not allowed for this role")
    if connection.scope.get("totp_enrolment_due") and not opt.get("during_enrolment"):
        raise TotpEnrolmentRequired("set up two-step verification first")


class TotpEnrolmentRequired(PermissionDeniedException):
    """An admin of a tenant that requires TOTP has not set it up yet (a 403 if unhandled)."""


def enrolment_required(request: Request, exc: TotpEnrolmentRequired) -> Response:
    """Pages go to the enrolment page; the API answers 403 with the reason."""
    slug = request.path_params["tenant"]
    target = f"/t/{slug}/account/totp"
    if "/api/" in request.url.path or "application/json" in request.headers.get("accept", ""):
        return Response({"status": 403, "detail": "totp enrolment required"}, status_code=403)
    if request.headers.get("hx-request") == "true":
        return Response("", status_code=403, headers={"HX-Redirect": target})
    return Redirect(target, status_code=303)


def not_signed_in(request: Request, exc: NotAuthorizedException) -> Response:
    """Pages send the browser to the login page (and back after); the API answers 401."""
    slug = request.path_params.get("tenant")
    raw = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.decode("latin-1")  # as requested: Litestar's own path drops a trailing slash
    if request.url.query:
        path = f"{path}?{request.url.query}"
    if slug is None or "/api/" in path or "application/json" in request.headers.get("accept", ""):
        return Response({"status": 401, "detail": "sign in required"}, status_code=401)
    target = f"/t/{slug}/login?next={quote(path)}"
    if request.headers.get("hx-request") == "true":
        return Response("", status_code=401, headers={"HX-Redirect": target})
    return Redirect(target, status_code=303)


def safe_next(slug: str, candidate: str | None) -> str:
    """Only paths inside this tenant; anything else goes to the tenant's front page."""
    home = f"/t/{slug}/"
    if not candidate or not candidate.startswith(home) or "//" in candidate or "\\" in candidate:
        return home
    return candidate


def current_user(request: Request) -> dict:
    return request.scope["user"]  # type: ignore[typeddict-item]
