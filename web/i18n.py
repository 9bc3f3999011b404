"""Languages: Finnish (the source language), Swedish and English, with Babel.

The msgids are the Finnish texts, so `fi` needs no catalog. Catalogs live in
`web/locale/<lang>/LC_MESSAGES/messages.po`; their `.mo` files are compiled by
`pybabel compile -d web/locale -f`, or here at startup when missing or stale.

The locale of a request is a signed-in tenant user's own language (stored on their account once
they choose one, read with the session: web.auth re-binds it with `user_locale`), else the
`kortisto_lang` cookie, else Accept-Language, else Finnish. `LocaleMiddleware` binds the
negotiated one to a contextvar for the handler and its template; the Jinja environment is
shared, so its `_`/`gettext`/`ngettext` (web.i18n_jinja) read that contextvar on every call
(or, for errors raised outside the middleware, the `request` in the template context). Code
that renders for someone else, such as an e-mail, wraps the rendering in `use_locale(code)`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import gettext as stdlib_gettext
import io
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel import Locale, negotiate_locale
from babel.dates import DateTimePattern, get_date_format, parse_pattern
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_decimal as babel_format_decimal
from babel.support import NullTranslations, Translations
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from web.catalogs import compile_catalogs

log = logging.getLogger("kortisto.web.i18n")

DEFAULT_LOCALE = "fi"
SUPPORTED_LOCALES: tuple[str, ...] = ("fi", "sv", "en")
# Each language named in itself, for the switcher.
LOCALE_NAMES: Mapping[str, str] = {"fi": "suomi", "sv": "svenska", "en": "English"}
LOCALE_COOKIE = "kortisto_lang"
LOCALE_COOKIE_MAX_AGE = 365 * 24 * 3600
DISPLAY_TIMEZONE = ZoneInfo("Europe/Helsinki")
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
_STATE_KEY = "kortisto_locale"

_active: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "kortisto_locale", default=None
)


# --- choosing a locale ---------------------------------------------------------------------


def normalize_locale(code: str | None) -> str | None:
    """`'SV'`, `'sv-FI'`, `'sv_FI'` → `'sv'`; unsupported or empty → None."""
    if not code:
        return None
    language = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return language if language in SUPPORTED_LOCALES else None


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags of an Accept-Language header, best first (q=0 and `*` dropped)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*" or len(tag) > 35:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag.replace("-", "_")))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The locale for a request: a supported cookie value, else Accept-Language, else Finnish."""
    chosen = normalize_locale(cookie)
    if chosen:
        return chosen
    preferred = parse_accept_language(accept_language)
    match = negotiate_locale(preferred, list(SUPPORTED_LOCALES), sep="_", aliases=None)
    return normalize_locale(match) or DEFAULT_LOCALE


def locale_for_scope(scope: Scope) -> str:
    """Negotiate (once per request; the answer is kept in the scope state) from raw headers."""
    state = scope.get("state")
    if isinstance(state, dict) and state.get(_STATE_KEY) in SUPPORTED_LOCALES:
        return state[_STATE_KEY]
    cookie_value: str | None = None
    accept_language: str | None = None
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            cookie_value = cookie_value or _cookie_from_header(value.decode("latin-1"))
        elif name == b"accept-language":
            accept_language = value.decode("latin-1")
    code = negotiate(cookie_value, accept_language)
    if isinstance(state, dict):
        state[_STATE_KEY] = code
    return code


