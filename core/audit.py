"""The tenant's audit trail: `record()` appends one event in the current tenant transaction.

The event commits or rolls back with the change it describes. The tenant role cannot change or
delete events (grants), so the trail is append-only even for a buggy or hostile handler.

Every event says whose data it concerns (`person_id`, an id only), why (`purpose`, a code of
`PURPOSES`) and in which request (`request_id`, bound per web request by `bind_request_id`).

Reads (`record_read`): ONE event per read path, i.e. per request that shows personal data,
whatever the number of cards it shows. Action "person.read"; `detail.persons` lists the ids
of every card shown (a list page of 20 cards: one event with 20 ids), `detail.via` names the
path ("page", "list", "export", "api", …); `person_id` is set when exactly one card was read.
A request that shows no card records nothing. In a READ ONLY scope (an operator under a
break-glass grant) the event is written on a separate short write transaction of the same
tenant *before* the data is returned; a failure to write it fails the read.

Hash chain: see `core.audit_chain` (events are chained after the fact by a sealer, so writers
never queue on one lock).
"""

from __future__ import annotations

import contextvars
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from core.context import NoTenantError, scope_state
from core.db import DB

ACTOR_KINDS = ("user", "operator", "system", "anonymous")


# The label of an end customer's own actions (pages translate it; see Actor.user).
SELF_SERVICE_LABEL = "self-service"


@dataclass(frozen=True)
class Actor:
    """Who did it: kind, a stable id and a label readable after the account is gone."""

    kind: str
    id: str = ""
    label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ACTOR_KINDS:
            raise ValueError(f"actor kind must be one of {', '.join(ACTOR_KINDS)}")

    @classmethod
    def user(cls, user: dict) -> Actor:
        """A signed-in tenant user (a row of app_user as a dict). An end customer acting on
        their own data is labelled SELF_SERVICE_LABEL, not by address: the append-only audit
        would keep their address after an erasure; the account id says who it was."""
        if user.get("role") == "self":
            return cls("user", str(user["id"]), SELF_SERVICE_LABEL)
        return cls("user", str(user["id"]), user.get("email") or "")

    @classmethod
    def operator(cls, operator_id: Any, email: str) -> Actor:
        """A platform operator acting under a break-glass grant."""
        return cls("operator", str(operator_id), email)


SYSTEM = Actor("system", "", "Kortisto")

# Why personal data was read or changed. Codes, translated where shown.
PURPOSES = (
    "customer_service",  # staff working with the register's pages
    "export",  # a CSV export of the register
    "api",  # the JSON API
    "self_service",  # the person reading their own data at /me/
    "break_glass",  # an operator of the agency under a break-glass grant
    "audit",  # an admin reviewing the audit trail
    "access_request",  # a copy of the person's data for their access/portability request
    "",  # not stated (writes recorded before purposes existed, system jobs)
)
READ_ACTION = "person.read"

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("kortisto_request_id", default="")


def bind_request_id(request_id: str) -> contextvars.Token:
    """For the web layer (and jobs): the id every event of this request/job carries."""
    return _request_id.set(request_id[:64])


def current_request_id() -> str:
    return _request_id.get()


# The INSERT takes the chain gate's shared lock first (never contended among writers: all
# share it); the sealer briefly takes it exclusively to know every event up to a sequence
# number has committed or rolled back (core.audit_chain).
_INSERT = """
INSERT INTO audit_event (id, at, actor_kind, actor_id, actor_label, action, object_kind,
                         object_id, detail, person_id, purpose, request_id)
SELECT $1, clock_timestamp(), $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11
FROM (SELECT pg_advisory_xact_lock_shared(
          hashtextextended('kortisto.audit:' || current_schema(), 0))) AS chain_gate
"""


async def record(
    action: str,
    *,
    actor: Actor,
    object_kind: str = "",
    object_id: Any = "",
    detail: dict | None = None,
    person_id: uuid.UUID | None = None,
    purpose: str = "",
    request_id: str | None = None,
) -> uuid.UUID:
    """Append one event to the current tenant's audit trail; returns its id.

    `request_id` defaults to the one bound for this request. In a READ ONLY scope the event
    goes through the scope's separate write transaction (see the module docstring)."""
    if not action:
        raise ValueError("an audit event needs an action")
    if purpose not in PURPOSES:
        raise ValueError(f"unknown audit purpose {purpose!r}")
    event_id = uuid.uuid4()
    args = (
        event_id,
        actor.kind,
        actor.id,
        actor.label[:320],
        action,
        object_kind,
        str(object_id) if object_id is not None else "",
        json.dumps(detail or {}, default=str, ensure_ascii=False),
        person_id,
        purpose,
        (current_request_id() if request_id is None else request_id)[:64],
    )
    try:
        state = scope_state()
    except NoTenantError:  # a transaction of its own (e.g. the owner's): write right here
        state = None
    if state is not None and state.write_elsewhere is not None:

        async def insert() -> None:
            await DB.current_connection().execute(_INSERT, *args)

        await state.write_elsewhere(insert)
    else:
        await DB.current_connection().execute(_INSERT, *args)
    return event_id


async def record_read(
    person_ids: Iterable[uuid.UUID | str],
    *,
    actor: Actor,
    purpose: str,
    via: str,
    **detail: Any,
) -> uuid.UUID | None:
    """ONE "person.read" event for a read path that showed these cards (None if it showed
    none). Duplicates are listed once, in the order first shown."""
    ids = list(dict.fromkeys(str(p) for p in person_ids))
    if not ids:
        return None
    single = uuid.UUID(ids[0]) if len(ids) == 1 else None
    return await record(
        READ_ACTION,
        actor=actor,
        object_kind="person",
        object_id=single or "",
        person_id=single,
        purpose=purpose,
        detail={"via": via, "persons": ids, "count": len(ids), **detail},
    )


async def events(*, action_prefix: str = "", object_id: Any = None, limit: int = 100) -> list[dict]:
    """The newest events first, optionally only actions starting with `action_prefix`."""
    rows = await DB.current_connection().fetch(
        "SELECT id, at, actor_kind, actor_id, actor_label, action, object_kind, object_id, "
        "detail, person_id, purpose, request_id, seq FROM audit_event "
        "WHERE action LIKE $1 || '%' "
        "AND ($2::text IS NULL OR object_id = $2) ORDER BY at DESC, id LIMIT $3",
        action_prefix,
        None if object_id is None else str(object_id),
        limit,
    )
    return [_event(r) for r in rows]


def _event(row) -> dict:
    event = dict(row)
    if isinstance(event["detail"], str):
        event["detail"] = json.loads(event["detail"])
    return event
