"""Social media embeds pasted into content items (DESIGN §6, issue 7 item 6).

A content author pastes URLs (kept in the item's `details["embed_urls"]`,
core.content_kinds.clean_embed_urls). For each, the embed
plugin (hook `kortisto_embed`) says which service it is, where the privacy-friendly player is
and where its oEmbed data is. The server fetches the oEmbed title, author and thumbnail with a
short timeout, caches them in `embed_preview` and keeps the thumbnail in the tenant's own
bucket, served by our own route: the visitor's browser contacts no third party until the
visitor clicks the placeholder. A URL no plugin knows, or whose plugin the tenant has not
enabled, is shown as a plain link. A failed fetch leaves a placeholder with the link text
(tried again after RETRY_FAILED_AFTER).
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
from core.storage import StorageUnavailableError

FETCH_TIMEOUT = 3.0
OEMBED_MAX_BYTES = 200_000
THUMBNAIL_MAX_BYTES = 2_000_000
THUMBNAIL_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
RETRY_FAILED_AFTER = timedelta(hours=1)
THUMBNAIL_PREFIX = "embeds/"
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
        "SELECT url, provider, title, author, thumbnail_key, embed_url, fetched_at, failed "
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
    preview = {"title": "", "author": "", "thumbnail_key": "", "failed": False}
    if endpoint:
        try:
            preview.update(await _fetch(url, endpoint))
        except (httpx.HTTPError, ValueError, OSError, StorageUnavailableError) as exc:
            log.info("oEmbed preview of %s failed: %s", urlsplit(url).hostname, exc)
            preview["failed"] = True
    await DB.current_connection().execute(
        "INSERT INTO embed_preview (url, provider, title, author, thumbnail_key, embed_url, "
        "fetched_at, failed) VALUES ($1, $2, $3, $4, $5, $6, now(), $7) "
        "ON CONFLICT (url) DO UPDATE SET provider = EXCLUDED.provider, title = EXCLUDED.title, "
        "author = EXCLUDED.author, thumbnail_key = EXCLUDED.thumbnail_key, "
        "embed_url = EXCLUDED.embed_url, fetched_at = now(), failed = EXCLUDED.failed",
        url,
        str(info.get("provider") or "")[:30],
        preview["title"],
        preview["author"],
        preview["thumbnail_key"],
        str(info.get("embed_url") or "")[:1000],
        preview["failed"],
    )
    return {**preview, "url": url}


async def _fetch(url: str, endpoint: str) -> dict:
    async with httpx.AsyncClient(
        timeout=FETCH_TIMEOUT, follow_redirects=True, max_redirects=3, trust_env=False
    ) as client:
        response = await client.get(endpoint, headers={"Accept": "application/json"})
        response.raise_for_status()
        if len(response.content) > OEMBED_MAX_BYTES:
            raise ValueError("oEmbed answer too large")
        data = response.json()
        if not isinstance(data, dict):
            raise ValueError("oEmbed answer is not an object")
        found = {
            "title": str(data.get("title") or "")[:500],
            "author": str(data.get("author_name") or "")[:300],
        }
        picture = str(data.get("thumbnail_url") or "")
        if picture and _may_fetch(picture, endpoint):
            found["thumbnail_key"] = await _store_thumbnail(client, url, picture)
        return found


def _may_fetch(picture: str, endpoint: str) -> bool:
    """Thumbnails only over https, or from the oEmbed server itself: the address comes from a
    third party's answer and must not make our server fetch from anywhere it likes."""
    parts, origin = urlsplit(picture), urlsplit(endpoint)
    if parts.scheme == "https":
        return True
    return (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc)


async def _store_thumbnail(client: httpx.AsyncClient, url: str, picture: str) -> str:
    response = await client.get(picture)
    response.raise_for_status()
    data = response.content
    if len(data) > THUMBNAIL_MAX_BYTES:
        return ""
    kind = filetype.guess(data[:262])
    if kind is None or kind.mime not in THUMBNAIL_TYPES:  # trust the bytes, not the header
        return ""
    key = thumbnail_key(url)
    await object_store().put(key, data, kind.mime)
    return key
