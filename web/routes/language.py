"""Language switch: `/lang/<code>?next=/path` stores the choice in a cookie and goes back.

Works without JavaScript (plain links or a form). `next` must be a path on this site, so the
switch can never be used as an open redirect. The `/t/<slug>/lang/<code>` twin exists because a
tenant's own host name serves every path under its `/t/<slug>/` prefix.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect

from web.i18n import LOCALE_COOKIE, LOCALE_COOKIE_MAX_AGE, SUPPORTED_LOCALES, safe_next


def _switch(request: Request, code: str, next_path: str | None) -> Redirect:
    if code not in SUPPORTED_LOCALES:
        raise NotFoundException()
    cookie = Cookie(
        key=LOCALE_COOKIE,
        value=code,
        max_age=LOCALE_COOKIE_MAX_AGE,
        path="/",
        samesite="lax",
        httponly=True,
        secure=request.url.scheme == "https",
    )
    return Redirect(
        path=safe_next(next_path),
        status_code=303,
        cookies=[cookie],
        headers={"Cache-Control": "no-store"},
    )


NextPath = Annotated[str | None, QueryParameter(name="next")]


class LanguageController(Controller):
    path = "/lang"
    include_in_schema = False

    @get("/{code:str}", sync_to_thread=False)
    def switch_by_link(
        self, request: Request, code: FromPath[str], next_path: NextPath = None
    ) -> Redirect:
        return _switch(request, code, next_path)

    @post("/{code:str}")
    async def switch_by_form(
        self, request: Request, code: FromPath[str], next_path: NextPath = None
    ) -> Redirect:
        form = await request.form()
        return _switch(request, code, form.get("next") or next_path)


class TenantLanguageController(LanguageController):
    # Choosing a language is not tenant data: open to visitors of the login page too.
    opt = {"public": True}
    path = "/t/{tenant:str}/lang"
