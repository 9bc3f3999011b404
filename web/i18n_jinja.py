"""The Jinja side of the languages (web.i18n): gettext callables and the locale-aware date
and number filters, all following the locale of the rendering (the request's, or the one
`use_locale` bound), and the language switcher's links."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from web.i18n import (
    DEFAULT_LOCALE,
    LOCALE_NAMES,
    SUPPORTED_LOCALES,
    bound_locale,
    format_date,
    format_datetime,
    format_decimal,
    format_number,
    load_translations,
    locale_for_scope,
    safe_next,
    translations_for,
)


def _locale_of_context(ctx: Context) -> str:
    # The contextvar wins (the request's middleware, or use_locale); errors raised before
    # routing never pass the middleware, but their template context still has the request.
    bound = bound_locale()
    if bound:
        return bound
    request = ctx.get("request")
    scope = getattr(request, "scope", None)
    return locale_for_scope(scope) if scope is not None else DEFAULT_LOCALE


def _following_request(method: str) -> Any:
    """A gettext-family callable for Jinja that translates into the rendering's locale."""

    @pass_context
    def translate(ctx: Context, *args: Any) -> str:
        return getattr(translations_for(_locale_of_context(ctx)), method)(*args)

    translate.__name__ = method
    return translate


@pass_context
def _jinja_current_locale(ctx: Context) -> str:
    return _locale_of_context(ctx)


@pass_context
def _jinja_language_links(ctx: Context) -> list[dict[str, Any]]:
    """One entry per language for the switcher; each link returns to the current page.

    A signed-in tenant user's links go through their tenant (`/t/<slug>/lang/<code>`), where
    the session is known and the choice is stored on their account."""
    current = _locale_of_context(ctx)
    request = ctx.get("request")
    next_path = "/"
    switch = "/lang"
    if request is not None:
        query = request.scope.get("query_string", b"").decode("latin-1")
        next_path = safe_next(request.url.path + (f"?{query}" if query else ""))
        user = request.scope.get("user")
        slug = request.scope.get("path_params", {}).get("tenant")
        if user and slug and user.get("role") != "operator":
            switch = f"/t/{slug}/lang"
    return [
        {
            "code": code,
            "name": LOCALE_NAMES[code],
            "href": f"{switch}/{code}?next={quote(next_path, safe='/')}",
            "current": code == current,
        }
        for code in SUPPORTED_LOCALES
    ]


def _jinja_formatter(function: Any) -> Any:
    @pass_context
    def formatter(ctx: Context, value: Any, *args: Any, **kwargs: Any) -> str:
        kwargs.setdefault("locale", _locale_of_context(ctx))
        return function(value, *args, **kwargs)

    formatter.__name__ = function.__name__
    formatter.__doc__ = function.__doc__
    return formatter


def install_jinja_i18n(env: Environment) -> None:
    """Once per (shared) environment: gettext callables and filters that follow the request."""
    if "jinja2.ext.InternationalizationExtension" not in env.extensions:
        env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_following_request("gettext"),
        ngettext=_following_request("ngettext"),
        pgettext=_following_request("pgettext"),
        npgettext=_following_request("npgettext"),
        newstyle=True,
    )
    env.globals["current_locale"] = _jinja_current_locale
    env.globals["language_links"] = _jinja_language_links
    env.globals["supported_locales"] = SUPPORTED_LOCALES
    for function in (format_date, format_datetime, format_decimal, format_number):
        env.filters[function.__name__] = _jinja_formatter(function)
    load_translations()