def _cookie_from_header(header: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed Cookie header is the client's problem, not a 500
        return None
    morsel = jar.get(LOCALE_COOKIE)
    return morsel.value if morsel else None


def safe_next(value: str | None, default: str = "/") -> str:
    """`value` if it is a path on this site (`/t/x/?q=1`), else `default`: never an open redirect.

    Refused: absolute URLs, scheme-relative `//host`, backslashes (browsers read `/\\host` as
    `//host`) and control characters (browsers drop tabs and newlines, turning `/\\t/host` into
    `//host`).
    """
    if not value or len(value) > 2048 or not value.startswith("/"):
        return default
    if value.startswith("//") or "\\" in value:
        return default
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


# --- catalogs ------------------------------------------------------------------------------


@cache
def _all_translations() -> dict[str, stdlib_gettext.NullTranslations]:
    in_memory = compile_catalogs(LOCALE_DIR, DOMAIN)
    loaded: dict[str, stdlib_gettext.NullTranslations] = {DEFAULT_LOCALE: NullTranslations()}
    for code in SUPPORTED_LOCALES:
        if code == DEFAULT_LOCALE:
            continue
        mo_path = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if code in in_memory and not mo_path.exists():
            loaded[code] = Translations(io.BytesIO(in_memory[code]), domain=DOMAIN)
        elif mo_path.exists():
            with mo_path.open("rb") as mo_file:
                loaded[code] = Translations(mo_file, domain=DOMAIN)
        else:
            log.warning("no catalog for %s; its users will see Finnish", code)
            loaded[code] = NullTranslations()
    return loaded


def load_translations() -> None:
    """Compile and load all catalogs now (at startup) rather than on the first request."""
    _all_translations()


def translations_for(code: str | None) -> stdlib_gettext.NullTranslations:
    """The (cached) translations of a locale; Finnish, i.e. the msgids, for anything unknown."""
    catalogs = _all_translations()
    found = catalogs.get(code)  # type: ignore[arg-type]  # the usual case: a code as bound
    if found is not None:
        return found
    return catalogs.get(normalize_locale(code) or DEFAULT_LOCALE, catalogs[DEFAULT_LOCALE])


# --- the current locale --------------------------------------------------------------------


def current_locale() -> str:
    """The locale bound for this task (request or `use_locale`), else Finnish."""
    return _active.get() or DEFAULT_LOCALE


def bound_locale() -> str | None:
    """The locale bound for this task, or None when nothing bound one."""
    return _active.get()


def set_locale(code: str | None) -> contextvars.Token:
    """Bind a locale for the current task; pair with `reset_locale(token)`. Prefer `use_locale`."""
    return _active.set(normalize_locale(code) or DEFAULT_LOCALE)


def reset_locale(token: contextvars.Token) -> None:
    _active.reset(token)


@contextmanager
def use_locale(code: str | None) -> Iterator[str]:
    """Translate and format in `code` inside the block (an e-mail in its recipient's language)."""
    token = set_locale(code)
    try:
        yield current_locale()
    finally:
        reset_locale(token)


@contextmanager
def user_locale(scope: Scope, code: str | None) -> Iterator[str]:
    """Re-bind the request's locale to a signed-in user's own language once the session is
    known (web.auth): it wins over the cookie and Accept-Language for the handler, its
    template and an error page rendered after it (the scope state keeps it). An unsupported
    code leaves the negotiated locale."""
    chosen = normalize_locale(code)
    if chosen is None:
        yield current_locale()
        return
    state = scope.get("state")
    if isinstance(state, dict):
        state[_STATE_KEY] = chosen
    with use_locale(chosen) as bound:
        yield bound


def gettext(message: str) -> str:
    """Translate a Finnish source text into the current locale (Python code; extracted as `_`)."""
    return translations_for(current_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations_for(current_locale()).ngettext(singular, plural, n)


_ = gettext


# --- locale formatting ---------------------------------------------------------------------


@cache
def _babel_locale(code: str) -> Locale:
    """Parsed once per language: Babel parses a locale string on every call (~13 µs, a third
    of a date's formatting), which adds up on a page of hundreds of dates."""
    return Locale.parse(code)


@cache
def _date_pattern(code: str, format: str) -> DateTimePattern:
    """The parsed pattern of a date format of a language, as babel's format_date finds it
    (its named formats looked up in the locale's data) on every call."""
    if format in ("full", "long", "medium", "short"):
        format = get_date_format(format, locale=_babel_locale(code))  # type: ignore[arg-type]
    return parse_pattern(format)


def format_date(
    value: dt.date | dt.datetime | str | None, format: str = "medium", locale: str | None = None
) -> str:
    """A date (or the Helsinki date of a datetime; naive means UTC; an ISO date string as
    stored in JSON reports) in the locale's style."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = _aware(value).astimezone(DISPLAY_TIMEZONE).date()
    code = locale or current_locale()
    # What babel_format_date does, without finding and parsing the pattern again every time.
    return _date_pattern(code, format).apply(value, _babel_locale(code))


def format_datetime(
    value: dt.datetime | None, format: str = "medium", locale: str | None = None
) -> str:
    """A moment in Helsinki time in the locale's style; naive datetimes are taken as UTC."""
    if value is None:
        return ""
    return babel_format_datetime(
        _aware(value),
        format=format,
        tzinfo=DISPLAY_TIMEZONE,
        locale=_babel_locale(locale or current_locale()),
    )


def format_decimal(
    value: int | float | Decimal | None, format: str | None = None, locale: str | None = None
) -> str:
    """A number with the locale's decimal sign and grouping (`1 234,5` in Finnish)."""
    if value is None:
        return ""
    return babel_format_decimal(
        value, format=format, locale=_babel_locale(locale or current_locale())
    )


def format_number(value: int | float | Decimal | None, locale: str | None = None) -> str:
    """A count with the locale's grouping (`12 345`), no fixed decimals."""
    return format_decimal(value, locale=locale)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


# --- middleware ----------------------------------------------------------------------------


class LocaleMiddleware(ASGIMiddleware):
    """Bind the request's locale for the handler and the rendering of its response.

    Pages differ by cookie and Accept-Language, so HTML responses say so in `Vary`.
    """

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = set_locale(locale_for_scope(scope))

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_vary(message.get("headers") or [])
            await send(message)

        try:
            await next_app(scope, receive, send_with_vary)
        finally:
            reset_locale(token)


def _with_vary(headers: Any) -> list[tuple[bytes, bytes]]:
    headers = [(bytes(name), bytes(value)) for name, value in headers]
    content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
    if not content_type.startswith(b"text/html"):
        return headers
    present = [v for n, v in headers if n.lower() == b"vary"]
    existing = {t.strip().lower() for v in present for t in v.split(b",") if t.strip()}
    missing = [t for t in (b"Cookie", b"Accept-Language") if t.lower() not in existing]
    if not missing:
        return headers
    headers = [(n, v) for n, v in headers if n.lower() != b"vary"]
    merged = b", ".join([*(v for v in present if v.strip()), *missing])
    return [*headers, (b"vary", merged)]
