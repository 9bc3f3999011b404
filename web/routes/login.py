"""Signing in and out, accepting invitations, resetting a password."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from core import invitations
from core.accounts import authenticate, get_user
from core.context import current_tenant
from core.db import DB
from core.passwords import WeakPasswordError
from core.redis_client import redis_for_current_loop
from core.sessions import SECOND_STEP_SECONDS
from core.settings import get_settings
from core.throttle import LoginThrottle
from core.validation import ValidationFailed
from web.auth import safe_next, secret_key, session_cookie_name, session_store
from web.i18n import _, current_locale, use_locale
from web.routes.language import language_cookie

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PUBLIC = {"public": True}
SECOND_STEP_COOKIE_PREFIX = "kortisto_signin_"


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _secret_key() -> str:
    return secret_key()


def session_cookie(slug: str, value: str, *, max_age: int | None = None) -> Cookie:
    settings = get_settings()
    return Cookie(
        key=session_cookie_name(slug),
        value=value,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.env not in ("development", "test"),
        max_age=max_age,
    )


def second_step_cookie(slug: str, token: str, *, max_age: int = SECOND_STEP_SECONDS) -> Cookie:
    """Marks a sign-in whose password was right and whose TOTP code is still to come."""
    return Cookie(
        key=SECOND_STEP_COOKIE_PREFIX + slug.replace("-", "_"),
        value=token,
        path="/",
        httponly=True,
        samesite="lax",
        secure=get_settings().env not in ("development", "test"),
        max_age=max_age,
    )


async def start_session(request: Request, slug: str, user: dict) -> list[Cookie]:
    """Sign `user` in: the session cookie, and the language cookie set to their own language
    so that pages outside the session (the login page after signing out, another tenant's
    404) stay in it."""
    session_id = await session_store().create(
        slug,
        str(user["id"]),
        ip=_client_address(request),
        user_agent=request.headers.get("user-agent", ""),
    )
    return [session_cookie(slug, session_id), *language_cookie(request, user["locale"])]


class LoginController(Controller):
    path = "/t/{tenant:str}"

    @get("/login", opt=PUBLIC)
    async def login_form(
        self,
        tenant: FromPath[str],
        next: FromQuery[str | None] = None,
        expired: FromQuery[bool] = False,
    ) -> HTMXTemplate:
        return HTMXTemplate(
            template_name="auth/login.html",
            context={
                "tenant": current_tenant(),
                "next": safe_next(tenant, next),
                "email": "",
                "failure": "code_expired" if expired else "",
            },
        )

    @post("/login", opt=PUBLIC)
    async def login(self, request: Request, tenant: FromPath[str], data: Form) -> Response:
        email = (data.get("email") or "").strip()
        result = await authenticate(
            email,
            data.get("password") or "",
            totp_code=data.get("totp") or "",
            throttle=LoginThrottle(redis_for_current_loop(get_settings().redis_url.reveal())),
            realm=tenant,
            address=_client_address(request),
            secret_key=_secret_key(),
        )
        target = safe_next(tenant, data.get("next"))
        if result.outcome == "ok":
            cookies = await start_session(request, tenant, result.user)
            return Redirect(target, status_code=303, cookies=cookies)
        if result.outcome == "totp_required":  # the code on its own page (web.routes.login_code)
            token = await session_store().begin_second_step(
                tenant, str(result.user["id"]), next_path=target
            )
            return Redirect(
                f"/t/{tenant}/login/code",
                status_code=303,
                cookies=[second_step_cookie(tenant, token)],
            )
        minutes = max(1, (result.retry_after + 59) // 60) if result.retry_after else 0
        return HTMXTemplate(
            template_name="auth/login.html",
            context={
                "tenant": current_tenant(),
                "next": target,
                "email": email,
                "failure": result.outcome,
                "minutes": minutes,
                "ask_totp": result.outcome in ("totp_required", "bad_totp"),
            },
            status_code=429 if result.outcome == "locked" else 400,
        )

    @post("/logout", opt={"roles": {"admin", "staff", "self"}, "during_enrolment": True})
    async def logout(self, request: Request, tenant: FromPath[str]) -> Response:
        session = request.scope.get("auth")
        if session is not None:
            await session_store().revoke(tenant, session.subject, session.key)
        return Redirect(
            f"/t/{tenant}/login",
            status_code=303,
            cookies=[session_cookie(tenant, "", max_age=0)],
        )

    @get("/invite/{token:str}", opt=PUBLIC)
    async def invite_form(self, tenant: FromPath[str], token: FromPath[str]) -> HTMXTemplate:
        try:
            invitation = await invitations.find(token, secret_key=_secret_key())
        except invitations.InvitationError as exc:
            return self._invite_page(token, failure=exc.reason, status=410)
        return self._invite_page(token, invitation=invitation)

    @post("/invite/{token:str}", opt=PUBLIC)
    async def accept_invite(
        self, request: Request, tenant: FromPath[str], token: FromPath[str], data: Form
    ) -> Response:
        password = data.get("password") or ""
        if password != (data.get("password_again") or ""):
            return self._invite_page(token, failure="mismatch", status=400)
        try:
            accepted = await invitations.accept(
                token,
                data.get("key_code") or "",
                password,
                secret_key=_secret_key(),
                locale=current_locale(),  # a new user keeps the language they accepted in
            )
        except invitations.InvitationError as exc:
            return self._invite_page(token, failure=exc.reason, status=410)
        except (WeakPasswordError, ValidationFailed) as exc:
            return self._invite_page(token, failure="weak_password", detail=str(exc), status=400)
        if accepted.failure:
            return self._invite_page(token, failure=accepted.failure, status=400)
        cookies = await start_session(request, tenant, await get_user(accepted.user_id))
        return Redirect(f"/t/{tenant}/", status_code=303, cookies=cookies)

    def _invite_page(
        self,
        token: str,
        *,
        invitation: dict | None = None,
        failure: str = "",
        detail: str = "",
        status: int = 200,
    ) -> HTMXTemplate:
        return HTMXTemplate(
            template_name="auth/invite.html",
            context={
                "tenant": current_tenant(),
                "token": token,
                "invitation": invitation,
                "failure": failure,
                "detail": detail,
            },
            status_code=status,
        )

    @get("/password-reset", opt=PUBLIC)
    async def reset_form(self, tenant: FromPath[str]) -> HTMXTemplate:
        return HTMXTemplate(
            template_name="auth/reset.html", context={"tenant": current_tenant(), "sent": False}
        )

    @post("/password-reset", opt=PUBLIC)
    async def request_reset(self, request: Request, tenant: FromPath[str], data: Form) -> Response:
        email = (data.get("email") or "").strip().casefold()
        user = await DB.current_connection().fetchrow(
            "SELECT id, locale FROM app_user WHERE email = $1 AND active", email
        )
        if user is not None:
            issued = await invitations.issue(
                email,
                purpose="reset",
                user_id=user["id"],
                secret_key=_secret_key(),
                created_by="self-service",
            )
            link = f"{get_settings().web.public_url}/t/{tenant}/invite/{issued.token}"
            # In the account's own language, not the language of the browser that asked;
            # that one only when the user never chose a language (most likely their own).
            with use_locale(user["locale"] or current_locale()):
                subject = _("Salasanan vaihto")
                body = _(
                    "Vaihda salasanasi avaamalla linkki {link} ja syöttämällä koodi {code}. "
                    "Linkki on voimassa tunnin. Jos et pyytänyt vaihtoa, voit ohittaa viestin."
                )
            await invitations.send(issued, email, link=link, subject=subject, body=body)
        # The same answer whether or not the address has an account.
        return HTMXTemplate(
            template_name="auth/reset.html", context={"tenant": current_tenant(), "sent": True}
        )
