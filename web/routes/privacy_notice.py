"""The privacy notice (tietosuojaseloste) pages.

- Admins: the controller's facts (a form), the current draft compared with the last published
  version section by section, publishing, the list of kept versions, and the Art. 30 records
  (controller and processor) as CSV or HTML.
- Everyone, without signing in: /t/<slug>/privacy-notice — the latest published version
  (?lang=fi|sv|en, ?version=N for an older one), only ever a published text.

The notice holds no one's personal data (it describes the register), so reading it writes no
person.read event; saving the facts and publishing are audited in core.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core import audit, notice_settings, records_of_processing
from core.privacy_notice import build_content
from core.privacy_notice_labels import LANGUAGES
from core.privacy_notice_render import to_html
from core.privacy_notice_versions import compare, get_version, list_versions, meta_of, publish
from core.validation import ValidationFailed
from web.auth import ADMIN_ONLY
from web.content_access import actor_of
from web.forms import ordered_errors, render, tenant_context
from web.i18n import _, current_locale

ADMIN_TEMPLATE = "admin/privacy_notice.html"
SETTINGS_TEMPLATE = "admin/privacy_notice_settings.html"
PUBLIC_TEMPLATE = "privacy/notice_public.html"
FIELDS = tuple(notice_settings.FIELDS)


def _lang(raw: str | None) -> str:
    return raw if raw in LANGUAGES else current_locale()


def _setting_errors(exc: ValidationFailed) -> dict[str, str]:
    texts = {
        ("controller_name", "required"): _("Kirjoita rekisterinpitäjän nimi."),
        ("business_id", "invalid"): _(
            "Y-tunnus ei ole oikein. Kirjoita se muodossa 1234567-8 (tarkistusnumero mukaan)."
        ),
        ("dpo_name", "required"): _("Kirjoita tietosuojavastaavan nimi, kun annat osoitteen."),
    }
    email = _("Kirjoita sähköpostiosoite muodossa nimi@esimerkki.fi.")
    too_long = _("Teksti on liian pitkä.")
    return {
        field: texts.get((field, code))
        or (email if code == "invalid" else too_long if code == "too_long" else "")
        or _("Tarkista tämä kenttä.")
        for field, (code, _english) in exc.errors.items()
    }


class AdminPrivacyNoticeController(Controller):
    path = "/t/{tenant:str}/admin/privacy-notice"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    @get("/")
    async def overview(
        self, request: Request, tenant: FromPath[str], done: FromQuery[str] = ""
    ) -> Response:
        lang = _lang(request.query_params.get("lang"))
        draft = await build_content()
        latest = await get_version()
        changes = compare(latest["content"] if latest else None, draft, lang)
        context = {
            **tenant_context(),
            "lang": lang,
            "languages": LANGUAGES,
            "draft_html": to_html(draft, lang),
            "changes": changes,
            "changed": any(c["status"] != "same" for c in changes),
            "latest": latest,
            "versions": await list_versions(),
            "notice": {
                "published": _("Uusi versio julkaistiin."),
                "saved": _("Rekisterinpitäjän tiedot tallennettiin."),
            }.get(done, ""),
        }
        return render(request, ADMIN_TEMPLATE, context)

    @post("/publish")
    async def publish_now(self, request: Request, tenant: FromPath[str]) -> Response:
        form = await request.form()
        if form.get("confirm") != "1":
            return Redirect(f"/t/{tenant}/admin/privacy-notice/?done=", status_code=303)
        await publish(actor=actor_of(request))
        return Redirect(f"/t/{tenant}/admin/privacy-notice/?done=published", status_code=303)

    def _form(self, request: Request, values: dict, errors: dict | None = None) -> Response:
        error_list = ordered_errors(errors or {}, FIELDS)
        context = {
            **tenant_context(),
            "values": values,
            "errors": errors or {},
            "error_list": error_list,
            "first_error": error_list[0][0] if error_list else None,
        }
        return render(request, SETTINGS_TEMPLATE, context, status_code=422 if errors else 200)

    @get("/settings")
    async def settings_form(self, request: Request, tenant: FromPath[str]) -> Response:
        return self._form(request, await notice_settings.load())

    @post("/settings")
    async def save_settings(self, request: Request, tenant: FromPath[str]) -> Response:
        form = await request.form()
        values = {name: str(form.get(name) or "") for name in FIELDS}
        try:
            await notice_settings.save(values, actor=actor_of(request))
        except ValidationFailed as exc:
            return self._form(request, values, _setting_errors(exc))
        return Redirect(f"/t/{tenant}/admin/privacy-notice/?done=saved", status_code=303)

    @get("/records/{record_kind:str}")
    async def records(
        self, request: Request, tenant: FromPath[str], record_kind: FromPath[str]
    ) -> Response:
        """Art. 30 records: controller | processor; ?format=csv (default) | html."""
        kind = record_kind
        if kind not in records_of_processing.KINDS:
            raise NotFoundException()
        lang = _lang(request.query_params.get("lang"))
        titles, rows = await records_of_processing.records(kind, lang)
        await audit.record(
            "privacy_notice.records_export",
            actor=actor_of(request),
            object_kind="records_of_processing",
            object_id=kind,
        )
        if request.query_params.get("format") == "html":
            context = {
                **tenant_context(),
                "kind": kind,
                "table": records_of_processing.to_html_table(titles, rows),
            }
            return render(request, "admin/records_of_processing.html", context)
        filename = f"art30-{kind}-{tenant}.csv"
        return Response(
            records_of_processing.to_csv(titles, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


class PublicPrivacyNoticeController(Controller):
    path = "/t/{tenant:str}/privacy-notice"
    opt = {"public": True}
    include_in_schema = False

    @get("/")
    async def notice(self, request: Request, tenant: FromPath[str]) -> Response:
        lang = _lang(request.query_params.get("lang"))
        version = await _published(request)
        context = {
            **tenant_context(),
            "lang": lang,
            "languages": LANGUAGES,
            "version": version,
            "html": version["rendered"][lang] if version else "",
            "versions": await list_versions() if version else [],
        }
        return render(request, PUBLIC_TEMPLATE, context)

    @get("/pdf")
    async def notice_pdf(self, request: Request, tenant: FromPath[str]) -> Response:
        """The same published version as a PDF (?lang, ?version as on the page)."""
        # fpdf2 (and fontTools under it) load only when a PDF is asked for: ~17 MB a process.
        from core.privacy_notice_pdf import to_pdf

        lang = _lang(request.query_params.get("lang"))
        version = await _published(request)
        if version is None:  # nothing published yet: the page says so in words
            return Redirect(f"/t/{tenant}/privacy-notice/?lang={lang}", status_code=303)
        filename = f"tietosuojaseloste-{tenant}-v{version['version']}-{lang}.pdf"
        return Response(
            to_pdf(version["content"], lang, meta_of(version)),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )


async def _published(request: Request) -> dict | None:
    """The published version asked for (?version=N) or the latest; 404 for a bad number."""
    raw_version = request.query_params.get("version")
    number = None
    if raw_version:
        if not raw_version.isdigit():
            raise NotFoundException()
        number = int(raw_version)
    version = await get_version(number)
    if number is not None and version is None:
        raise NotFoundException()
    return version
