"""Suppression of erased persons' e-mail addresses and phone numbers (DESIGN §5).

At erasure the normalised e-mail (core.validation: the case-folded form) and the E.164 phone
go into `suppression_entry` as keyed hashes only: the address itself is gone, yet a card
created later with the same address is caught (`find_suppressed`). The key is the tenant's
secret plus the tenant slug, so the same address hashes differently in every tenant.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from core.context import current_tenant
from core.db import DB
from core.secret_box import keyed_hash
from core.settings import get_settings

KINDS = ("email", "phone")
# Without KORTISTO_SECRET_KEY (development only: production refuses to start without it).
DEVELOPMENT_KEY = "kortisto-development-suppression"


class SuppressedContactError(Exception):
    """A card would be created with an e-mail or phone of an erased person."""

    def __init__(self, matches: list[dict]) -> None:
        super().__init__("suppressed: " + ", ".join(m["value"] for m in matches))
        self.matches = matches


def suppression_hash(kind: str, value: str) -> str:
    """The keyed hash of a normalised e-mail (case-folded) or an E.164 phone."""
    if kind not in KINDS:
        raise ValueError(f"suppression kind must be one of {KINDS}")
    purpose = f"suppression:{current_tenant().slug}:{kind}"
    key = get_settings().web.secret_key.reveal() or DEVELOPMENT_KEY
    return keyed_hash(key, purpose, value.strip())


async def suppress(
    emails: Iterable[str], phones: Iterable[str], *, request_id: uuid.UUID | None = None
) -> int:
    """Add entries for these normalised values (set-based); returns how many were new."""
    kinds, hashes = [], []
    for kind, values in (("email", emails), ("phone", phones)):
        for value in dict.fromkeys(v for v in values if v):
            kinds.append(kind)
            hashes.append(suppression_hash(kind, value))
    if not hashes:
        return 0
    result = await DB.current_connection().execute(
        "INSERT INTO suppression_entry (id, kind, keyed_hash, created_at, request_id) "
        "SELECT gen_random_uuid(), k, h, now(), $3 FROM unnest($1::text[], $2::text[]) AS x(k, h) "
        "ON CONFLICT (keyed_hash) DO NOTHING",
        kinds,
        hashes,
        request_id,
    )
    return int(result.split()[-1])


async def find_suppressed(emails: Iterable[str], phones: Iterable[str]) -> list[dict]:
    """The given normalised values that belong to an erased person: [{kind, value}]."""
    wanted: dict[str, tuple[str, str]] = {}
    for kind, values in (("email", emails), ("phone", phones)):
        for value in values:
            if value:
                wanted[suppression_hash(kind, value)] = (kind, value)
    if not wanted:
        return []
    found = await DB.current_connection().fetch(
        "SELECT keyed_hash FROM suppression_entry WHERE keyed_hash = ANY($1::text[])",
        list(wanted),
    )
    hits = {r["keyed_hash"] for r in found}
    return [{"kind": wanted[h][0], "value": wanted[h][1]} for h in wanted if h in hits]
