"""Attachments: files on a content item, a business card (person) or an organization, kept in
the tenant's own bucket under `attachments/<uuid>` (never the user's file name).

- `upload` checks the size (KORTISTO_ATTACHMENT_MAX_MB), reads the type from the content
  (`core.attachment_types`: programs and names that contradict the content are refused),
  stores the bytes with their SHA-256, inserts the row, audits, and enqueues the verification
  job (`core.attachment_jobs.verify`) through the outbox, so it runs only after commit.
- `download_link` checks who asks and answers a presigned link valid for `LINK_SECONDS`.
- `delete` removes the row and, once the transaction has committed, the object and its
  thumbnail. Rows deleted with their owner (cascade) leave orphans that the periodic sweep
  (`core.attachment_jobs.sweep_orphans`) removes.

Who may use an owner's attachments: an item's follow `core.visibility.can_see_item`; a person's
and an organization's are open to the tenant's staff and admins (as the cards are). End
customers (role `self`) get none, not even on their own card: files there are the staff's
working papers, and a person's right of access is served by the access request, which lists
them. Anything a viewer may not use is reported as not found, so ids leak nothing.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
import uuid
from dataclasses import dataclass, field
from functools import lru_cache

from core import audit, outbox
from core.attachment_types import SNIFF_BYTES, sniff
from core.context import current_tenant, scope_state
from core.db import DB
from core.settings import get_settings
from core.storage import ObjectStore
from core.visibility import Viewer, can_see_item

log = logging.getLogger("kortisto.attachments")

OWNER_KINDS = ("item", "person", "organization")
KEY_PREFIX = "attachments/"
THUMBNAIL_SUFFIX = ".thumb.jpg"
LINK_SECONDS = 60
FILENAME_MAX = 255
VERIFY_JOB = "attachment.verify"
# Roles that see every card and organization of the tenant (`system`: jobs).
CARD_ROLES = frozenset({"admin", "staff", "operator", "system"})

_COLUMNS = (
    "id, item, person, organization, object_key, filename, content_type, size_bytes, sha256, "
    "status, status_reason, thumbnail_key, uploaded_at, uploaded_by"
)


class AttachmentNotFoundError(LookupError):
    """No such attachment or owner in this tenant, or not one this viewer may use."""


class AttachmentRefusedError(ValueError):
    """The file is not accepted. `code` says why, `facts` what the message needs:

    no_file, empty, too_large {limit_bytes, size_bytes}, executable_name {extension},
    executable_content {kind}, name_mismatch {extension, found}, unknown_binary {extension},
    rejected {reason} (verification found the stored file wrong: no download).
    """

    def __init__(self, code: str, facts: dict | None = None) -> None:
        self.code = code
        self.facts = facts or {}
        super().__init__(f"{code}: {self.facts}")


@dataclass(frozen=True)
class Owner:
    kind: str  # one of OWNER_KINDS; also the attachment table's column
    id: uuid.UUID

    def __post_init__(self) -> None:
        if self.kind not in OWNER_KINDS:
            raise ValueError(f"an attachment owner is one of {OWNER_KINDS}, not {self.kind!r}")


@dataclass(frozen=True)
class Upload:
    """A file as received: its name as the user gave it, the bytes and their SHA-256."""

    filename: str
    data: bytes
    sha256: str = field(default="")

    @property
    def digest(self) -> str:
        return self.sha256 or hashlib.sha256(self.data).hexdigest()


def max_bytes() -> int:
    return get_settings().attachment_max_bytes


@lru_cache(maxsize=4)
def _store_for(settings) -> ObjectStore:
    return ObjectStore.from_settings(settings)


def object_store() -> ObjectStore:
    """One client (and its connection pool) per process and settings."""
    return _store_for(get_settings())


def clean_filename(raw: str) -> str:
    """The last path part, without control characters, NFC, at most FILENAME_MAX characters
    (the extension kept). Only shown and offered as the download name, never used as a key."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    if len(name) > FILENAME_MAX:
        stem, dot, ext = name.rpartition(".")
        keep = ext[:20] if dot else ""
        name = (stem if dot else name)[: FILENAME_MAX - len(keep) - 1] + (
            f".{keep}" if keep else ""
        )
    return name


async def may_use(owner: Owner, viewer: Viewer) -> bool:
    """Whether `viewer` may list, add, fetch and delete `owner`'s attachments."""
    conn = DB.current_connection()
    if owner.kind == "item":
        return await can_see_item(viewer, owner.id)
    if viewer.role not in CARD_ROLES:
        return False
    table = "person" if owner.kind == "person" else "organization"
    return bool(
        await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE id = $1)", owner.id)
    )


async def _check_owner(owner: Owner, viewer: Viewer) -> None:
    if not await may_use(owner, viewer):
        raise AttachmentNotFoundError(f"{owner.kind} {owner.id}")


def check_file(upload: Upload, limit: int | None = None) -> str:
    """The content type to store for `upload`, or AttachmentRefusedError."""
    limit = max_bytes() if limit is None else limit
    if not upload.filename and not upload.data:
        raise AttachmentRefusedError("no_file")
    if not upload.data:
        raise AttachmentRefusedError("empty")
    if len(upload.data) > limit:
        raise AttachmentRefusedError(
            "too_large", {"limit_bytes": limit, "size_bytes": len(upload.data)}
        )
    verdict = sniff(upload.data[:SNIFF_BYTES], upload.filename)
    if verdict.refused:
        raise AttachmentRefusedError(verdict.problem, dict(verdict.facts))
    return verdict.content_type


