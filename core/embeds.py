"""Social media embeds pasted into content items (DESIGN §6, issue 7 item 6).

A content author pastes URLs (kept in the item's `details["embed_urls"]`,
core.content_kinds.clean_embed_urls). For each, the embed
plugin (hook `kortisto_embed`) says which service it is, where the privacy-friendly player is
and where its oEmbed data is. The server fetches the oEmbed title, author and thumbnail with a
short timeout, caches them in `embed_preview` and keeps the thumbnail in the tenant's own
bucket, served by our own route: the visitor's browser contacts no third party until the
visitor clicks the placeholder. A URL no plugin knows, or whose plugin the tenant has not
enabled, is shown as a plain link. A failed fetch leaves a placeholder with the link text
(tried again after RETRY_FAILED_AFTER). Every fetch goes through core.public_fetch: an address
outside the public internet (ours, a metadata service) is refused, and the placeholder says so.
Previews no item uses any more, and thumbnails no preview names, go in the hourly sweep.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import filetype
import httpx

from core.attachments import object_store
from core.content_kinds import EMBED_URLS
from core.db import DB
from core.plugin_host import plugin_host
from core.processors import Processor, tenant_processors
from core.public_fetch import (
    PrivateAddressRefusedError,
    ResponseTooLargeError,
    get_capped,
    public_client,
)
from core.storage import StorageUnavailableError

FETCH_TIMEOUT = 3.0
OEMBED_MAX_BYTES = 200_000
THUMBNAIL_MAX_BYTES = 2_000_000
THUMBNAIL_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
RETRY_FAILED_AFTER = timedelta(hours=1)
THUMBNAIL_PREFIX = "embeds/"
REFUSED_PRIVATE = "private_address"
log = logging.getLogger("kortisto.embeds")


@dataclass(frozen=True)
class Embed:
    """What the page shows for one pasted URL."""

    url: str
    provider: str = ""  # "" = not embeddable here: a plain link
    title: str = ""
    author: str = ""
    thumbnail_key: str = ""
    processor: Processor | None = None
    refused: bool = False  # the service's address was not on the public internet

    @property
    def click_to_load(self) -> bool:
        return bool(self.provider)


def urls_of(item: dict) -> list[str]:
    return list((item.get("details") or {}).get(EMBED_URLS) or [])


def thumbnail_key(url: str) -> str:
    return THUMBNAIL_PREFIX + hashlib.sha256(url.encode()).hexdigest()


async def embeds_for(urls: list[str], *, fetch: bool = True) -> list[Embed]:
    """One Embed per URL, in order. Previews not cached yet are fetched now (`fetch`)."""
    if not urls:
        return []
    processors = {p.key: p for p in await tenant_processors()}
    found = []
    for url in urls:
        info = await plugin_host().embed(url)
        processor = processors.get(str((info or {}).get("processor_key") or ""))
        if not info or processor is None:  # unknown service, or its recipient undeclared
            found.append(Embed(url))
            continue
        row = await _cached(url)
        if fetch and _stale(row):
            row = await _fetch_and_cache(url, info)
        row = row or {}
        found.append(
            Embed(
                url,
                provider=str(info["provider"]),
                title=row.get("title") or "",
                author=row.get("author") or "",
                thumbnail_key=row.get("thumbnail_key") or "",
                processor=processor,
                refused=bool(row.get("refusal")),
            )
        )
    return found


async def prefetch(item_id: uuid.UUID) -> None:
    """Fetch the previews of an item's pasted URLs right after it was saved, so the page
    that follows draws from the cache."""
    raw = await DB.current_connection().fetchval(
        "SELECT details -> $2 FROM content_item WHERE id = $1", item_id, EMBED_URLS
    )
    urls = json.loads(raw) if isinstance(raw, str) else raw
    if urls:
        await embeds_for([str(u) for u in urls])


async def player_url(url: str) -> str | None:
    """What the iframe loads after the visitor's click (asked again now: a plugin disabled
    since the page was drawn loads nothing)."""
    info = await plugin_host().embed(url)
    embed_url = str((info or {}).get("embed_url") or "")
    return embed_url if embed_url.startswith(("https://", "http://")) else None


async def thumbnail(url: str) -> tuple[bytes, str] | None:
    """The cached thumbnail of `url` from our bucket: (bytes, content type), or None."""
    row = await _cached(url)
    if not row or not row["thumbnail_key"]:
        return None
    store = object_store()
    stored = await store.stat(row["thumbnail_key"])
    if stored is None:
        return None
    return await store.get(row["thumbnail_key"]), stored.content_type


# -- cache ------------------------------------------------------------------------------------


async def _cached(url: str) -> dict | None:
    row = await DB.current_connection().fetchrow(
        "SELECT url, provider, title, author, thumbnail_key, embed_url, fetched_at, failed, "
        "refusal "
        "FROM embed_preview WHERE url = $1",
        url,
    )
    return dict(row) if row else None


def _stale(row: dict | None) -> bool:
    if row is None:
        return True
    return bool(row["failed"]) and datetime.now(UTC) - row["fetched_at"] > RETRY_FAILED_AFTER


async def _fetch_and_cache(url: str, info: dict) -> dict:
    endpoint = str(info.get("oembed_endpoint") or "")
    preview = {"title": "", "author": "", "thumbnail_key": "", "failed": False, "refusal": ""}
    if endpoint:
        try:
            preview.update(await _fetch(url, endpoint))
        except PrivateAddressRefusedError as exc:
            log.warning("oEmbed preview of %s refused: %s", urlsplit(url).hostname, exc)
            preview.update(failed=True, refusal=REFUSED_PRIVATE)
        except (httpx.HTTPError, ValueError, OSError, StorageUnavailableError) as exc:
            log.info("oEmbed preview of %s failed: %s", urlsplit(url).hostname, exc)
            preview["failed"] = True
    await DB.current_connection().execute(
        "INSERT INTO embed_preview (url, provider, title, author, thumbnail_key, embed_url, "
        "fetched_at, failed, refusal) VALUES ($1, $2, $3, $4, $5, $6, now(), $7, $8) "
        "ON CONFLICT (url) DO UPDATE SET provider = EXCLUDED.provider, title = EXCLUDED.title, "
        "author = EXCLUDED.author, thumbnail_key = EXCLUDED.thumbnail_key, "
        "embed_url = EXCLUDED.embed_url, fetched_at = now(), failed = EXCLUDED.failed, "
        "refusal = EXCLUDED.refusal",
        url,
        str(info.get("provider") or "")[:30],
        preview["title"],
        preview["author"],
        preview["thumbnail_key"],
        str(info.get("embed_url") or "")[:1000],
        preview["failed"],
        preview["refusal"],
    )
    return {**preview, "url": url}


async def _fetch(url: str, endpoint: str) -> dict:
    async with public_client(FETCH_TIMEOUT) as client:
        body = await get_capped(
            client, endpoint, OEMBED_MAX_BYTES, headers={"Accept": "application/json"}
        )
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("oEmbed answer is not an object")
        found = {
            "title": str(data.get("title") or "")[:500],
            "author": str(data.get("author_name") or "")[:300],
        }
        picture = str(data.get("thumbnail_url") or "")
        if picture and _may_fetch(picture, endpoint):
            try:
                found["thumbnail_key"] = await _store_thumbnail(client, url, picture)
            except PrivateAddressRefusedError as exc:  # keep the title, tell the author
                log.warning("thumbnail of %s refused: %s", urlsplit(url).hostname, exc)
                found["refusal"] = REFUSED_PRIVATE
        return found


def _may_fetch(picture: str, endpoint: str) -> bool:
    """Thumbnails only over https, or from the oEmbed server itself: the address comes from a
    third party's answer and must not make our server fetch from anywhere it likes."""
    parts, origin = urlsplit(picture), urlsplit(endpoint)
    if parts.scheme == "https":
        return True
    return (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc)


