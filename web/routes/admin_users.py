"""Admin pages: the tenant's users (invite, change role, deactivate, business areas) and the
mail outbox. Admins only.

Staff and admins are invited by e-mail; an end customer (role self) is invited from their
person page ("Kutsu asiakkaaksi"), which opens this page with the card's e-mail filled in and
the card linked to the invitation.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from core import invitations
from core.accounts import disable_totp
from core.business_areas import areas_by_user, list_areas, set_user_areas, user_area_ids
from core.context import current_tenant
from core.db import DB
from core.mail import outbox
from core.persons import PersonMergedError, PersonNotFoundError, get_person
from core.self_service import self_account
from core.settings import get_settings
from core.validation import ValidationFailed, normalise_email
from web.auth import ADMIN_ONLY, current_user, secret_key, session_store
from web.forms import parse_uuid, render, tenant_context, wants_fragment
from web.i18n import gettext as _

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
STAFF_ROLES = ("admin", "staff")
USER_TEMPLATE = "admin/user.html"


async def _users() -> list[dict]:
    rows = await DB.current_connection().fetch(
        "SELECT u.id, u.email, u.display_name, u.role, u.active, u.totp_enabled, "
        "u.last_login_at, u.person, p.first_name || ' ' || p.last_name AS person_name "
        "FROM app_user u LEFT JOIN person p ON p.id = u.person ORDER BY u.active DESC, u.email"
    )
    areas = await areas_by_user()
    return [{**dict(r), "areas": areas.get(r["id"], [])} for r in rows]


async def _pending_invitations() -> list[dict]:
    rows = await DB.current_connection().fetch(
        "SELECT id, email, role, expires_at, created_at FROM invitation "
        "WHERE purpose = 'invite' AND used_at IS NULL AND expires_at > now() "
        "ORDER BY created_at DESC"
    )
    return [dict(r) for r in rows]


async def _card_to_invite(raw_id: str) -> dict | None:
    """The card an end-customer invitation is for; None when it does not exist (any more)."""
    try:
        return await get_person(uuid.UUID(raw_id))
    except (ValueError, PersonNotFoundError, PersonMergedError):
        return None


async def _invite_errors(
    role: str, email: str, normalised: str, card: dict | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if role not in (*STAFF_ROLES, "self"):
        errors["role"] = _("Valitse rooli.")
    if not normalised:
        errors["email"] = _("Sähköpostiosoite ”%(email)s” ei kelpaa.") % {"email": email}
    elif await DB.current_connection().fetchval(
        "SELECT 1 FROM app_user WHERE email = $1", normalised
    ):
        errors["email"] = _("Osoitteella on jo tunnus.")
    if role == "self":
        if card is None:
            errors["person"] = _(
                "Käyntikorttia ei löydy. Avaa henkilön sivu ja valitse Kutsu asiakkaaksi uudelleen."
            )
        elif await self_account(card["id"]):
            errors["person"] = _("Henkilöllä on jo asiakastunnus.")
    return errors


class AdminUsersController(Controller):
    path = "/t/{tenant:str}/admin"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    @get("/users")
    async def users(
        self, request: Request, tenant: FromPath[str], invite_person: FromQuery[str] = ""
    ) -> HTMXTemplate:
        card = await _card_to_invite(invite_person) if invite_person else None
        if invite_person and card is None:
            raise NotFoundException()
        form = {"email": card["emails"][0] if card and card["emails"] else ""}
        return await self._page(request, tenant, form=form, card=card)

    async def _page(
        self,
        request: Request,
        tenant: str,
        *,
        errors: dict | None = None,
        invited: dict | None = None,
        form: dict | None = None,
        card: dict | None = None,
        status: int = 200,
    ) -> HTMXTemplate:
        return HTMXTemplate(
            template_name="admin/users.html",
            context={
                "tenant": current_tenant(),
                "users": await _users(),
                "invitations": await _pending_invitations(),
                "errors": errors or {},
                "invited": invited,
                "form": form or {},
                "me": current_user(request),
                "roles": STAFF_ROLES,
                "card": card,
            },
            status_code=status,
        )

    @post("/users/invite")
    async def invite(self, request: Request, tenant: FromPath[str], data: Form) -> Response:
        email, role = (data.get("email") or "").strip(), data.get("role") or "staff"
        person_id = (data.get("person_id") or "").strip()
        card = await _card_to_invite(person_id) if person_id else None
        try:
            normalised = normalise_email(email)[1]
        except ValidationFailed:
            normalised = ""
        errors = await _invite_errors(role, email, normalised, card)
        if errors:
            return await self._page(
                request, tenant, errors=errors, form=data, card=card, status=400
            )
        issued = await invitations.issue(
            normalised,
            purpose="invite",
            role=role,
            secret_key=secret_key(),
            person_id=card["id"] if role == "self" and card else None,
            created_by=str(current_user(request)["id"]),
        )
        link = f"{get_settings().web.public_url}/t/{tenant}/invite/{issued.token}"
        if role == "self":
            body = _(
                "Sinut on kutsuttu katsomaan ja korjaamaan tietojasi, jotka %(name)s on "
                "tallentanut asiakasrekisteriinsä. Avaa linkki {link} ja syötä koodi "
                "{code}. Kutsu on voimassa seitsemän päivää."
            ) % {
                # The body is a str.format template next: braces in a name must stay text.
                "name": current_tenant().name.replace("{", "{{").replace("}", "}}")
            }
        else:
            body = _(
                "Sinut on kutsuttu käyttämään rekisteriä. Avaa linkki {link} ja syötä "
                "koodi {code}. Kutsu on voimassa seitsemän päivää."
            )
        await invitations.send(
            issued,
            normalised,
            link=link,
            subject=_("Kutsu rekisteriin: %(name)s") % {"name": current_tenant().name},
            body=body,
        )
        return await self._page(
            request, tenant, invited={"email": normalised, "key_code": issued.key_code}
        )

    @get("/users/{user_id:str}")
    async def user_page(
        self,
        request: Request,
        tenant: FromPath[str],
        user_id: FromPath[str],
        saved: FromQuery[str] = "",
    ) -> Response:
        return await self._user_page(request, await self._user(user_id), saved=saved == "1")

    async def _user(self, raw_id: str) -> dict:
        row = await DB.current_connection().fetchrow(
            "SELECT u.id, u.email, u.display_name, u.role, u.active, u.totp_enabled, "
            "u.last_login_at, u.created_at, u.person, "
            "p.first_name || ' ' || p.last_name AS person_name "
            "FROM app_user u LEFT JOIN person p ON p.id = u.person WHERE u.id = $1",
            parse_uuid(raw_id),
        )
        if row is None:
            raise NotFoundException()
        return dict(row)

    async def _user_page(
        self,
        request: Request,
        user: dict,
        *,
        chosen: set[uuid.UUID] | None = None,
        error: str = "",
        saved: bool = False,
        status: int = 200,
    ) -> Response:
        areas = await list_areas()
        member_of = await user_area_ids(user["id"])
        context = {
            **tenant_context(),
            "user": user,
            "saved": saved,
            "error": error,
            "active_areas": [a for a in areas if not a["archived"]],
            "archived_memberships": [a for a in areas if a["archived"] and a["id"] in member_of],
            "chosen": member_of if chosen is None else chosen,
            "fragment": wants_fragment(request),
        }
        block = "areas_form" if context["fragment"] else None
        return render(request, USER_TEMPLATE, context, block=block, status_code=status)

    @post("/users/{user_id:str}/areas")
    async def save_areas(
        self, request: Request, tenant: FromPath[str], user_id: FromPath[str]
    ) -> Response:
        user = await self._user(user_id)
        if user["role"] == "self":
            raise NotFoundException()  # end customers have no areas; there is no such form
        raw = (await request.form()).getall("area", [])
        try:
            chosen = {uuid.UUID(value) for value in raw}
            await set_user_areas(user["id"], chosen)
        except ValueError as exc:  # ValidationFailed is a ValueError too
            code = exc.errors["areas"][0] if isinstance(exc, ValidationFailed) else "unknown"
            error = {
                "archived": _(
                    "Arkistoitua aluetta ei voi antaa käyttäjälle. Palauta alue ensin "
                    "käyttöön Liiketoiminta-alueet-sivulla."
                ),
            }.get(code, _("Valittua aluetta ei löydy. Lataa sivu uudelleen ja valitse alueet."))
            return await self._user_page(request, user, error=error, status=400)
        if wants_fragment(request):
            return await self._user_page(request, user, saved=True)
        return Redirect(f"/t/{tenant}/admin/users/{user['id']}?saved=1", status_code=303)

    @post("/users/{user_id:str}")
    async def update_user(
        self, request: Request, tenant: FromPath[str], user_id: FromPath[str], data: Form
    ) -> Response:
        target = parse_uuid(user_id)
        me = current_user(request)
        conn = DB.current_connection()
        row = await conn.fetchrow("SELECT id, role, active FROM app_user WHERE id = $1", target)
        if row is None:
            raise NotFoundException()
        action = data.get("action")
        if target == me["id"] and action == "reset_totp":
            # One's own TOTP goes off on the account page, with the password.
            return await self._page(
                request,
                tenant,
                status=400,
                errors={
                    "self": _(
                        "Oman kaksivaiheisen tunnistuksesi voit poistaa käytöstä Oma tili "
                        "-sivulla salasanallasi."
                    )
                },
            )
        if target == me["id"] and action in ("deactivate", "role"):
            # An admin cannot lock themselves out (or leave the register without an admin).
            return await self._page(
                request,
                tenant,
                status=400,
                errors={"self": _("Et voi muuttaa omaa rooliasi tai poistaa omaa tunnustasi.")},
            )
        staff_account = row["role"] != "self"  # an end customer's role never changes here
        if action == "role" and staff_account and data.get("role") in STAFF_ROLES:
            await conn.execute("UPDATE app_user SET role = $2 WHERE id = $1", target, data["role"])
        elif action == "deactivate":
            await conn.execute("UPDATE app_user SET active = false WHERE id = $1", target)
            await session_store().revoke_all(tenant, str(target))
        elif action == "activate":
            await conn.execute("UPDATE app_user SET active = true WHERE id = $1", target)
        elif action == "reset_totp":
            # Every session of the user ends: a reset often follows a lost or stolen device.
            await disable_totp(target)
            await session_store().revoke_all(tenant, str(target))
        return Redirect(f"/t/{tenant}/admin/users", status_code=303)

    @get("/outbox")
    async def mail_outbox(self, tenant: FromPath[str]) -> HTMXTemplate:
        return HTMXTemplate(
            template_name="admin/outbox.html",
            context={"tenant": current_tenant(), "messages": await outbox(200)},
        )
