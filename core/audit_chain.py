"""The audit trail's hash chain: sealing (after the fact) and verification.

Each event's link is `sha256(previous link + canonical(event))` in hex, in `seq` order, the
first event chained to `GENESIS`. `canonical` is a JSON of every content column (sorted keys,
no spaces, UTF-8), so any change of a sealed row, a removed row or a row slipped in between
breaks the chain at that point; `audit_seal` holds the head (last sealed seq and its link).

Writers never wait for each other: `core.audit.record` only takes a *shared* advisory lock
(the chain gate) with its INSERT. The sealer (the scheduler runs it every minute per tenant;
`kortisto audit verify` and the admin audit page on demand) works like this, in one tenant
transaction:

1. takes the per-tenant sealer lock (transaction advisory lock): concurrent sealers queue and
   the second one finds the work done — sealing is idempotent;
2. reads the sequence's last value B: every event with seq <= B has had its number drawn;
3. passes the chain gate exclusively once (waits at most `GATE_WAIT` for writers already
   in flight, then lets go at once): every transaction that drew a number <= B has now
   committed or rolled back, so the committed events up to B are final (a gap is a rollback);
4. chains the unsealed events with seq <= B in seq order, writes their links (the tenant role
   may UPDATE only `chain_hash`; verification recomputes links from the content, so writing
   a wrong link is detected, not trusted) and moves the head.

Retention (core.audit_retention) removes the oldest sealed events as the owner role and
records where it cut (`audit_prune`); verification starts from that link.

Limits: a role that can rewrite the rows *and* recompute every later link and the head (the
database owner) can forge a consistent chain; heads anchored outside the database
(core.audit_anchor) catch that when verification is given them. Events after the head are
not covered until sealed.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC

import asyncpg

from core.db import DB

GENESIS = "0" * 64
BATCH = 2000
GATE_WAIT = "2s"

_GATE = "hashtextextended('kortisto.audit:' || current_schema(), 0)"
_SEALER = "hashtextextended('kortisto.audit-seal:' || current_schema(), 0)"

_COLUMNS = (
    "seq, id, at, actor_kind, actor_id, actor_label, action, object_kind, object_id, "
    "detail::text AS detail, person_id, purpose, request_id, chain_hash"
)


def canonical(row) -> str:
    """The event's content as one stable string (everything except its own link)."""
    at = row["at"].astimezone(UTC)
    detail = row["detail"]
    if isinstance(detail, str):
        detail = json.loads(detail)
    content = {
        "seq": row["seq"],
        "id": str(row["id"]),
        "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_kind": row["actor_kind"],
        "actor_id": row["actor_id"],
        "actor_label": row["actor_label"],
        "action": row["action"],
        "object_kind": row["object_kind"],
        "object_id": row["object_id"],
        "detail": detail,
        "person_id": str(row["person_id"]) if row["person_id"] else None,
        "purpose": row["purpose"],
        "request_id": row["request_id"],
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link(previous: str, row) -> str:
    return hashlib.sha256((previous + canonical(row)).encode()).hexdigest()


@dataclass(frozen=True)
class Seal:
    last_seq: int
    last_hash: str


@dataclass(frozen=True)
class SealResult:
    sealed: int  # events chained by this run
    head: Seal
    busy: bool = False  # writers held the gate longer than GATE_WAIT: try again later


async def _head(conn) -> tuple[uuid.UUID | None, Seal]:
    row = await conn.fetchrow(
        "SELECT id, last_seq, last_hash FROM audit_seal ORDER BY last_seq DESC LIMIT 1"
    )
    if row is None:
        return None, Seal(0, GENESIS)
    return row["id"], Seal(row["last_seq"], row["last_hash"] or GENESIS)


async def current_seal() -> Seal:
    return (await _head(DB.current_connection()))[1]


async def seal() -> SealResult:
    """Chain every event that is final; in the current (writable) tenant transaction."""
    conn = DB.current_connection()
    await conn.execute(f"SELECT pg_advisory_xact_lock({_SEALER})")
    seal_id, head = await _head(conn)
    bound = await conn.fetchval(
        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM audit_event_seq_seq"
    )
    if bound <= head.last_seq:
        return SealResult(0, head)
    try:
        async with conn.transaction():  # a savepoint: a lock timeout must not end the scope
            await conn.execute(f"SET LOCAL lock_timeout = '{GATE_WAIT}'")
            await conn.execute(f"SELECT pg_advisory_lock({_GATE})")
            await conn.execute(f"SELECT pg_advisory_unlock({_GATE})")
            await conn.execute("SET LOCAL lock_timeout = 0")
    except asyncpg.LockNotAvailableError:
        return SealResult(0, head, busy=True)
    previous, last_seq, sealed = head.last_hash, head.last_seq, 0
    while True:
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM audit_event WHERE seq > $1 AND seq <= $2 "
            "ORDER BY seq LIMIT $3",
            last_seq,
            bound,
            BATCH,
        )
        if not rows:
            break
        ids, links = [], []
        for row in rows:
            previous = link(previous, row)
            ids.append(row["id"])
            links.append(previous)
        await conn.execute(
            "UPDATE audit_event e SET chain_hash = l.h "
            "FROM unnest($1::uuid[], $2::text[]) AS l(id, h) WHERE e.id = l.id",
            ids,
            links,
        )
        last_seq, sealed = rows[-1]["seq"], sealed + len(rows)
    if sealed:
        if seal_id is None:
            await conn.execute(
                "INSERT INTO audit_seal (id, last_seq, last_hash, sealed_at) "
                "VALUES ($1, $2, $3, clock_timestamp())",
                uuid.uuid4(),
                last_seq,
                previous,
            )
        else:
            await conn.execute(
                "UPDATE audit_seal SET last_seq = $2, last_hash = $3, "
                "sealed_at = clock_timestamp() WHERE id = $1",
                seal_id,
                last_seq,
                previous,
            )
    return SealResult(sealed, Seal(last_seq, previous))


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int  # sealed events whose links were recomputed
    unsealed: int  # events after the head (not covered yet)
    bad_seq: int | None = None
    bad_id: str = ""
    reason: str = ""
    anchors: int = 0  # anchors outside the database the chain was checked against

    def line(self, slug: str) -> str:
        if self.ok:
            return (
                f"{slug}: ok, chain intact over {self.checked} events"
                f" ({self.unsealed} not sealed yet, {self.anchors} anchored heads match)"
            )
        where = f"event seq {self.bad_seq} (id {self.bad_id})" if self.bad_seq else "the head"
        return f"{slug}: BROKEN at {where}: {self.reason}"


