"""A user's own account: change the password, see and end their sessions (every role).

A password change (and turning TOTP on or off, web.routes.account_totp) ends every other
session of the user at once and gives the current one a new id, so a stolen cookie dies when
the owner secures the account. Sessions are listed from the user's index in Valkey; only the
user's own sessions can be ended here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from core.accounts import get_user, set_password, verify_current_password
from core.context import current_tenant
from core.passwords import MAX_LENGTH, MIN_LENGTH, WeakPasswordError, check_strength
from core.sessions import Session
from core.tenant_settings import totp_required_for_admins
from web.auth import (
    EVERY_ROLE,
    client_address,
    current_user,
    login_throttle,
    session_store,
)
from web.i18n import gettext as _
from web.routes.login import session_cookie
from web.user_agent import summarise

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
DONE_MESSAGES = ("password", "revoked", "others", "totp_on", "totp_off")


def weak_password_message(reason: str) -> str:
    """The strength rule that failed, said so the user knows what to change."""
    if reason == "too_short":
        return _("Salasanassa pitää olla vähintään %(n)s merkkiä.") % {"n": MIN_LENGTH}
    if reason == "too_long":
        return _("Salasanassa saa olla enintään %(n)s merkkiä.") % {"n": MAX_LENGTH}
    if reason == "contains_email":
        return _("Salasanassa ei saa olla sähköpostiosoitteesi alkuosaa.")
    return _("Salasana on liian yksitoikkoinen: käytä useampia eri merkkejä.")


def locked_message(retry_after: int) -> str:
    minutes = max(1, (retry_after + 59) // 60)
    return _("Liian monta väärää salasanaa. Yritä uudelleen %(minutes)s minuutin kuluttua.") % {
        "minutes": minutes
    }


async def keep_only_this_session(
    request: Request, tenant: str, user_id: uuid.UUID
) -> tuple[int, Cookie]:
    """End the user's other sessions and give this browser a new session id (its old id ends
    too); returns how many others ended and the new cookie. For after a change that voided
    the user's sessions in the database (sessions_valid_after): the new one starts after it."""
    store = session_store()
    session = request.scope["auth"]  # type: ignore[typeddict-item]
    ended = await store.revoke_all(tenant, str(user_id), except_key=session.key)
    # The void-before moment is the database's clock; the new session must not look older
    # than it if this server's clock lags behind.
    user = await get_user(user_id)
    voided = user["sessions_valid_after"].timestamp() if user else 0.0
    new_id = await store.rotate(tenant, session, not_before=voided)
    return ended, session_cookie(tenant, new_id)


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def session_rows(sessions: list[Session], current_key: str) -> list[dict]:
    return [
        {
            "key": s.key,
            "current": s.key == current_key,
            "started": _moment(s.created_at),
            "last_seen": _moment(s.last_seen),
            "browser": summarise(s.user_agent),
            "ip": s.ip if s.ip not in ("", "unknown") else "",
        }
        for s in sessions
    ]


class AccountController(Controller):
    path = "/t/{tenant:str}/account"
    # break_glass False: one's own account; an operator under break-glass has none here.
    opt = {"roles": EVERY_ROLE, "break_glass": False}
    include_in_schema = False

    @get("/")
    async def account(
        self,
        request: Request,
        tenant: FromPath[str],
        done: FromQuery[str | None] = None,
        n: FromQuery[int] = 0,
    ) -> HTMXTemplate:
        return await self._page(request, tenant, done=done if done in DONE_MESSAGES else "", n=n)

    async def _page(
        self,
        request: Request,
        tenant: str,
        *,
        errors: dict[str, str] | None = None,
        done: str = "",
        n: int = 0,
        status: int = 200,
    ) -> HTMXTemplate:
        me = current_user(request)
        session = request.scope["auth"]  # type: ignore[typeddict-item]
        sessions = await session_store().list_for(tenant, str(me["id"]))
        errors = errors or {}
        return HTMXTemplate(
            template_name="account/index.html",
            context={
                "tenant": current_tenant(),
                "me": me,
                "sessions": session_rows(sessions, session.key),
                "errors": errors,
                "first_error": next(iter(errors), None),
                "done": done,
                "n": n,
                "totp_required": me["role"] == "admin" and await totp_required_for_admins(),
                "min_length": MIN_LENGTH,
            },
            status_code=status,
        )

    @post("/password")
    async def change_password(
        self, request: Request, tenant: FromPath[str], data: Form
    ) -> Response:
        me = current_user(request)
        current = data.get("current_password") or ""
        new, again = data.get("new_password") or "", data.get("new_password_again") or ""
        errors: dict[str, str] = {}
        if not current:
            errors["current_password"] = _("Syötä nykyinen salasanasi.")
        else:
            checked = await verify_current_password(
                me["id"],
                current,
                throttle=login_throttle(),
                realm=tenant,
                address=client_address(request),
            )
            if checked.outcome == "locked":
                errors["current_password"] = locked_message(checked.retry_after)
            elif checked.outcome != "ok":
                errors["current_password"] = _("Nykyinen salasana on väärin.")
        if not new:
            errors["new_password"] = _("Kirjoita uusi salasana.")
        elif new != again:
            errors["new_password_again"] = _(
                "Salasanat eivät ole samat. Kirjoita uusi salasana kahdesti samalla tavalla."
            )
        else:
            try:
                check_strength(new, email=me["email"])
            except WeakPasswordError as exc:
                errors["new_password"] = weak_password_message(exc.reason)
        if errors:
            return await self._page(request, tenant, errors=errors, status=400)
        await set_password(me["id"], new)
        # Logout everywhere else, at once; this browser keeps working under a new id.
        ended, cookie = await keep_only_this_session(request, tenant, me["id"])
        return Redirect(
            f"/t/{tenant}/account/?done=password&n={ended}", status_code=303, cookies=[cookie]
        )

    @post("/sessions/others")
    async def end_other_sessions(self, request: Request, tenant: FromPath[str]) -> Response:
        me = current_user(request)
        session = request.scope["auth"]  # type: ignore[typeddict-item]
        ended = await session_store().revoke_all(tenant, str(me["id"]), except_key=session.key)
        return Redirect(f"/t/{tenant}/account/?done=others&n={ended}", status_code=303)

    @post("/sessions/{key:str}/end")
    async def end_session(
        self, request: Request, tenant: FromPath[str], key: FromPath[str]
    ) -> Response:
        me = current_user(request)
        session = request.scope["auth"]  # type: ignore[typeddict-item]
        store = session_store()
        if not await store.revoke_own(tenant, str(me["id"]), key):
            raise NotFoundException()
        if key == session.key:  # ending this very session is signing out
            return Redirect(
                f"/t/{tenant}/login",
                status_code=303,
                cookies=[session_cookie(tenant, "", max_age=0)],
            )
        return Redirect(f"/t/{tenant}/account/?done=revoked", status_code=303)
