"""Attachments on any owner (content item, person, organization): the section, upload with
visible progress, download through a short-lived presigned link, delete with confirmation.

Routes (the owner kind is `item`, `person` or `organization`, as in `core.attachments`):

    GET  /t/<slug>/attachments/<kind>/<owner id>   the section as an HTMX fragment
    POST /t/<slug>/attachments/<kind>/<owner id>   upload (multipart, field `file`)
    GET  /t/<slug>/attachment/<id>                 download: 303 to a presigned link (60 s)
    GET  /t/<slug>/attachment/<id>/thumbnail       an image's thumbnail (presigned link)
    GET  /t/<slug>/attachment/<id>/delete          the confirmation (a table row, or a page)
    POST /t/<slug>/attachment/<id>/delete          delete

Putting the section on a page (the person and organization pages do this; a content item's
detail page does the same with `Owner("item", item_id)`):

    # in the handler (Jinja cannot await):
    from core.attachments import Owner
    from web.routes.attachments import attachment_section
    context["attachment_section"] = await attachment_section(request, Owner("item", item["id"]))

    {# in the template, where the section goes: #}
    {% include "attachments/_section.html" %}

Set `OWNER_PAGES["item"]` to the content pages' path if it is not `content`: without
JavaScript, an upload or a delete returns the browser to the owner's page. Whether the viewer
may use the owner's attachments is decided by `core.attachments.may_use` (items through
`core.visibility`); anything else is 404.
"""

from __future__ import annotations

import hashlib

from litestar import Controller, Request, Response, get, post
from litestar._multipart import parse_content_header
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect
from multipart import MultipartSegment, ParserError, PushMultipartParser

from core import attachments
from core.attachments import (
    AttachmentNotFoundError,
    AttachmentRefusedError,
    Owner,
    Upload,
)
from core.audit import Actor
from core.settings import get_settings
from web import read_audit
from web.auth import current_user
from web.content_access import viewer_of
from web.forms import parse_uuid, render, tenant_context, wants_fragment
from web.i18n import _, format_decimal

SECTION_TEMPLATE = "attachments/_section.html"
PAGE_TEMPLATE = "attachments/page.html"
DELETE_TEMPLATE = "attachments/delete.html"
OWNER_PAGES = {"person": "persons", "organization": "organizations", "item": "content"}
FILE_FIELD = "file"
# Room for the multipart headers and the CSRF field around the file itself.
FORM_SLACK_BYTES = 64 * 1024
CHANGING_ROLES = frozenset({"admin", "staff"})
NO_WRITES = {"break_glass": False}  # an operator's read-only access stops at the files


# --- what the section shows ----------------------------------------------------------------


def size_text(size: int) -> str:
    """A size in the user's language: 512 t, 1,2 Mt / 1,2 MB."""
    if size < 1024:
        return _("%(size)s t") % {"size": format_decimal(size)}
    if size < 1024 * 1024:
        return _("%(size)s kt") % {"size": format_decimal(round(size / 1024, 1))}
    return _("%(size)s Mt") % {"size": format_decimal(round(size / 1024 / 1024, 1))}


