"""Language switch: `/lang/<code>?next=/path` stores the choice in a cookie and goes back.

Works without JavaScript (plain links or a form). `next` must be a path on this site, so the
switch can never be used as an open redirect. The `/t/<slug>/lang/<code>` twin serves a
tenant's own host name (which serves every path under its `/t/<slug>/` prefix) and a signed-in
user of the tenant: their choice is stored on their account too (core.account_language), so
their pages come in it on any browser (web.auth); visitors have the cookie only.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect

from core.account_language import set_account_language
from web.auth import EVERY_ROLE
from web.i18n import (
    LOCALE_COOKIE,
    LOCALE_COOKIE_MAX_AGE,
    SUPPORTED_LOCALES,
    normalize_locale,
    safe_next,
)


def language_cookie(request: Request, code: str | None) -> list[Cookie]:
    """The language cookie for a supported `code` (none for anything else)."""
    chosen = normalize_locale(code)
    if chosen is None:
        return []
    return [
        Cookie(
            key=LOCALE_COOKIE,
            value=chosen,
            max_age=LOCALE_COOKIE_MAX_AGE,
            path="/",
            samesite="lax",
            httponly=True,
            secure=request.url.scheme == "https",
        )
    ]


# Sec-Fetch-Site values of a request our own pages made (or the user typed); browsers without
# the header (None) are let through: the switcher is a plain link.
OWN_PAGES = (None, "same-origin", "none")


async def _switch(request: Request, code: str, next_path: str | None) -> Redirect:
    if code not in SUPPORTED_LOCALES:
        raise NotFoundException()
    user = request.scope.get("user")
    # Not for an operator under break-glass: no account here, and a read-only transaction.
    # A link (GET) stores the choice only when the browser says it came from our own pages:
    # another site's link or image must not change an account (the form has its CSRF token).
    ours = request.method == "POST" or request.headers.get("sec-fetch-site") in OWN_PAGES
    if user is not None and user["role"] in EVERY_ROLE and ours:
        await set_account_language(user["id"], code)
    return Redirect(
        path=safe_next(next_path),
        status_code=303,
        cookies=language_cookie(request, code),
        headers={"Cache-Control": "no-store"},
    )


NextPath = Annotated[str | None, QueryParameter(name="next")]


class LanguageController(Controller):
    path = "/lang"
    include_in_schema = False

    @get("/{code:str}")
    async def switch_by_link(
        self, request: Request, code: FromPath[str], next_path: NextPath = None
    ) -> Redirect:
        return await _switch(request, code, next_path)

    @post("/{code:str}")
    async def switch_by_form(
        self, request: Request, code: FromPath[str], next_path: NextPath = None
    ) -> Redirect:
        form = await request.form()
        return await _switch(request, code, form.get("next") or next_path)


class TenantLanguageController(LanguageController):
    # Choosing a language is not tenant data: open to visitors of the login page too.
    opt = {"public": True}
    path = "/t/{tenant:str}/lang"
