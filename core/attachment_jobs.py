"""Background work on attachments (the bodies; `tenants.attachment_jobs` makes them jobs).

- `verify(attachment_id)`: after an upload commits, re-read the stored object, check its size,
  SHA-256 and type against the row, make a thumbnail for images, and set the status to
  `ready` or `rejected` (with the reason). Idempotent: a row already decided is left alone.
- `sweep_orphans(grace)`: remove objects under `attachments/` that no row references and that
  are older than the grace period (rows deleted with their owner, deletes whose after-commit
  removal failed, uploads whose transaction rolled back).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import uuid
from datetime import UTC, datetime, timedelta

from core.attachment_types import IMAGE_TYPES_WITH_THUMBNAIL, SNIFF_BYTES, sniff
from core.attachments import KEY_PREFIX, THUMBNAIL_SUFFIX, object_store
from core.db import DB

log = logging.getLogger("kortisto.attachments")

THUMBNAIL_BOX = (320, 320)
# Decoding a huge image to thumbnail it would take the worker's memory: skip past this.
THUMBNAIL_MAX_PIXELS = 40_000_000


def make_thumbnail(data: bytes) -> bytes | None:
    """A JPEG at most THUMBNAIL_BOX in size, or None when the image cannot be read."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > THUMBNAIL_MAX_PIXELS:
                return None
            image = ImageOps.exif_transpose(image) or image
            image.thumbnail(THUMBNAIL_BOX)
            if image.mode not in ("RGB", "L"):
                background = Image.new("RGB", image.size, "white")
                rgba = image.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                image = background
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80, optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


async def verify(attachment_id: str) -> str:
    """Check one uploaded attachment and decide its status; returns the status."""
    conn = DB.current_connection()
    row = await conn.fetchrow(
        "SELECT id, object_key, filename, content_type, size_bytes, sha256, status "
        "FROM attachment WHERE id = $1 FOR UPDATE",
        uuid.UUID(attachment_id),
    )
    if row is None:
        return "gone"  # deleted before the job ran
    if row["status"] != "uploaded":
        return row["status"]
    store = object_store()
    reason, thumbnail_key = "", None
    try:
        data = await store.get(row["object_key"])
    except Exception as exc:  # noqa: BLE001 - NoSuchKey and friends: the object is missing
        if "NoSuchKey" not in str(exc) and "Not Found" not in str(exc):
            raise  # the store is down: let the job retry
        data = None
        reason = "missing"
    if data is not None:
        verdict = sniff(data[:SNIFF_BYTES], row["filename"])
        if len(data) != row["size_bytes"]:
            reason = "size"
        elif hashlib.sha256(data).hexdigest() != row["sha256"]:
            reason = "checksum"
        elif verdict.refused or verdict.content_type != row["content_type"]:
            reason = "type"
        elif row["content_type"] in IMAGE_TYPES_WITH_THUMBNAIL:
            thumbnail = await asyncio.to_thread(make_thumbnail, data)
            if thumbnail is not None:
                thumbnail_key = f"{row['object_key']}{THUMBNAIL_SUFFIX}"
                await store.put(thumbnail_key, thumbnail, "image/jpeg")
    status = "rejected" if reason else "ready"
    await conn.execute(
        "UPDATE attachment SET status = $2, status_reason = $3, thumbnail_key = $4 WHERE id = $1",
        row["id"],
        status,
        reason,
        thumbnail_key,
    )
    if reason:
        log.warning("attachment %s rejected: %s", attachment_id, reason)
    return status


async def sweep_orphans(grace: timedelta, *, now: datetime | None = None) -> int:
    """Remove unreferenced objects under attachments/ older than `grace`; returns how many."""
    now = now or datetime.now(UTC)
    store = object_store()
    objects = await store.listing(KEY_PREFIX)
    if not objects:
        return 0
    rows = await DB.current_connection().fetch(
        "SELECT object_key AS key FROM attachment "
        "UNION ALL SELECT thumbnail_key FROM attachment WHERE thumbnail_key IS NOT NULL"
    )
    referenced = {r["key"] for r in rows}
    removed = 0
    for obj in objects:
        modified = obj["modified"]
        if obj["key"] in referenced or modified is None or now - modified < grace:
            continue
        await store.delete(obj["key"])
        removed += 1
    if removed:
        log.info("removed %d unreferenced attachment objects", removed)
    return removed