async def upload(owner: Owner, file: Upload, *, viewer: Viewer, actor: audit.Actor) -> dict:
    """Store a new attachment of `owner` (see the module docstring); returns its row."""
    await _check_owner(owner, viewer)
    filename = clean_filename(file.filename) or "liite"
    content_type = check_file(Upload(filename, file.data, file.sha256))
    attachment_id = uuid.uuid4()
    key = f"{KEY_PREFIX}{attachment_id}"
    digest = file.digest
    # The object goes first: if the row's transaction then fails, an unreferenced object is
    # left for the sweep (which spares young objects, so uploads in flight are safe).
    await object_store().put(key, file.data, content_type, sha256=digest)
    row = await DB.current_connection().fetchrow(
        f"INSERT INTO attachment (id, {owner.kind}, object_key, filename, content_type, "
        "size_bytes, sha256, status, status_reason, uploaded_at, uploaded_by) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, 'uploaded', '', now(), $8) "
        f"RETURNING {_COLUMNS}",
        attachment_id,
        owner.id,
        key,
        filename,
        content_type,
        len(file.data),
        digest,
        actor.label or actor.id,
    )
    await audit.record(
        "attachment.uploaded",
        actor=actor,
        object_kind=owner.kind,
        object_id=owner.id,
        # The id only: a file name can itself be personal data, the checksum identifies the
        # file's content, and the audit is kept longer than the attachment.
        detail={"attachment": attachment_id},
    )
    await outbox.enqueue(VERIFY_JOB, attachment_id=str(attachment_id))
    return dict(row)


async def list_for(owner: Owner, viewer: Viewer) -> list[dict]:
    """The owner's attachments, newest first (AttachmentNotFoundError if not the viewer's)."""
    await _check_owner(owner, viewer)
    rows = await DB.current_connection().fetch(
        f"SELECT {_COLUMNS} FROM attachment WHERE {owner.kind} = $1 "
        "ORDER BY uploaded_at DESC, filename",
        owner.id,
    )
    return [dict(r) for r in rows]


def owner_of(row: dict) -> Owner:
    for kind in OWNER_KINDS:
        if row.get(kind) is not None:
            return Owner(kind, row[kind])
    raise ValueError("an attachment row without an owner")


async def get(attachment_id: uuid.UUID, viewer: Viewer) -> dict:
    """The attachment, if the viewer may use its owner's attachments."""
    row = await DB.current_connection().fetchrow(
        f"SELECT {_COLUMNS} FROM attachment WHERE id = $1", attachment_id
    )
    if row is None:
        raise AttachmentNotFoundError(str(attachment_id))
    found = dict(row)
    await _check_owner(owner_of(found), viewer)
    return found


async def download_link(attachment_id: uuid.UUID, *, viewer: Viewer, actor: audit.Actor) -> str:
    """A presigned link (LINK_SECONDS) to the file, audited; refused for a rejected file."""
    row = await get(attachment_id, viewer)
    if row["status"] == "rejected":
        raise AttachmentRefusedError("rejected", {"reason": row["status_reason"]})
    owner = owner_of(row)
    await audit.record(
        "attachment.downloaded",
        actor=actor,
        object_kind=owner.kind,
        object_id=owner.id,
        # The id, not the file name: a name can itself be personal data, and the audit is
        # kept longer than the attachment.
        detail={"attachment": attachment_id},
    )
    return await object_store().presigned_get(
        row["object_key"], seconds=LINK_SECONDS, filename=row["filename"]
    )


async def thumbnail_link(attachment_id: uuid.UUID, *, viewer: Viewer) -> str | None:
    """A presigned link to the image's thumbnail, or None when it has none."""
    row = await get(attachment_id, viewer)
    if not row["thumbnail_key"] or row["status"] != "ready":
        return None
    return await object_store().presigned_get(row["thumbnail_key"], seconds=LINK_SECONDS)


async def delete(attachment_id: uuid.UUID, *, viewer: Viewer, actor: audit.Actor) -> dict:
    """Delete the row (audited); its object and thumbnail go once the transaction commits."""
    row = await get(attachment_id, viewer)
    await DB.current_connection().execute("DELETE FROM attachment WHERE id = $1", attachment_id)
    owner = owner_of(row)
    await audit.record(
        "attachment.deleted",
        actor=actor,
        object_kind=owner.kind,
        object_id=owner.id,
        detail={"attachment": attachment_id},  # the id only, as for uploads
    )
    keys = [k for k in (row["object_key"], row["thumbnail_key"]) if k]
    bucket = current_tenant().bucket
    store = object_store()

    async def remove_objects() -> None:
        # After commit only: a rolled-back delete keeps its file. If this fails (store down,
        # process killed), the objects are orphans and the sweep removes them.
        for key in keys:
            await store.delete(key, bucket=bucket)

    scope_state().after_commit.append(remove_objects)
    return row
