"""Languages: negotiation, the language switch (no open redirect), catalogs, rendered pages."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from litestar import Litestar, get
from litestar.params import FromPath
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig
from litestar.testing import TestClient

from web import i18n, i18n_jinja
from web.routes.language import LanguageController, TenantLanguageController

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = ROOT / "web" / "locale"
TRANSLATED = ("sv", "en")


# --- negotiation ---------------------------------------------------------------------------


def test_cookie_beats_accept_language():
    assert i18n.negotiate("en", "sv-FI,sv;q=0.9") == "en"
    assert i18n.negotiate("sv", "en-GB") == "sv"


def test_accept_language_sv_fi_gives_swedish():
    assert i18n.negotiate(None, "sv-FI") == "sv"
    assert i18n.negotiate(None, "de-DE,sv-FI;q=0.8,en;q=0.5") == "sv"
    assert i18n.negotiate(None, "en;q=0.2,sv;q=0.9") == "sv"


@pytest.mark.parametrize(
    ("cookie", "accept_language"),
    [(None, None), (None, ""), (None, "de-DE,fr;q=0.8"), ("xx", "de"), ("", "*"), (None, "sv;q=0")],
)
def test_unknown_language_falls_back_to_finnish(cookie, accept_language):
    assert i18n.negotiate(cookie, accept_language) == "fi"


def test_unknown_cookie_still_lets_accept_language_decide():
    assert i18n.negotiate("klingon", "en-US") == "en"


# --- next-path validation ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/t/x/", "/t/x/organizations?page=2&q=%C3%A4"])
def test_safe_next_keeps_site_paths(path):
    assert i18n.safe_next(path) == path


@pytest.mark.parametrize(
    "path",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example",
        "//evil.example/t/x/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "javascript:alert(1)",
        "t/x/",
        "http:/evil.example",
    ],
)
def test_safe_next_refuses_other_sites(path):
    assert i18n.safe_next(path) == "/"


# --- catalogs ------------------------------------------------------------------------------


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _ids(catalog) -> set:
    return {m.id for m in catalog if m.id}


def test_every_msgid_is_translated_in_swedish_and_english():
    template_ids = _ids(_read(LOCALE_DIR / "messages.pot"))
    assert template_ids, "the .pot is empty"
    for code in TRANSLATED:
        catalog = _read(LOCALE_DIR / code / "LC_MESSAGES" / "messages.po", code)
        by_id = {m.id: m for m in catalog if m.id}
        problems = []
        for msgid in sorted(template_ids, key=str):
            message = by_id.get(msgid)
            strings = (
                []
                if message is None
                else list(message.string)
                if isinstance(message.string, tuple | list)
                else [message.string]
            )
            if not strings or not all(s and s.strip() for s in strings):
                problems.append(f"untranslated: {msgid!r}")
            elif message.fuzzy:
                problems.append(f"fuzzy: {msgid!r}")
            elif _placeholders(msgid) != set().union(*(_placeholders(s) for s in strings)):
                problems.append(f"placeholders differ: {msgid!r}")
        assert not problems, f"{code}: " + "; ".join(problems)


def test_translations_are_not_copies_of_the_finnish():
    for code in TRANSLATED:
        catalog = _read(LOCALE_DIR / code / "LC_MESSAGES" / "messages.po", code)
        copies = [m.id for m in catalog if m.id and m.string == m.id and len(m.id) > 3]
        assert not copies, f"{code}: not translated, only copied: {copies}"


def test_pot_is_up_to_date_with_the_sources():
    """A new `_("…")` in a template or web/*.py must be extracted and translated.

    Fix: .venv/bin/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -k N_
         -o web/locale/messages.pot . && .venv/bin/pybabel update -i web/locale/messages.pot
         -d web/locale --no-fuzzy-matching, then translate the new entries.
    """
    method_map = [
        ("web/**.py", "python"),
        ("web/templates/**.html", "jinja2"),
    ]
    options = {"web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    extracted = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options, keywords=keywords
    ):
        extracted.add(message)
    in_pot = _ids(_read(LOCALE_DIR / "messages.pot"))
    missing = sorted(map(str, extracted - in_pot))
    assert not missing, f"not in web/locale/messages.pot (re-extract): {missing}"


def _placeholders(text: str | tuple | list) -> set[str]:
    """Named placeholders; plural entries (a tuple of forms) give the union of their forms."""
    if isinstance(text, tuple | list):
        return set().union(*(_placeholders(t) for t in text if t))
    return set(re.findall(r"%\((\w+)\)[sd]", text))


def test_pybabel_compile_command_of_the_makefile_works(tmp_path):
    pybabel = Path(sys.executable).with_name("pybabel")
    assert pybabel.exists(), "pybabel (Babel) must be installed next to the interpreter"
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    result = subprocess.run(
        [str(pybabel), "compile", "-d", str(copy), "-f"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    for code in TRANSLATED:
        assert (copy / code / "LC_MESSAGES" / "messages.mo").stat().st_size > 0


def test_missing_mo_is_compiled_at_startup(tmp_path):
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    compiled = i18n.compile_catalogs(copy, i18n.DOMAIN)
    assert set(compiled) == set(TRANSLATED)
    mo = copy / "sv" / "LC_MESSAGES" / "messages.mo"
    assert mo.exists()
    # Fresh .mo files are left alone the next time.
    assert i18n.compile_catalogs(copy, i18n.DOMAIN) == {}


def test_translations_and_formatting_follow_use_locale():
    assert i18n.gettext("Siirry sisältöön") == "Siirry sisältöön"
    with i18n.use_locale("en"):
        assert i18n.gettext("Siirry sisältöön") == "Skip to content"
        assert i18n.format_decimal(1234.5) == "1,234.5"
        with i18n.use_locale("sv"):
            assert i18n.gettext("Siirry sisältöön") == "Hoppa till innehållet"
        assert i18n.current_locale() == "en"
    assert i18n.current_locale() == "fi"
    assert i18n.format_decimal(1234.5).replace("\xa0", " ") == "1 234,5"
    # Naive datetimes are UTC; shown in Helsinki time (UTC+3 in June).
    assert "15.00" in i18n.format_datetime(dt.datetime(2026, 6, 1, 12, 0), locale="fi")
    assert i18n.format_date(None) == ""


# --- HTTP: a small app with the language controller, the middleware and the real templates --


@get("/t/{tenant:str}/page", sync_to_thread=False)
def _page(tenant: FromPath[str]) -> Template:
    return Template(
        template_name="errors/error.html",
        context={"status": 404, "kind": "not_found", "fragment": False},
    )


@get("/numbers", sync_to_thread=False)
def _numbers() -> Template:
    return Template(
        template_str=(
            "{{ current_locale() }}|{{ 1234.5|format_decimal }}|{{ 1234567|format_number }}"
            "|{{ _('Kieli') }}|{{ ngettext('%(num)d rivi', '%(num)d riviä', 2) }}"
        )
    )


def _engine_callback(engine: JinjaTemplateEngine) -> None:
    i18n_jinja.install_jinja_i18n(engine.engine)


@pytest.fixture
def small_client():
    from web.errors import EXCEPTION_HANDLERS

    app = Litestar(
        route_handlers=[LanguageController, TenantLanguageController, _page, _numbers],
        middleware=[i18n.LocaleMiddleware()],
        template_config=TemplateConfig(
            directory=ROOT / "web" / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=_engine_callback,
        ),
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
    )
    with TestClient(app=app) as client:
        yield client


def test_language_link_sets_cookie_and_returns(small_client):
    response = small_client.get("/lang/en", params={"next": "/t/x/"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/t/x/"
    assert response.cookies.get(i18n.LOCALE_COOKIE) == "en"
    set_cookie = response.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie and "path=/" in set_cookie


def test_language_form_post_works_without_javascript(small_client):
    response = small_client.post("/lang/sv", data={"next": "/t/x/page?a=1"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/t/x/page?a=1"
    assert response.cookies.get(i18n.LOCALE_COOKIE) == "sv"


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/", "//evil.example", "/\\evil.example", "\\/evil.example"]
)
def test_language_switch_refuses_open_redirect(small_client, next_path):
    response = small_client.get("/lang/en", params={"next": next_path}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_unsupported_language_is_not_found(small_client):
    response = small_client.get("/lang/de", params={"next": "/t/x/"}, follow_redirects=False)
    assert response.status_code == 404
    assert i18n.LOCALE_COOKIE not in response.cookies


def test_tenant_host_variant_of_the_switch(small_client):
    response = small_client.get(
        "/t/acme/lang/sv", params={"next": "/t/acme/"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/t/acme/"


def test_page_with_english_cookie_is_english(small_client):
    small_client.cookies.set(i18n.LOCALE_COOKIE, "en")
    response = small_client.get("/t/x/page", headers={"Accept-Language": "sv-FI"})
    small_client.cookies.clear()
    assert response.status_code == 200
    html = response.text
    assert '<html lang="en">' in html
    assert "Page not found" in html and "Skip to content" in html
    assert "Sivua ei löydy" not in html
    assert "Cookie" in response.headers["vary"] and "Accept-Language" in response.headers["vary"]
    # The switcher returns to this page and marks English as current.
    assert 'href="/lang/sv?next=/t/x/page"' in html
    assert re.search(r'hreflang="en" lang="en"\s*aria-current="true"', html)


def test_page_follows_accept_language_without_cookie(small_client):
    html = small_client.get("/t/x/page", headers={"Accept-Language": "sv-FI"}).text
    assert '<html lang="sv">' in html and "Sidan hittades inte" in html
    html = small_client.get("/t/x/page", headers={"Accept-Language": "de"}).text
    assert '<html lang="fi">' in html and "Sivua ei löydy" in html


def test_errors_raised_before_routing_are_translated_too(small_client):
    # An unknown path never reaches the middleware; the template still finds the language.
    small_client.cookies.set(i18n.LOCALE_COOKIE, "en")
    response = small_client.get("/no/such/page", headers={"Accept": "text/html"})
    small_client.cookies.clear()
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_locale_filters_and_globals(small_client):
    small_client.cookies.set(i18n.LOCALE_COOKIE, "en")
    text = small_client.get("/numbers").text
    small_client.cookies.clear()
    assert text == "en|1,234.5|1,234,567|Language|2 riviä"
    text = small_client.get("/numbers").text
    assert text.replace("\xa0", " ") == "fi|1 234,5|1 234 567|Kieli|2 riviä"


def test_base_page_loads_vendored_assets_and_keeps_hooks(small_client):
    html = small_client.get("/t/x/page").text
    assert 'src="/static/vendor/htmx.min.js"' in html
    assert 'href="/static/vendor/pico.min.css"' in html
    assert 'name="htmx-config"' in html and '"error":true' in html
    assert 'hx-headers=\'{"X-CSRF-Token": ""}\'' in html
    assert 'id="messages"' in html and 'aria-live="polite"' in html
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html
    for asset in ("htmx.min.js", "pico.min.css"):
        assert (ROOT / "web" / "static" / "vendor" / asset).stat().st_size > 10_000


# --- the real app (embedded stack from tests/conftest.py) ----------------------------------


@pytest.mark.slow
async def test_tenant_home_in_english(client, make_tenant):
    names = await make_tenant()
    slug = names.slug
    await client.switch_language(slug, "en")  # signed in: the user's own language
    response = await client.get(f"/t/{slug}/")
    assert response.status_code == 200, response.text
    assert "Customer register" in response.text
    assert '<html lang="en">' in response.text
    switched = await client.get(f"/lang/sv?next=/t/{slug}/", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == f"/t/{slug}/"
