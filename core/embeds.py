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

No tenant transaction waits on the service (a slow one must not hold the request's connection
and row locks for up to its timeout): the request claims the preview in its transaction (the
row, marked failed until the fetch stores it, so other requests do not fetch it too); the
fetch runs right after the request's commit (the scope's after-commit work) and its result
is stored in a short transaction of its own (`fetch_in`). A page drawn while the fetch runs
shows the link text, as for a failure.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import filetype
import httpx

from core.attachments import object_store
from core.content_kinds import EMBED_URLS
from core.context import scope_state
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
# Opens the tenant's transaction (web passes tenants.scope.tenant_scope for the request's tenant).
InScope = Callable[[], AbstractAsyncContextManager[object]]


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


async def embeds_for(urls: list[str], *, fetch_in: InScope | None = None) -> list[Embed]:
    """One Embed per URL, in order, as cached now. With `fetch_in`, previews not cached yet
    (or failed long enough ago) are claimed and fetched after this transaction commits,
    stored in the transaction `fetch_in()` opens."""
    return (await _embeds_claiming(urls, fetch_in))[0]


async def _embeds_claiming(urls: list[str], fetch_in: InScope | None) -> tuple[list[Embed], int]:
    """embeds_for, and how many previews it claimed for fetching after the commit."""
    if not urls:
        return [], 0
    processors = {p.key: p for p in await tenant_processors()}
    found, claimed = [], []
    for url in urls:
        info = await plugin_host().embed(url)
        processor = processors.get(str((info or {}).get("processor_key") or ""))
        if not info or processor is None:  # unknown service, or its recipient undeclared
            found.append(Embed(url))
            continue
        row = await _cached(url)
        if fetch_in is not None and _stale(row) and await _claim(url, info, row):
            claimed.append((url, info))
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
    if claimed:
        scope_state().after_commit.append(_fetch_and_store(claimed, fetch_in))
    return found, len(claimed)


async def prefetch(item_id: uuid.UUID, *, fetch_in: InScope | None) -> int:
    """Fetch the previews of an item's pasted URLs right after it was saved (after the
    commit), so the page that follows draws from the cache; returns how many will be fetched
    (the caller holds its answer until then: web.embed_fetch)."""
    raw = await DB.current_connection().fetchval(
        "SELECT details -> $2 FROM content_item WHERE id = $1", item_id, EMBED_URLS
    )
    urls = json.loads(raw) if isinstance(raw, str) else raw
    if not urls:
        return 0
    return (await _embeds_claiming([str(u) for u in urls], fetch_in))[1]


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


async def _claim(url: str, info: dict, row: dict | None) -> bool:
    """Mark the preview as being fetched, in the request's transaction: a new row (failed
    until the fetch stores it: the page shows the link text meanwhile) or a stale failed one
    touched. True when this transaction won it; a concurrent request finds it fresh."""
    conn = DB.current_connection()
    if row is None:
        won = await conn.fetchval(
            "INSERT INTO embed_preview (url, provider, embed_url, fetched_at, failed) "
            "VALUES ($1, $2, $3, now(), true) ON CONFLICT (url) DO NOTHING RETURNING true",
            url,
            str(info.get("provider") or "")[:30],
            str(info.get("embed_url") or "")[:1000],
        )
    else:
        won = await conn.fetchval(
            "UPDATE embed_preview SET fetched_at = now() WHERE url = $1 AND fetched_at = $2 "
            "RETURNING true",
            url,
            row["fetched_at"],
        )
    return bool(won)


def _fetch_and_store(claimed: list[tuple[str, dict]], fetch_in: InScope):
    """The after-commit work: each preview fetched with no transaction open, then stored in
    a short transaction of its own."""

    async def work() -> None:
        for url, info in claimed:
            preview, picture = await _fetch_preview(url, info)
            try:
                async with fetch_in():
                    await _store(url, info, preview, picture)
            except Exception:  # best effort: the claim stays failed and is retried later
                log.warning("storing the preview of %s failed", urlsplit(url).hostname,
                            exc_info=True)  # fmt: skip

    return work


async def _fetch_preview(url: str, info: dict) -> tuple[dict, tuple[bytes, str] | None]:
    """The network part, outside any transaction: (preview fields, thumbnail bytes and type
    or None)."""
    endpoint = str(info.get("oembed_endpoint") or "")
    preview = {"title": "", "author": "", "failed": False, "refusal": ""}
    picture = None
    if endpoint:
        try:
            found, picture = await _fetch(url, endpoint)
            preview.update(found)
        except PrivateAddressRefusedError as exc:
            log.warning("oEmbed preview of %s refused: %s", urlsplit(url).hostname, exc)
            preview.update(failed=True, refusal=REFUSED_PRIVATE)
        except (httpx.HTTPError, ValueError, OSError) as exc:
            log.info("oEmbed preview of %s failed: %s", urlsplit(url).hostname, exc)
            preview["failed"] = True
    return preview, picture


async def _store(url: str, info: dict, preview: dict, picture: tuple[bytes, str] | None) -> None:
    """In the short transaction after the fetch: the thumbnail into our bucket, the row."""
    preview = {**preview, "thumbnail_key": ""}
    if picture is not None:
        key = thumbnail_key(url)
        try:
            await object_store().put(key, picture[0], picture[1])
        except StorageUnavailableError as exc:
            log.info("thumbnail of %s not stored: %s", urlsplit(url).hostname, exc)
            preview.update(title="", author="", failed=True)
        else:
            preview["thumbnail_key"] = key
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


async def _fetch(url: str, endpoint: str) -> tuple[dict, tuple[bytes, str] | None]:
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
        thumbnail_found = None
        if picture and _may_fetch(picture, endpoint):
            try:
                thumbnail_found = await _fetch_thumbnail(client, picture)
            except PrivateAddressRefusedError as exc:  # keep the title, tell the author
                log.warning("thumbnail of %s refused: %s", urlsplit(url).hostname, exc)
                found["refusal"] = REFUSED_PRIVATE
        return found, thumbnail_found


def _may_fetch(picture: str, endpoint: str) -> bool:
    """Thumbnails only over https, or from the oEmbed server itself: the address comes from a
    third party's answer and must not make our server fetch from anywhere it likes."""
    parts, origin = urlsplit(picture), urlsplit(endpoint)
    if parts.scheme == "https":
        return True
    return (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc)


async def _fetch_thumbnail(client: httpx.AsyncClient, picture: str) -> tuple[bytes, str] | None:
    """(bytes, content type) of an image we keep, or None."""
    try:
        data = await get_capped(client, picture, THUMBNAIL_MAX_BYTES)
    except ResponseTooLargeError:
        return None
    kind = filetype.guess(data[:262])
    if kind is None or kind.mime not in THUMBNAIL_TYPES:  # trust the bytes, not the header
        return None
    return data, kind.mime


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
