"""Anchors of the audit chain's head outside the database, in the tenant's object store bucket.

The chain (core.audit_chain) finds a changed, removed or slipped-in event, but a role that can
rewrite rows *and* recompute every later link and the head (the database owner) could forge a
consistent chain, or cut off the latest events and move the head back. So after a seal that
moved the head, its (seq, link) is written to the tenant's bucket, one object per hour
(`audit-anchors/YYYY/MM/DD/HH.json`, the hour's last seal wins). A link covers every event
before it, so verification checks that the recomputed chain passes through each anchor and
that no anchor lies beyond the head. Forging then needs write access to the object store as
well; in production, turn on versioning or object lock on tenant buckets to make anchors
write-once.

Not covered: events sealed after the newest anchor that could be written; an anchor at or
below an audit-retention cut (core.audit_retention) is not checked, as those events are gone.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from core.attachments import object_store
from core.audit_chain import Seal
from core.context import current_tenant, scope_state

PREFIX = "audit-anchors/"
_LINK = re.compile(r"[0-9a-f]{64}")
_PARALLEL_READS = 16


@dataclass(frozen=True)
class Anchor:
    key: str
    seq: int
    link: str


class AnchorUnreadableError(ValueError):
    """An anchor object that is not what Kortisto writes: treat the trail as tampered with."""


def anchor_key(at: datetime) -> str:
    return f"{PREFIX}{at.astimezone(UTC):%Y/%m/%d/%H}.json"


def anchor_after_commit(head: Seal) -> None:
    """Write the head's anchor once the current tenant transaction has committed (the seal
    is then final). A failed write is logged by the scope; the next seal writes a later one."""
    bucket = current_tenant().bucket
    at = datetime.now(UTC)
    body = json.dumps(
        {"seq": head.last_seq, "link": head.last_hash, "sealed_at": at.isoformat()},
        separators=(",", ":"),
    ).encode()

    async def write() -> None:
        await object_store().put(anchor_key(at), body, "application/json", bucket=bucket)

    scope_state().after_commit.append(write)


async def read_anchors(bucket: str) -> list[Anchor]:
    """Every anchor in the bucket (no transaction needs to be open), in seq order."""
    store = object_store()
    keys = await store.keys(PREFIX, bucket=bucket)
    gate = asyncio.Semaphore(_PARALLEL_READS)

    async def read(key: str) -> Anchor:
        async with gate:
            raw = await store.get(key, bucket=bucket)
        try:
            data = json.loads(raw)
            seq, link = int(data["seq"]), str(data["link"])
        except (ValueError, KeyError, TypeError) as exc:
            raise AnchorUnreadableError(f"anchor {key} is unreadable") from exc
        if seq < 1 or not _LINK.fullmatch(link):
            raise AnchorUnreadableError(f"anchor {key} holds no valid seq and link")
        return Anchor(key, seq, link)

    return sorted(await asyncio.gather(*(read(k) for k in keys)), key=lambda a: a.seq)


def by_seq(anchors: Iterable[Anchor]) -> dict[int, str]:
    return {a.seq: a.link for a in anchors}
