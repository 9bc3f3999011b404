"""Admin pages for business areas: the list (add, archive, restore) and one area's page
(rename, archive/restore, members). Admins only.

With HTMX the list's forms swap just the list region and announce the result in the page's
`#messages` live region; without JavaScript every form posts normally and the answer is a
redirect back (post/redirect/get), or the page again with the error next to the field.
"""

from __future__ import annotations

import uuid

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core.business_areas import (
    NAME_MAX,
    AreaNotFoundError,
    add_area,
    get_area,
    list_areas,
    rename_area,
    set_archived,
)
from core.validation import ValidationFailed
from web.auth import ADMIN_ONLY
from web.forms import parse_uuid, render, tenant_context, wants_fragment
from web.i18n import _

LIST_TEMPLATE = "admin/areas.html"
AREA_TEMPLATE = "admin/area.html"


def name_errors(exc: ValidationFailed, typed: str) -> dict[str, str]:
    """The area-name error as a sentence that says what to do."""
    code = exc.errors.get("name", ("", ""))[0]
    name = " ".join(typed.split())
    messages = {
        "required": _("Alueen nimi puuttuu. Kirjoita nimi, esimerkiksi Myynti."),
        "too_long": _("Nimi on liian pitkä: enintään %(max)s merkkiä.") % {"max": NAME_MAX},
        "duplicate": _("Alue ”%(name)s” on jo olemassa. Valitse toinen nimi.") % {"name": name},
        "duplicate_archived": _(
            "Arkistoitu alue ”%(name)s” on jo olemassa. Palauta se arkistosta tai valitse "
            "toinen nimi."
        )
        % {"name": name},
    }
    return {"name": messages.get(code, _("Tarkista tämä kenttä."))}


def _notices(name: str) -> dict[str, str]:
    return {
        "added": _("Alue ”%(name)s” lisättiin.") % {"name": name},
        "renamed": _("Alueen uusi nimi on ”%(name)s”.") % {"name": name},
        "archived": _("Alue ”%(name)s” arkistoitiin. Sitä ei voi enää antaa käyttäjille.")
        % {"name": name},
        "restored": _("Alue ”%(name)s” palautettiin käyttöön.") % {"name": name},
    }


async def _area_or_404(raw_id: str) -> dict:
    try:
        return await get_area(parse_uuid(raw_id))
    except AreaNotFoundError as exc:
        raise NotFoundException() from exc


def _areas_url(suffix: str = "") -> str:
    return f"{tenant_context()['base']}/admin/areas/{suffix}"


class AdminAreasController(Controller):
    path = "/t/{tenant:str}/admin/areas"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    async def _list(
        self,
        request: Request,
        *,
        errors: dict[str, str] | None = None,
        typed: str = "",
        notice: str = "",
        status: int = 200,
    ) -> Response:
        areas = await list_areas()
        context = {
            **tenant_context(),
            "active": [a for a in areas if not a["archived"]],
            "archived": [a for a in areas if a["archived"]],
            "errors": errors or {},
            "first_error": "name" if errors else None,
            "typed": typed,
            "notice": notice,
            "fragment": wants_fragment(request),
        }
        block = "areas_region" if context["fragment"] else None
        return render(request, LIST_TEMPLATE, context, block=block, status_code=status)

    async def _done(self, request: Request, what: str, area_id: uuid.UUID) -> Response:
        """HTMX: the list again with the notice; a plain form: back to the page it came from."""
        area = await get_area(area_id)
        if wants_fragment(request):
            return await self._list(request, notice=_notices(area["name"])[what])
        form = await request.form()
        back = _areas_url(str(area_id)) if form.get("back") == "area" else _areas_url()
        return Redirect(f"{back}?done={what}&area={area_id}", status_code=303)

    async def _notice_from_query(self, done: str, area: str) -> str:
        try:
            name = (await get_area(uuid.UUID(area)))["name"] if done else ""
        except (ValueError, AreaNotFoundError):
            return ""
        return _notices(name).get(done, "")

    @get("/")
    async def areas(
        self,
        request: Request,
        tenant: FromPath[str],
        done: FromQuery[str] = "",
        area: FromQuery[str] = "",
    ) -> Response:
        return await self._list(request, notice=await self._notice_from_query(done, area))

    @post("/")
    async def add(self, request: Request, tenant: FromPath[str]) -> Response:
        typed = str((await request.form()).get("name") or "")
        try:
            area_id = await add_area(typed)
        except ValidationFailed as exc:
            return await self._list(
                request, errors=name_errors(exc, typed), typed=typed, status=400
            )
        return await self._done(request, "added", area_id)

    @get("/{area_id:str}")
    async def area_page(
        self,
        request: Request,
        tenant: FromPath[str],
        area_id: FromPath[str],
        done: FromQuery[str] = "",
        area: FromQuery[str] = "",
    ) -> Response:
        found = await _area_or_404(area_id)
        notice = await self._notice_from_query(done, area)
        return self._area_page(request, found, notice=notice)

    def _area_page(
        self,
        request: Request,
        area: dict,
        *,
        errors: dict[str, str] | None = None,
        typed: str | None = None,
        notice: str = "",
        status: int = 200,
    ) -> Response:
        context = {
            **tenant_context(),
            "area": area,
            "errors": errors or {},
            "first_error": "name" if errors else None,
            "typed": area["name"] if typed is None else typed,
            "notice": notice,
        }
        return render(request, AREA_TEMPLATE, context, status_code=status)

    @post("/{area_id:str}/rename")
    async def rename(
        self, request: Request, tenant: FromPath[str], area_id: FromPath[str]
    ) -> Response:
        found = await _area_or_404(area_id)
        typed = str((await request.form()).get("name") or "")
        try:
            await rename_area(found["id"], typed)
        except ValidationFailed as exc:
            errors = name_errors(exc, typed)
            return self._area_page(request, found, errors=errors, typed=typed, status=400)
        return Redirect(
            f"{_areas_url(str(found['id']))}?done=renamed&area={found['id']}", status_code=303
        )

    @post("/{area_id:str}/archive")
    async def archive(
        self, request: Request, tenant: FromPath[str], area_id: FromPath[str]
    ) -> Response:
        found = await _area_or_404(area_id)
        await set_archived(found["id"], True)
        return await self._done(request, "archived", found["id"])

    @post("/{area_id:str}/restore")
    async def restore(
        self, request: Request, tenant: FromPath[str], area_id: FromPath[str]
    ) -> Response:
        found = await _area_or_404(area_id)
        await set_archived(found["id"], False)
        return await self._done(request, "restored", found["id"])
