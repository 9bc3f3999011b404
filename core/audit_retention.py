"""Audit retention: sealed events older than the tenant's retention are removed, nightly.

The tenant role may not delete audit events (core.tables.audit.APPEND_ONLY_TABLES), so `prune`
runs in a transaction of the OWNER role with the tenant's schema as search_path (see
tenants.audit.prune_tenant). It removes a *prefix* of the hash chain: every event up to the
last sealed one that is older than the cut-off and has no younger event before it, and writes
one `audit_prune` row (last seq removed, its chain link, how many, the cut-off). Verification
(core.audit_chain.verify) resumes from the latest prune row's link, so the remaining chain is
still checked link by link; the tenant role cannot write prune rows (READ_ONLY_TABLES), so it
cannot fake a prune to hide removed events.

Unsealed events are never removed (seal first): their links are not known yet.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from core import audit
from core.db import DB

DEFAULT_MONTHS = 24
MIN_MONTHS = 1
MAX_MONTHS = 240

_SEALER = "hashtextextended('kortisto.audit-seal:' || current_schema(), 0)"


@dataclass(frozen=True)
class PruneResult:
    removed: int
    last_seq: int = 0
    older_than: datetime | None = None


def parse_months(raw: str) -> int:
    """The setting's value as months; ValueError when it is not a whole number in range."""
    months = int(str(raw).strip())
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise ValueError(f"audit retention must be {MIN_MONTHS}-{MAX_MONTHS} months")
    return months


async def retention_months() -> int:
    """The tenant's setting (read straight from its table: works for the owner role too)."""
    raw = await DB.current_connection().fetchval(
        "SELECT value FROM tenant_setting WHERE name = 'audit_retention_months'"
    )
    try:
        return parse_months(raw) if raw is not None else DEFAULT_MONTHS
    except ValueError:
        return DEFAULT_MONTHS


async def prune(*, now: datetime | None = None, months: int | None = None) -> PruneResult:
    """Remove the sealed events older than the retention; in the owner's tenant transaction."""
    conn = DB.current_connection()
    # One at a time with the sealer: the head must not move while the prefix is cut.
    await conn.execute(f"SELECT pg_advisory_xact_lock({_SEALER})")
    months = months if months is not None else await retention_months()
    cutoff = await conn.fetchval(
        "SELECT coalesce($1::timestamptz, now()) - make_interval(months => $2)", now, months
    )
    head = await conn.fetchval("SELECT coalesce(max(last_seq), 0) FROM audit_seal")
    # The prefix ends before the first event at or after the cut-off (or at the head).
    first_young = await conn.fetchval(
        "SELECT min(seq) FROM audit_event WHERE at >= $1 OR chain_hash IS NULL", cutoff
    )
    bound = head if first_young is None else min(head, first_young - 1)
    last = await conn.fetchrow(
        "SELECT seq, chain_hash FROM audit_event WHERE seq <= $1 ORDER BY seq DESC LIMIT 1",
        bound,
    )
    if last is None:
        return PruneResult(0, older_than=cutoff)
    removed = await conn.fetchval(
        "WITH gone AS (DELETE FROM audit_event WHERE seq <= $1 RETURNING 1) "
        "SELECT count(*) FROM gone",
        last["seq"],
    )
    await conn.execute(
        "INSERT INTO audit_prune (id, last_seq, last_hash, removed, older_than, pruned_at) "
        "VALUES ($1, $2, $3, $4, $5, clock_timestamp())",
        uuid.uuid4(),
        last["seq"],
        last["chain_hash"],
        removed,
        cutoff,
    )
    # The prune itself is on the record (ids and counts only).
    await audit.record(
        "audit.prune",
        actor=audit.SYSTEM,
        object_kind="audit",
        detail={"removed": removed, "last_seq": last["seq"], "months": months},
        request_id="",
    )
    return PruneResult(removed, last["seq"], cutoff)


async def latest_prune() -> tuple[int, str] | None:
    """(last_seq, last_hash) of the latest prune, where the chain's verification resumes."""
    row = await DB.current_connection().fetchrow(
        "SELECT last_seq, last_hash FROM audit_prune ORDER BY last_seq DESC LIMIT 1"
    )
    return (row["last_seq"], row["last_hash"]) if row else None
