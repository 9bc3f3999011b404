"""THE one gate every outbound transfer of a person's data goes through (DESIGN §6).

`transfer(person_id, processor=…, purpose=…, categories=…, send=…)`:
1. refuses (TransferRefused, no transfer row) when core.contact_gate.may_contact says no:
   a restricted card (Art. 18) → "restricted"; an objection or a restriction the customer set
   → "objection"; missing or withdrawn consent where the purpose needs it → "no_consent"; an
   unknown or merged-away card → "no_basis". The refusal is audited;
2. records a transfer row (status pending) with processor, recipient, country, outside-EEA
   flag, safeguard, purpose and categories;
3. awaits `send()` (the plugin call; returns the external reference) and marks the row sent
   with the reference, or failed with the error.
A message that concerns no card (an invitation to a staff user, the outcome of an erasure
sent after the card is gone) passes `person_id=None`: nothing to check against, so only
purposes that need no consent and fall under no objection are taken (CARDLESS_PURPOSES), and
the row is recorded with no person.
Exactly one transfer row per call that passes the gate. A failed send does not raise: the row
stays as the record of the attempt and the result says "failed" (the caller may retry, which
is a new attempt and a new row). Runs inside the tenant transaction; inside `deferred_sends()`
step 3 is left to the caller, to run after the commit (see there).
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from core import audit
from core.contact_gate import CARDLESS_PURPOSES, may_contact
from core.db import DB
from core.processors import CATEGORIES, Processor

REFUSALS = {
    "restricted": "restricted",
    "objection": "objection",
    "customer_restriction": "objection",
    "no_consent": "no_consent",
    "consent_withdrawn": "no_consent",
    "unknown_person": "no_basis",
}


@dataclass(frozen=True)
class PendingSend:
    """A transfer recorded as pending whose `send()` the caller runs after its commit."""

    id: uuid.UUID
    send: Callable[[], Awaitable[Any]]
    person_id: uuid.UUID | None
    processor_key: str
    purpose: str
    categories: tuple[str, ...]
    actor: audit.Actor


_DEFERRED: contextvars.ContextVar[list[PendingSend] | None] = contextvars.ContextVar(
    "deferred_transfer_sends", default=None
)


@contextlib.contextmanager
def deferred_sends() -> Iterator[list[PendingSend]]:
    """Inside this block transfer() checks the gate and records the pending row, but does not
    call send(): it returns status "pending" and appends a PendingSend to the yielded list.
    The caller then commits, awaits each `send()` with no transaction open (a provider's HTTP
    call must not hold the tenant's connection and row locks for up to its timeout), and
    records each outcome with record_outcome() in a short second transaction."""
    sends: list[PendingSend] = []
    token = _DEFERRED.set(sends)
    try:
        yield sends
    finally:
        _DEFERRED.reset(token)


class TransferRefused(Exception):  # noqa: N818 - reads as what happened
    """The gate said no; `reason`: restricted | objection | no_consent | no_basis; `detail`
    is core.contact_gate's own reason code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


async def transfer(
    person_id: uuid.UUID | None,
    *,
    processor: Processor,
    purpose: str,
    categories: Iterable[str],
    send: Callable[[], Awaitable[Any]],
    channel: str | None = None,
    recipient: str = "",
    actor: audit.Actor,
) -> dict:
    """Let the person's data go to `processor` for `purpose` if the gate allows; returns
    {"id", "status": "sent"|"failed", "external_ref", "error"}. `purpose` is one of
    core.contact_gate.PURPOSES ("transfer" for plain processing by a processor, "newsletter"
    with channel "email" for marketing…); `send()` returns the external reference."""
    categories = tuple(dict.fromkeys(categories))
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        raise ValueError(f"unknown data categories: {', '.join(unknown)}")
    if person_id is None:
        # No card: consents and objections cannot be checked, so only purposes needing neither.
        if purpose not in CARDLESS_PURPOSES:
            raise ValueError(f"purpose {purpose!r} needs a card to check")
    else:
        await _gate(person_id, processor, purpose, channel, actor)
    conn = DB.current_connection()
    transfer_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO transfer (id, at, person_id, processor, recipient, plugin, country, "
        "outside_eea, safeguard, purpose, categories, external_ref, actor_label, status, error) "
        "VALUES ($1, now(), $2, $3, $4, $5, $6, $7, $8, $9, $10, '', $11, 'pending', '')",
        transfer_id,
        person_id,
        processor.name[:200],
        (recipient or processor.key)[:300],
        processor.plugin[:100],
        processor.country[:2],
        processor.outside_eea,
        processor.safeguard[:100],
        purpose[:50],
        list(categories),
        actor.label[:320],
    )
    pending = PendingSend(transfer_id, send, person_id, processor.key, purpose, categories, actor)
    deferred = _DEFERRED.get()
    if deferred is not None:  # the caller sends after its commit (deferred_sends)
        deferred.append(pending)
        return {"id": transfer_id, "status": "pending", "external_ref": "", "error": ""}
    try:
        reference = await send()
    except Exception as exc:  # the plugin's failure is the transfer's state
        return await record_outcome(pending, error=exc)
    return await record_outcome(pending, reference)


async def record_outcome(
    pending: PendingSend, reference: Any = None, *, error: BaseException | None = None
) -> dict:
    """Mark the pending row sent (with the service's reference) or failed (with `error`),
    audited; in the current tenant transaction. The result is transfer()'s."""
    conn = DB.current_connection()
    if error is not None:
        text = f"{type(error).__name__}: {error}"[:2000]
        await conn.execute(
            "UPDATE transfer SET status = 'failed', error = $2 WHERE id = $1", pending.id, text
        )
        status, external_ref = "failed", ""
    else:
        text, external_ref = "", str(reference or "")[:200]
        await conn.execute(
            "UPDATE transfer SET status = 'sent', external_ref = $2 WHERE id = $1",
            pending.id,
            external_ref,
        )
        status = "sent"
    await audit.record(
        f"transfer.{status}",
        actor=pending.actor,
        object_kind="transfer",
        object_id=pending.id,
        person_id=pending.person_id,
        detail={
            "processor": pending.processor_key,
            "purpose": pending.purpose,
            "categories": list(pending.categories),
        },
    )
    return {"id": pending.id, "status": status, "external_ref": external_ref, "error": text}


async def _gate(
    person_id: uuid.UUID, processor: Processor, purpose: str, channel: str | None, actor
) -> None:
    """Raise TransferRefused (audited) when core.contact_gate says no."""
    decision = await may_contact(person_id, channel or "", purpose)
    if decision.allowed:
        return
    reason = REFUSALS.get(decision.reason, "no_basis")
    await audit.record(
        "transfer.refused",
        actor=actor,
        object_kind="processor",
        object_id=processor.key,
        person_id=person_id,
        detail={"reason": reason, "gate": decision.reason, "purpose": purpose},
    )
    raise TransferRefused(reason, decision.reason)
