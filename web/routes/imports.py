"""CSV import pages: upload → preview (nothing written) → confirm (all or nothing) or cancel.

The uploaded file waits in the tenant's bucket as `imports/<uuid>.csv`, named in the URLs and
the confirm form; another tenant's id finds nothing in this tenant's bucket (404). The preview
is recomputed from the file on every view and again at confirm, whose form carries the
preview's fingerprint: if the register changed in between, nothing is written and the new
preview is shown. Rows with errors are imported only if the user ticks "import the valid rows
only"; duplicate rows are skipped unless the user chooses "import anyway" (per row or for all).
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Annotated, Any
from uuid import UUID, uuid4

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from core import csv_io, imports, restriction
from core.context import current_tenant
from core.settings import get_settings
from core.storage import ObjectStore, StorageUnavailableError
from core.validation import ValidationFailed
from web import read_audit, register_audit
from web.forms import error_messages
from web.i18n import _, format_number

log = logging.getLogger("kortisto.web.imports")

# Multipart framing around the file is small; a body above this is refused before it is read.
MAX_BODY = csv_io.MAX_IMPORT_BYTES + 64 * 1024


@cache
def _store() -> ObjectStore:
    return ObjectStore.from_settings(get_settings())


def _key(import_id: UUID) -> str:
    return f"imports/{import_id}.csv"


async def _stored(import_id: UUID) -> bytes:
    if await _store().stat(_key(import_id)) is None:
        raise NotFoundException()
    return await _store().get(_key(import_id))


async def _audit(
    request: Request, kind: str, import_id: UUID, result: imports.ImportResult
) -> None:
    """One event per record written (as if made on its page, `via` import), then the import's
    summary; the user who confirmed is the actor."""
    for record_kind, record_id, line in result.created:
        await register_audit.record(
            request,
            f"{record_kind}.create",
            record_id,
            via="import",
            import_id=str(import_id),
            line=line,
        )
    await register_audit.record(
        request,
        "import.commit",
        import_id,
        via="import",
        kind=kind,
        persons_created=result.persons_created,
        organizations_created=result.organizations_created,
        skipped_duplicates=result.skipped_duplicates,
        skipped_errors=result.skipped_errors,
    )


async def _forget(import_id: UUID) -> None:
    try:
        await _store().delete(_key(import_id))
    except StorageUnavailableError:
        log.warning("could not delete the import file %s", import_id, exc_info=True)


def _kind(kind: str) -> str:
    if kind not in csv_io.KINDS:
        raise NotFoundException()
    return kind


# --- texts in the user's language ----------------------------------------------------------


def file_error_text(exc: csv_io.CsvFormatError) -> str:
    texts = {
        "too_large": _("Tiedosto on liian suuri. Suurin sallittu koko on %(mb)s Mt.")
        % {"mb": csv_io.MAX_IMPORT_BYTES // (1024 * 1024)},
        "encoding": _(
            "Tiedosto ei ole UTF-8-muodossa. Tallenna se Excelissä muodossa "
            "”CSV UTF-8 (pilkuin eroteltu)” ja yritä uudelleen."
        ),
        "not_csv": _("Tiedosto ei ole CSV-tiedosto."),
        "empty": _("Tiedosto on tyhjä."),
        "no_rows": _("Tiedostossa on otsikkorivi mutta ei yhtään tietoriviä."),
        "missing_columns": _(
            "Tiedostosta puuttuu pakollinen sarake: %(columns)s. Ensimmäisen rivin pitää "
            "nimetä sarakkeet."
        )
        % {"columns": exc.detail},
        "too_many_rows": _("Tiedostossa on liikaa rivejä: enintään %(max)s riviä kerralla.")
        % {"max": format_number(csv_io.MAX_IMPORT_ROWS)},
        "malformed": _("Tiedostoa ei voi lukea (%(detail)s). Tarkista lainausmerkit.")
        % {"detail": exc.detail},
    }
    return texts.get(exc.code, _("Tiedostoa ei voi lukea."))


def field_labels() -> dict[str, str]:
    return {
        "first_name": _("Etunimi"),
        "last_name": _("Sukunimi"),
        "emails": _("Sähköposti"),
        "phones": _("Puhelin"),
        "title": _("Titteli"),
        "organization": _("Organisaatio"),
        "business_id": _("Y-tunnus"),
        "keywords": _("Avainsanat"),
        "description": _("Kuvaus"),
        "name": _("Nimi"),
        "street_address": _("Katuosoite"),
        "postal_code": _("Postinumero"),
        "city": _("Postitoimipaikka"),
        "country": _("Maa"),
        "einvoice_address": _("Verkkolaskuosoite"),
        "einvoice_operator": _("Verkkolaskuoperaattori"),
        "status": _("Tila"),
    }


def issue_texts(issues: list[imports.Issue], values: dict[str, str]) -> list[tuple[str, str]]:
    """[(field label, sentence in the user's language)] for a row's problems."""
    labels = field_labels()
    own = {
        ("business_id", "not_found"): _(
            "Tällä Y-tunnuksella ei ole organisaatiota. Lisää organisaation nimi, niin se luodaan."
        ),
        ("organization", "ambiguous"): _(
            "Usealla organisaatiolla on tämä nimi. Lisää riville Y-tunnus."
        ),
        ("organization", "too_long"): _("Organisaation nimi on liian pitkä."),
        ("", "database"): _("Tietokanta hylkäsi rivin: %(detail)s"),
    }
    general = [i for i in issues if (i.field, i.code) not in own]
    sentences = error_messages(
        ValidationFailed({i.field: (i.code, i.message) for i in general}), values
    )
    out = []
    for issue in issues:
        label = labels.get(issue.field, "")
        if (issue.field, issue.code) in own:
            out.append((label, own[(issue.field, issue.code)] % {"detail": issue.message}))
        else:
            out.append((label, sentences.get(issue.field, issue.message)))
    return out


# --- pages ---------------------------------------------------------------------------------


def _upload_page(
    message: str = "", status: int = 200, notice: str = "", restricted: int = 0
) -> Template:
    tenant = current_tenant()
    return Template(
        "imports/upload.html",
        context={
            "tenant": tenant,
            "base": f"/t/{tenant.slug}",
            "message": message,
            "notice": notice,
            "max_mb": csv_io.MAX_IMPORT_BYTES // (1024 * 1024),
            "max_rows": csv_io.MAX_IMPORT_ROWS,
            "person_columns": csv_io.header_example("persons"),
            "organization_columns": csv_io.header_example("organizations"),
            # Cards under restriction of processing, which the person export leaves out.
            "restricted_count": restricted,
        },
        status_code=status,
    )


def _too_large(request: Request, exc: Exception) -> Template:
    return _upload_page(file_error_text(csv_io.CsvFormatError("too_large")), status=413)


def _choices(form: Any, preview: imports.Preview) -> tuple[str, set[int]]:
    policy = str(form.get("duplicate_policy") or "per_row")
    duplicate_lines = {r.line for r in preview.rows if r.status == "duplicate" and r.importable}
    if policy == "import":
        return policy, duplicate_lines
    if policy == "skip":
        return policy, set()
    return "per_row", {n for n in duplicate_lines if form.get(f"row-{n}") == "import"}


async def _preview_page(
    request: Request,
    kind: str,
    import_id: UUID,
    preview: imports.Preview,
    *,
    show: str = "all",
    message: str = "",
    failure: tuple[int, list[tuple[str, str]]] | None = None,
    policy: str = "per_row",
    chosen: set[int] | None = None,
    valid_only: bool = False,
    status: int = 200,
) -> Template:
    tenant = current_tenant()
    rows = preview.rows if show != "problems" else [r for r in preview.rows if r.status != "ok"]
    if kind == "persons":  # the register's cards the rows matched are shown (and linked)
        matched = [m.id for r in rows for m in r.duplicates if m.id is not None]
        await read_audit.cards_read(request, matched, via="import_preview", import_id=import_id)
    return Template(
        "imports/preview.html",
        context={
            "tenant": tenant,
            "base": f"/t/{tenant.slug}",
            "kind": kind,
            "import_id": import_id,
            "preview": preview,
            "counts": preview.counts,
            "rows": rows,
            "issues": {r.line: issue_texts(r.errors, r.values) for r in rows if r.errors},
            "labels": field_labels(),
            "show": show,
            "message": message,
            "failure": failure,
            "policy": policy,
            "chosen": chosen or set(),
            "valid_only": valid_only,
        },
        status_code=status,
    )


Show = Annotated[str, QueryParameter(description="all | problems")]


class ImportController(Controller):
    path = "/t/{tenant:str}/import"
    include_in_schema = False

    @get("/")
    async def upload_form(
        self, tenant: FromPath[str], cancelled: FromQuery[bool] = False
    ) -> Template:
        return _upload_page(
            notice=_("Tuonti peruttiin; mitään ei tallennettu.") if cancelled else "",
            restricted=await restriction.count_restricted(),
        )

    @post(
        "/",
        request_max_body_size=MAX_BODY,
        exception_handlers={RequestEntityTooLarge: _too_large},
    )
    async def upload(self, request: Request, tenant: FromPath[str]) -> Template | Redirect:
        form = await request.form()
        kind = str(form.get("kind") or "")
        upload = form.get("file")
        if kind not in csv_io.KINDS:
            return _upload_page(_("Valitse, tuodaanko henkilöitä vai organisaatioita."), 422)
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _upload_page(_("Valitse tuotava CSV-tiedosto."), 422)
        data = await upload.read(csv_io.MAX_IMPORT_BYTES + 1)
        try:
            csv_io.parse(data, kind)
        except csv_io.CsvFormatError as exc:
            return _upload_page(file_error_text(exc), 413 if exc.code == "too_large" else 422)
        import_id = uuid4()
        await _store().put(_key(import_id), data, "text/csv")
        return Redirect(f"/t/{tenant}/import/{kind}/{import_id}", status_code=303)

    @get("/{kind:str}/{import_id:uuid}")
    async def preview(
        self,
        request: Request,
        tenant: FromPath[str],
        kind: FromPath[str],
        import_id: FromPath[UUID],
        show: Show = "all",
    ) -> Template:
        parsed = csv_io.parse(await _stored(import_id), _kind(kind))
        preview = await imports.build_preview(parsed)
        return await _preview_page(request, kind, import_id, preview, show=show)

    @post("/{kind:str}/{import_id:uuid}/confirm")
    async def confirm(
        self,
        request: Request,
        tenant: FromPath[str],
        kind: FromPath[str],
        import_id: FromPath[UUID],
    ) -> Template:
        _kind(kind)
        form = await request.form()
        await imports.lock(import_id)  # a second click waits, then finds the file gone (404)
        preview = await imports.build_preview(csv_io.parse(await _stored(import_id), kind))
        policy, chosen = _choices(form, preview)
        valid_only = form.get("valid_only") == "yes"
        decision = imports.Decision(import_duplicates=chosen, valid_only=valid_only)
        again = {"policy": policy, "chosen": chosen, "valid_only": valid_only}
        try:
            result = await imports.commit(
                preview,
                decision,
                confirmed_fingerprint=str(form.get("fingerprint") or ""),
                actor=f"import:{import_id}",
            )
        except imports.ImportRefused as exc:
            message = {
                "changed": _(
                    "Rekisteri on muuttunut esikatselun jälkeen. Mitään ei tallennettu; "
                    "tarkista alla oleva uusi esikatselu ja vahvista uudelleen."
                ),
                "errors_present": _(
                    "Tiedostossa on virheellisiä rivejä. Korjaa ne ja lataa tiedosto uudelleen, "
                    "tai valitse ”Tuo vain virheettömät rivit”. Mitään ei tallennettu."
                ),
                "nothing_to_import": _("Tuotavia rivejä ei ole. Mitään ei tallennettu."),
            }[exc.code]
            status = 409 if exc.code == "changed" else 422
            return await _preview_page(
                request, kind, import_id, preview, message=message, status=status, **again
            )
        except imports.ImportFailed as exc:
            row = next(r for r in preview.rows if r.line == exc.line)
            failure = (exc.line, issue_texts(exc.issues, row.values))
            message = _("Tuonti keskeytyi riville %(line)s. Mitään ei tallennettu.") % {
                "line": exc.line
            }
            return await _preview_page(
                request,
                kind,
                import_id,
                preview,
                message=message,
                failure=failure,
                status=422,
                **again,
            )
        await _audit(request, kind, import_id, result)
        await _forget(import_id)
        return Template(
            "imports/done.html",
            context={
                "tenant": current_tenant(),
                "base": f"/t/{tenant}",
                "kind": kind,
                "result": result,
            },
        )

    @post("/{kind:str}/{import_id:uuid}/cancel")
    async def cancel(
        self, tenant: FromPath[str], kind: FromPath[str], import_id: FromPath[UUID]
    ) -> Redirect:
        _kind(kind)
        if await _store().stat(_key(import_id)) is None:
            raise NotFoundException()  # cancelled already, or not this tenant's upload
        await _forget(import_id)
        return Redirect(f"/t/{tenant}/import/?cancelled=true", status_code=303)
