"""The second sign-in step: the TOTP code, after a right password.

The password page (web.routes.login) remembers the half-done sign-in in Valkey for a few
minutes under a random token kept in a short-lived cookie (no session exists yet), then sends
the browser here. A wrong code counts against the same limits as a wrong password; a right
one starts the session.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from core.accounts import verify_second_step
from core.context import current_tenant
from web.auth import client_address, login_throttle, safe_next, secret_key, session_store
from web.routes.login import SECOND_STEP_COOKIE_PREFIX, second_step_cookie, start_session

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PUBLIC = {"public": True}


def second_step_cookie_name(slug: str) -> str:
    return SECOND_STEP_COOKIE_PREFIX + slug.replace("-", "_")


def _expired(tenant: str) -> Redirect:
    return Redirect(
        f"/t/{tenant}/login?expired=1",
        status_code=303,
        cookies=[second_step_cookie(tenant, "", max_age=0)],
    )


class LoginCodeController(Controller):
    path = "/t/{tenant:str}/login/code"
    include_in_schema = False

    @get("/", opt=PUBLIC)
    async def code_form(self, request: Request, tenant: FromPath[str]) -> Response:
        token = request.cookies.get(second_step_cookie_name(tenant), "")
        if await session_store().second_step(tenant, token) is None:
            return _expired(tenant)
        return self._page()

    def _page(
        self, failure: str = "", minutes: int = 0, status: int = 200, cookies=None
    ) -> HTMXTemplate:
        return HTMXTemplate(
            template_name="auth/login_code.html",
            context={"tenant": current_tenant(), "failure": failure, "minutes": minutes},
            status_code=status,
            cookies=cookies,
        )

    @post("/", opt=PUBLIC)
    async def check_code(self, request: Request, tenant: FromPath[str], data: Form) -> Response:
        store = session_store()
        token = request.cookies.get(second_step_cookie_name(tenant), "")
        pending = await store.second_step(tenant, token)
        if pending is None:
            return _expired(tenant)
        result = await verify_second_step(
            pending["subject"],
            data.get("code") or "",
            throttle=login_throttle(),
            realm=tenant,
            address=client_address(request),
            secret_key=secret_key(),
        )
        if result.outcome == "ok":
            await store.end_second_step(tenant, token)
            cookies = await start_session(request, tenant, result.user)
            return Redirect(
                safe_next(tenant, pending.get("next")),
                status_code=303,
                cookies=[*cookies, second_step_cookie(tenant, "", max_age=0)],
            )
        if result.outcome == "locked":
            # Start again from the password once the lockout ends.
            await store.end_second_step(tenant, token)
            minutes = max(1, (result.retry_after + 59) // 60)
            return self._page(
                "locked", minutes, status=429, cookies=[second_step_cookie(tenant, "", max_age=0)]
            )
        if result.outcome == "bad_credentials":  # deactivated meanwhile
            await store.end_second_step(tenant, token)
            return _expired(tenant)
        return self._page(result.outcome, status=400)  # bad_totp or totp_replayed
