"""Two-step verification (TOTP) for one's own account: set up, confirm with a code, turn off.

Setting up stores a new secret that does nothing until a code from the user's app confirms
it. The page shows the secret as a QR code, as an otpauth:// link and grouped by four for
typing. The enrolment routes stay open to an admin whom the tenant requires to enrol first
(`during_enrolment`); turning TOTP off needs the password and is refused to such an admin.
Turning TOTP on or off ends the user's other sessions; this browser goes on under a new id.
A code is accepted once: the same code again says to wait for the next one.
"""

from __future__ import annotations

from typing import Annotated

import pyotp
import qrcode
import qrcode.image.svg
from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from core.accounts import (
    confirm_totp_enrolment,
    disable_totp,
    pending_totp_uri,
    start_totp_enrolment,
    verify_current_password,
)
from core.context import current_tenant
from core.tenant_settings import totp_required_for_admins
from web.auth import EVERY_ROLE, client_address, current_user, login_throttle, secret_key
from web.i18n import gettext as _
from web.routes.account import keep_only_this_session, locked_message

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
ENROLMENT = {"roles": EVERY_ROLE, "during_enrolment": True}


def issuer() -> str:
    """How the register is named in the authenticator app."""
    return f"Kortisto ({current_tenant().name})"


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (no image request, so the secret stays in this page)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10)
    svg = image.to_string(encoding="unicode")
    return svg[svg.index("<svg") :]


def replayed_code_message() -> str:
    return _(
        "Tämä koodi on jo käytetty. Odota, että todennussovellus näyttää seuraavan koodin, "
        "ja syötä se."
    )


def grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class AccountTotpController(Controller):
    path = "/t/{tenant:str}/account/totp"
    opt = {"break_glass": False}  # one's own account: never for an operator (web.auth)
    include_in_schema = False

    @get("/", opt=ENROLMENT)
    async def totp_page(self, request: Request, tenant: FromPath[str]) -> HTMXTemplate:
        return await self._page(request)

    async def _page(
        self, request: Request, *, errors: dict[str, str] | None = None, status: int = 200
    ) -> HTMXTemplate:
        me = current_user(request)
        uri = None
        if not me["totp_enabled"]:
            uri = await pending_totp_uri(me["id"], secret_key=secret_key(), issuer=issuer())
        required = me["role"] == "admin" and await totp_required_for_admins()
        errors = errors or {}
        return HTMXTemplate(
            template_name="account/totp.html",
            context={
                "tenant": current_tenant(),
                "me": me,
                "uri": uri,
                "qr": qr_svg(uri) if uri else "",
                "secret": grouped(pyotp.parse_uri(uri).secret) if uri else "",
                "required": required,
                "forced": bool(request.scope.get("totp_enrolment_due")),
                "errors": errors,
                "first_error": next(iter(errors), None),
            },
            status_code=status,
        )

    @post("/start", opt=ENROLMENT)
    async def start(self, request: Request, tenant: FromPath[str]) -> Response:
        me = current_user(request)
        if not me["totp_enabled"]:
            await start_totp_enrolment(me["id"], secret_key=secret_key(), issuer=issuer())
        return Redirect(f"/t/{tenant}/account/totp/", status_code=303)

    @post("/confirm", opt=ENROLMENT)
    async def confirm(self, request: Request, tenant: FromPath[str], data: Form) -> Response:
        me = current_user(request)
        code = "".join((data.get("code") or "").split())
        if me["totp_enabled"]:
            return Redirect(f"/t/{tenant}/account/totp/", status_code=303)
        if not code:
            error = _("Syötä sovelluksen näyttämä kuusinumeroinen koodi.")
        else:
            checked = await confirm_totp_enrolment(me["id"], code, secret_key=secret_key())
            if checked == "ok":
                ended, cookie = await keep_only_this_session(request, tenant, me["id"])
                return Redirect(
                    f"/t/{tenant}/account/?done=totp_on&n={ended}",
                    status_code=303,
                    cookies=[cookie],
                )
            if checked == "totp_replayed":
                error = replayed_code_message()
            else:
                error = _(
                    "Koodi ei kelpaa. Tarkista, että lisäsit sovellukseen juuri tämän avaimen "
                    "ja että laitteen kello on oikeassa ajassa, ja syötä uusin koodi."
                )
        return await self._page(request, errors={"code": error}, status=400)

    @post("/disable", opt={"roles": EVERY_ROLE})
    async def disable(self, request: Request, tenant: FromPath[str], data: Form) -> Response:
        me = current_user(request)
        if me["role"] == "admin" and await totp_required_for_admins():
            return await self._page(
                request,
                status=400,
                errors={
                    "password": _(
                        "Rekisterin pääkäyttäjiltä vaaditaan kaksivaiheinen tunnistus, "
                        "joten et voi poistaa sitä käytöstä."
                    )
                },
            )
        checked = await verify_current_password(
            me["id"],
            data.get("password") or "",
            throttle=login_throttle(),
            realm=tenant,
            address=client_address(request),
        )
        if checked.outcome == "locked":
            return await self._page(
                request, errors={"password": locked_message(checked.retry_after)}, status=429
            )
        if checked.outcome != "ok":
            return await self._page(
                request, errors={"password": _("Salasana on väärin.")}, status=400
            )
        await disable_totp(me["id"])
        ended, cookie = await keep_only_this_session(request, tenant, me["id"])
        return Redirect(
            f"/t/{tenant}/account/?done=totp_off&n={ended}", status_code=303, cookies=[cookie]
        )