def _type_text(content_type: str) -> str:
    short = content_type.split("/", 1)[-1].split("+", 1)[0]
    return {
        "pdf": "PDF",
        "jpeg": "JPEG",
        "png": "PNG",
        "plain": _("teksti"),
        "csv": "CSV",
        "octet-stream": _("tuntematon"),
        "vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
        "vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
        "vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    }.get(short, short.upper() if len(short) <= 5 else short)


def _status_text(row: dict) -> str:
    if row["status"] == "ready":
        return _("Valmis")
    if row["status"] == "rejected":
        return _("Hylätty: %(reason)s") % {"reason": _reason_text(row["status_reason"])}
    return _("Tarkistetaan")


def _reason_text(reason: str) -> str:
    return {
        "missing": _("tiedosto puuttuu tallennuksesta"),
        "size": _("tallennetun tiedoston koko ei täsmää"),
        "checksum": _("tarkistussumma ei täsmää"),
        "type": _("sisältö ei vastaa tiedostotyyppiä"),
    }.get(reason, reason)


def refusal_text(exc: AttachmentRefusedError) -> str:
    """What is wrong with the file and what to do, in the user's language."""
    f = exc.facts
    if exc.code == "no_file":
        return _("Valitse ladattava tiedosto.")
    if exc.code == "empty":
        return _("Tiedosto on tyhjä: valitse tiedosto, jossa on sisältöä.")
    if exc.code == "too_large":
        return _("Tiedosto on liian suuri: enintään %(limit)s. Pienennä tai pakkaa tiedosto.") % {
            "limit": size_text(int(f["limit_bytes"]))
        }
    if exc.code == "executable_name":
        return _(
            "Ohjelmia ja komentosarjoja (.%(extension)s) ei voi liittää turvallisuussyistä. "
            "Liitä asiakirja esimerkiksi PDF-muodossa."
        ) % {"extension": f["extension"]}
    if exc.code == "executable_content":
        return _(
            "Tiedosto on ohjelma (%(kind)s), vaikka nimi ei sitä kerro. Ohjelmia ei voi liittää "
            "turvallisuussyistä."
        ) % {"kind": f["kind"]}
    if exc.code == "name_mismatch":
        return _(
            "Tiedoston nimi päättyy .%(extension)s, mutta sisältö on %(found)s-tiedosto. Korjaa "
            "tiedostopääte tai valitse oikea tiedosto."
        ) % {"extension": f["extension"], "found": str(f["found"]).upper()}
    if exc.code == "unknown_binary":
        return _(
            "Tiedoston nimi päättyy .%(extension)s, mutta sisältö ei ole sen tyyppinen. Tarkista, "
            "että valitsit oikean tiedoston."
        ) % {"extension": f["extension"]}
    if exc.code == "rejected":
        return _(
            "Liitettä ei voi ladata: tarkistus hylkäsi sen (%(reason)s). Poista se ja lataa "
            "tiedosto uudelleen."
        ) % {"reason": _reason_text(str(f.get("reason", "")))}
    return _("Tiedostoa ei hyväksytty.")


def _owner(kind: str, raw_id: str) -> Owner:
    if kind not in OWNER_PAGES:
        raise NotFoundException()
    return Owner(kind, parse_uuid(raw_id))


def _owner_page(owner: Owner) -> str:
    return f"{tenant_context()['base']}/{OWNER_PAGES[owner.kind]}/{owner.id}"


def _row(row: dict, base: str) -> dict:
    url = f"{base}/attachment/{row['id']}"
    return {
        **row,
        "download_url": url,
        "delete_url": f"{url}/delete",
        "thumbnail_url": f"{url}/thumbnail" if row["thumbnail_key"] else None,
        "size_text": size_text(row["size_bytes"]),
        "type_text": _type_text(row["content_type"]),
        "status_text": _status_text(row),
    }


async def attachment_section(
    request: Request, owner: Owner, *, message: str = "", error: str = ""
) -> dict:
    """What `attachments/_section.html` needs (404 if the viewer may not use the owner's)."""
    try:
        rows = await attachments.list_for(owner, await viewer_of(request))
    except AttachmentNotFoundError as exc:
        raise NotFoundException() from exc
    base = tenant_context()["base"]
    limit = get_settings().attachment_max_bytes
    return {
        "owner": owner,
        "url": f"{base}/attachments/{owner.kind}/{owner.id}",
        "owner_page": _owner_page(owner),
        "rows": [_row(r, base) for r in rows],
        "limit_text": size_text(limit),
        "limit_bytes": limit,
        "can_change": current_user(request)["role"] in CHANGING_ROLES,
        "message": message,
        "error": error,
    }


def _answer(request: Request, section: dict, *, status: int = 200) -> Response:
    """The section (HTMX) or, without JavaScript, a page holding it."""
    context = {**tenant_context(), "attachment_section": section}
    if wants_fragment(request):
        return render(request, SECTION_TEMPLATE, context, status_code=status)
    return render(request, PAGE_TEMPLATE, context, status_code=status)


# --- reading the upload --------------------------------------------------------------------


async def read_upload(request: Request, limit: int) -> Upload:
    """The file field of a multipart request, hashed as it streams in, refused as soon as it
    passes `limit` (the Content-Length is checked before anything is read)."""
    too_large = AttachmentRefusedError("too_large", {"limit_bytes": limit, "size_bytes": 0})
    media_type, params = parse_content_header(request.headers.get("content-type", ""))
    if media_type != "multipart/form-data" or not params.get("boundary"):
        raise AttachmentRefusedError("no_file")
    announced = request.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > limit + FORM_SLACK_BYTES:
        raise too_large
    if not request.headers.get("x-csrf-token"):
        # A plain form post: the CSRF check has already parsed the form to find its token.
        field = (await request.form()).get(FILE_FIELD)
        if not hasattr(field, "read"):
            raise AttachmentRefusedError("no_file")
        data = await field.read()
        if len(data) > limit:
            raise too_large
        return Upload(field.filename or "", data)
    digest, chunks, size = hashlib.sha256(), bytearray(), 0
    filename, in_file, found = "", False, False
    try:
        with PushMultipartParser(params["boundary"], max_segment_count=10) as parser:
            async for chunk in request.stream():
                for part in parser.parse(chunk):
                    if isinstance(part, MultipartSegment):
                        in_file = part.name == FILE_FIELD and part.filename is not None
                        if in_file:
                            filename, found = part.filename or "", True
                    elif part and in_file:
                        size += len(part)
                        if size > limit:
                            raise too_large
                        digest.update(part)
                        chunks += part
                    elif part is None:
                        in_file = False
    except (ParserError, ClientException) as exc:
        if getattr(exc, "status_code", 400) == 413:
            raise too_large from exc
        raise AttachmentRefusedError("no_file") from exc
    if not found:
        raise AttachmentRefusedError("no_file")
    return Upload(filename, bytes(chunks), digest.hexdigest())


# --- routes --------------------------------------------------------------------------------


class AttachmentController(Controller):
    path = "/t/{tenant:str}"
    include_in_schema = False

    @get("/attachments/{owner_kind:str}/{owner_id:str}")
    async def section(
        self,
        request: Request,
        tenant: FromPath[str],
        owner_kind: FromPath[str],
        owner_id: FromPath[str],
    ) -> Response:
        owner = _owner(owner_kind, owner_id)
        section = await attachment_section(request, owner)
        if not wants_fragment(request):
            return Redirect(f"{_owner_page(owner)}#attachments", status_code=303)
        return _answer(request, section)

    @post(
        "/attachments/{owner_kind:str}/{owner_id:str}",
        opt=NO_WRITES,
        request_max_body_size=get_settings().attachment_max_bytes + FORM_SLACK_BYTES,
    )
    async def upload(
        self,
        request: Request,
        tenant: FromPath[str],
        owner_kind: FromPath[str],
        owner_id: FromPath[str],
    ) -> Response:
        owner = _owner(owner_kind, owner_id)
        viewer = await viewer_of(request)
        if not await attachments.may_use(owner, viewer):
            raise NotFoundException()
        try:
            file = await read_upload(request, get_settings().attachment_max_bytes)
            row = await attachments.upload(
                owner, file, viewer=viewer, actor=Actor.user(current_user(request))
            )
        except AttachmentRefusedError as exc:
            status = 413 if exc.code == "too_large" else 400 if exc.code == "no_file" else 422
            section = await attachment_section(request, owner, error=refusal_text(exc))
            return _answer(request, section, status=status)
        except AttachmentNotFoundError as exc:
            raise NotFoundException() from exc
        if not wants_fragment(request):
            return Redirect(f"{_owner_page(owner)}#attachments", status_code=303)
        message = _("Liite %(name)s ladattiin. Se tarkistetaan hetken kuluttua.") % {
            "name": row["filename"]
        }
        return _answer(request, await attachment_section(request, owner, message=message))

    @get("/attachment/{attachment_id:str}", opt=NO_WRITES)
    async def download(
        self, request: Request, tenant: FromPath[str], attachment_id: FromPath[str]
    ) -> Response:
        viewer = await viewer_of(request)
        aid = parse_uuid(attachment_id)
        try:
            url = await attachments.download_link(
                aid, viewer=viewer, actor=Actor.user(current_user(request))
            )
            owner = attachments.owner_of(await attachments.get(aid, viewer))
        except AttachmentNotFoundError as exc:
            raise NotFoundException() from exc
        except AttachmentRefusedError as exc:
            row = await attachments.get(parse_uuid(attachment_id), viewer)
            owner = attachments.owner_of(row)
            section = await attachment_section(request, owner, error=refusal_text(exc))
            return _answer(request, section, status=409)
        if owner.kind == "person":  # a file about the person is a read of their data
            await read_audit.cards_read(request, [owner.id], via="attachment", attachment=aid)
        return Redirect(url, status_code=303, headers={"Cache-Control": "no-store"})

    @get("/attachment/{attachment_id:str}/thumbnail")
    async def thumbnail(
        self, request: Request, tenant: FromPath[str], attachment_id: FromPath[str]
    ) -> Response:
        try:
            url = await attachments.thumbnail_link(
                parse_uuid(attachment_id), viewer=await viewer_of(request)
            )
        except AttachmentNotFoundError as exc:
            raise NotFoundException() from exc
        if url is None:
            raise NotFoundException()
        return Redirect(url, status_code=303, headers={"Cache-Control": "no-store"})

    @get("/attachment/{attachment_id:str}/delete", opt=NO_WRITES)
    async def delete_confirm(
        self, request: Request, tenant: FromPath[str], attachment_id: FromPath[str]
    ) -> Response:
        try:
            row = await attachments.get(parse_uuid(attachment_id), await viewer_of(request))
        except AttachmentNotFoundError as exc:
            raise NotFoundException() from exc
        owner = attachments.owner_of(row)
        context = {
            **tenant_context(),
            "row": _row(row, tenant_context()["base"]),
            "section_url": f"{tenant_context()['base']}/attachments/{owner.kind}/{owner.id}",
            "owner_page": _owner_page(owner),
            "fragment": wants_fragment(request),
        }
        block = "confirm_row" if wants_fragment(request) else None
        return render(request, DELETE_TEMPLATE, context, block=block)

    @post("/attachment/{attachment_id:str}/delete", opt=NO_WRITES, status_code=200)
    async def delete(
        self, request: Request, tenant: FromPath[str], attachment_id: FromPath[str]
    ) -> Response:
        try:
            row = await attachments.delete(
                parse_uuid(attachment_id),
                viewer=await viewer_of(request),
                actor=Actor.user(current_user(request)),
            )
        except AttachmentNotFoundError as exc:
            raise NotFoundException() from exc
        owner = attachments.owner_of(row)
        if not wants_fragment(request):
            return Redirect(f"{_owner_page(owner)}#attachments", status_code=303)
        message = _("Liite %(name)s poistettiin.") % {"name": row["filename"]}
        return _answer(request, await attachment_section(request, owner, message=message))
