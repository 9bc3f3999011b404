"""Operator sign-in at /operator/login: password, then a TOTP code (enrolment on first sign-in).

The password step only opens a five-minute "pending" session; the operator session itself starts
after the code. An operator who has not enrolled sees the secret and otpauth:// URI and must
confirm a code from it; there is no way round the second factor.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from core import operators, platform_audit
from core.redis_client import redis_for_current_loop
from core.settings import get_settings
from core.throttle import LoginThrottle
from tenants.scope import platform_transaction
from web.auth import _cookies, secret_key
from web.operator_auth import (
    OPERATOR_COOKIE,
    OPERATOR_EXCEPTION_HANDLERS,
    OPERATOR_REALM,
    PENDING_COOKIE,
    PENDING_REALM,
    operator_cookie,
    operator_guard,
    operator_store,
    pending_store,
)

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PUBLIC = {"operator_public": True}


def _throttle() -> LoginThrottle:
    return LoginThrottle(redis_for_current_loop(get_settings().redis_url.reveal()))


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _minutes(seconds: int) -> int:
    return max(1, (seconds + 59) // 60)


class OperatorLoginController(Controller):
    path = "/operator"
    guards = [operator_guard]
    exception_handlers = OPERATOR_EXCEPTION_HANDLERS  # type: ignore[assignment]
    include_in_schema = False

    @get("/login", opt=PUBLIC)
    async def login_form(self) -> HTMXTemplate:
        return HTMXTemplate(template_name="operator/login.html", context={"email": ""})

    @post("/login", opt=PUBLIC)
    async def login(self, request: Request, data: Form) -> Response:
        email = (data.get("email") or "").strip()
        async with platform_transaction():
            result = await operators.check_password(
                email, data.get("password") or "", throttle=_throttle(), address=_address(request)
            )
            if result.outcome != "ok":
                await platform_audit.record(
                    "operator.sign_in_failed",
                    label=email[:320],
                    detail={"why": result.outcome, "address": _address(request)},
                )
        if result.outcome != "ok":
            return HTMXTemplate(
                template_name="operator/login.html",
                context={
                    "email": email,
                    "failure": result.outcome,
                    "minutes": _minutes(result.retry_after),
                },
                status_code=429 if result.outcome == "locked" else 400,
            )
        pending = await pending_store().create(
            PENDING_REALM,
            str(result.operator["id"]),
            ip=_address(request),
            user_agent=request.headers.get("user-agent", ""),
        )
        return Redirect(
            "/operator/login/code",
            status_code=303,
            cookies=[operator_cookie(PENDING_COOKIE, pending, max_age=5 * 60)],
        )

    async def _pending_operator(self, request: Request) -> dict | None:
        token = _cookies(request.scope).get(PENDING_COOKIE)
        session = await pending_store().get(PENDING_REALM, token) if token else None
        if session is None:
            return None
        async with platform_transaction():
            operator = await operators.get_operator(session.subject)
        return operator if operator and operator["active"] else None

    async def _code_page(
        self, operator: dict, *, failure: str = "", minutes: int = 0, status: int = 200
    ) -> HTMXTemplate:
        enrol = None
        if not operator["totp_enabled"]:
            async with platform_transaction():
                secret, uri = await operators.enrolment_secret(operator, secret_key=secret_key())
            enrol = {"secret": secret, "uri": uri}
        return HTMXTemplate(
            template_name="operator/code.html",
            context={"operator": operator, "enrol": enrol, "failure": failure, "minutes": minutes},
            status_code=status,
        )

    @get("/login/code", opt=PUBLIC)
    async def code_form(self, request: Request) -> Response:
        operator = await self._pending_operator(request)
        if operator is None:
            return Redirect("/operator/login", status_code=303)
        return await self._code_page(operator)

    @post("/login/code", opt=PUBLIC)
    async def check_code(self, request: Request, data: Form) -> Response:
        operator = await self._pending_operator(request)
        if operator is None:
            return HTMXTemplate(
                template_name="operator/login.html",
                context={"email": "", "failure": "code_expired"},
                status_code=400,
            )
        code, address = data.get("code") or "", _address(request)
        enrolling = not operator["totp_enabled"]
        async with platform_transaction():
            if enrolling:
                result = await operators.confirm_enrolment(
                    operator, code, throttle=_throttle(), address=address, secret_key=secret_key()
                )
            else:
                result = await operators.check_totp(
                    operator, code, throttle=_throttle(), address=address, secret_key=secret_key()
                )
            if result.outcome == "ok":
                await operators.mark_signed_in(operator["id"])
                if enrolling:
                    await platform_audit.record("operator.totp_enrolled", operator=operator)
                await platform_audit.record(
                    "operator.sign_in", operator=operator, detail={"address": address}
                )
            else:
                await platform_audit.record(
                    "operator.sign_in_failed",
                    operator=operator,
                    detail={"why": result.outcome, "address": address},
                )
        if result.outcome != "ok":
            status = 429 if result.outcome == "locked" else 400
            return await self._code_page(
                operator,
                failure=result.outcome,
                minutes=_minutes(result.retry_after),
                status=status,
            )
        await pending_store().revoke_by_id(PENDING_REALM, _cookies(request.scope)[PENDING_COOKIE])
        session_id = await operator_store().create(
            OPERATOR_REALM,
            str(operator["id"]),
            ip=address,
            user_agent=request.headers.get("user-agent", ""),
        )
        return Redirect(
            "/operator/",
            status_code=303,
            cookies=[
                operator_cookie(OPERATOR_COOKIE, session_id),
                operator_cookie(PENDING_COOKIE, "", max_age=0),
            ],
        )

    @post("/logout")
    async def logout(self, request: Request) -> Response:
        operator, session = request.scope["operator"], request.scope["operator_session"]  # type: ignore[typeddict-item]
        await operator_store().revoke(OPERATOR_REALM, session.subject, session.key)
        async with platform_transaction():
            await platform_audit.record("operator.sign_out", operator=operator)
        return Redirect(
            "/operator/login",
            status_code=303,
            cookies=[operator_cookie(OPERATOR_COOKIE, "", max_age=0)],
        )