async def _store_thumbnail(client: httpx.AsyncClient, url: str, picture: str) -> str:
    try:
        data = await get_capped(client, picture, THUMBNAIL_MAX_BYTES)
    except ResponseTooLargeError:
        return ""
    kind = filetype.guess(data[:262])
    if kind is None or kind.mime not in THUMBNAIL_TYPES:  # trust the bytes, not the header
        return ""
    key = thumbnail_key(url)
    await object_store().put(key, data, kind.mime)
    return key


# -- sweep ------------------------------------------------------------------------------------


async def sweep_unused(grace: timedelta, *, now: datetime | None = None) -> int:
    """Forget previews no content item pastes any more (removed from an item, or the item
    deleted), then delete thumbnails no preview names (those, and pictures a re-fetch left
    behind) once older than `grace`: a preview being saved now puts its picture before its row
    commits. Returns how many objects went."""
    conn = DB.current_connection()
    await conn.execute(
        "DELETE FROM embed_preview p WHERE NOT EXISTS "
        "(SELECT 1 FROM content_item c WHERE c.details -> $1 ? p.url)",
        EMBED_URLS,
    )
    store = object_store()
    objects = await store.listing(THUMBNAIL_PREFIX)
    if not objects:
        return 0
    rows = await conn.fetch("SELECT thumbnail_key FROM embed_preview WHERE thumbnail_key <> ''")
    referenced = {r["thumbnail_key"] for r in rows}
    now = now or datetime.now(UTC)
    removed = 0
    for obj in objects:
        modified = obj["modified"]
        if obj["key"] in referenced or modified is None or now - modified < grace:
            continue
        await store.delete(obj["key"])
        removed += 1
    if removed:
        log.info("removed %d unused embed thumbnails", removed)
    return removed