async def verify(anchors: Mapping[int, str] | None = None) -> VerifyResult:
    """Recompute the chain up to the head from the rows' content; report the first bad link.

    `anchors`: seq -> link of heads kept outside the database (core.audit_anchor). The chain
    must pass through each one after the retention cut, and none may lie beyond the head."""
    anchors = anchors or {}
    conn = DB.current_connection()
    _seal_id, head = await _head(conn)
    previous, last_seq, checked = GENESIS, 0, 0
    # Audit retention removed the chain's oldest part: resume from the last link it removed
    # (core.audit_retention; only the owner role can write prune rows).
    pruned = await conn.fetchrow(
        "SELECT last_seq, last_hash FROM audit_prune ORDER BY last_seq DESC LIMIT 1"
    )
    if pruned is not None:
        previous, last_seq = pruned["last_hash"], pruned["last_seq"]
    cut, passed = last_seq, 0
    while last_seq < head.last_seq:
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM audit_event WHERE seq > $1 AND seq <= $2 "
            "ORDER BY seq LIMIT $3",
            last_seq,
            head.last_seq,
            BATCH,
        )
        if not rows:
            break
        for row in rows:
            expected = link(previous, row)
            if row["chain_hash"] != expected:
                reason = _why(row, last_seq)
                return VerifyResult(False, checked, 0, row["seq"], str(row["id"]), reason)
            anchored = anchors.get(row["seq"])
            if anchored is not None:
                if anchored != expected:
                    reason = "its link differs from the anchor kept outside the database: rewritten"
                    return VerifyResult(False, checked, 0, row["seq"], str(row["id"]), reason)
                passed += 1
            previous, last_seq, checked = expected, row["seq"], checked + 1
    unsealed = await conn.fetchval("SELECT count(*) FROM audit_event WHERE seq > $1", head.last_seq)
    after_cut = sorted(seq for seq in anchors if seq > cut)
    if passed != len(after_cut):
        beyond = [seq for seq in after_cut if seq > head.last_seq]
        where = (
            f"seq {beyond[0]}, beyond the head (seq {head.last_seq}): sealed events at the end "
            "were removed and the head moved back"
            if beyond
            else "an event the chain no longer has: it was removed and the links recomputed"
        )
        return VerifyResult(
            False, checked, unsealed, reason=f"an anchor outside the database records {where}"
        )
    if previous != head.last_hash or last_seq != head.last_seq:
        return VerifyResult(
            False,
            checked,
            unsealed,
            reason=f"the head says seq {head.last_seq}, the chain ends at seq {last_seq} "
            "(sealed events at the end were removed, or the head was changed)",
        )
    return VerifyResult(True, checked, unsealed, anchors=passed)


def _why(row, last_seq: int) -> str:
    if row["chain_hash"] is None:
        return "an event inside the sealed range has no link (inserted after sealing)"
    gap = ""
    if row["seq"] > last_seq + 1:
        gap = f" (seq {last_seq + 1}..{row['seq'] - 1} absent before it)"
    return "its link does not match: this event was changed, or one before it removed" + gap
