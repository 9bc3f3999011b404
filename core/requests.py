"""Data-subject requests (GDPR Art. 15-22): intake, identity verification and the state machine.

    received ──send_code──▶ awaiting_code ──verify (code)──▶ verified ──start──▶ in_progress
        └────────────verify (manual, how)──────────────────────▲                    │
    any open state ──refuse (written reason, mailed)──▶ refused           complete ◀┘
    any open state ──extend (reason mailed, ≤ 2 months, before the original due date)

Nothing is released or acted on before verification: starting needs `verified`, completing
needs `in_progress`. Fulfilment (the access bundle, erasure) plugs in between start and
complete. The verification code is stored only as a keyed hash; wrong codes are counted and
five void the code (a new one must be sent). A second access request of the same person within
12 months of an earlier verified one is flagged `repeated` (the admin may charge or refuse).
Every transition appends a request_event and an audit event in the caller's transaction.
Deadlines: core.request_deadlines.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

from core import audit, change_history, recipient_notifications, request_notices
from core.db import DB
from core.request_deadlines import (
    HELSINKI,
    OPEN_STATUSES,
    due_date,
    effective_due,
    extended_due_date,
    local_date,
    today,
)
from core.secret_box import keyed_hash
from core.validation import normalise_email

KINDS = (
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "withdrawal",
)
STATUSES = ("received", "awaiting_code", "verified", "in_progress", "completed", "refused")
CHANNELS = ("staff", "self_service")
MAX_CODE_ATTEMPTS = 5
REPEAT_WINDOW = "12 months"
CODE_PURPOSE = "request-code"

COLUMNS = (
    "id, person_id, kind, status, channel, requester_email, received_at, due_on, "
    "extended_until, extension_reason, refusal_reason, verification_attempts, verified_at, "
    "completed_at, repeated, details, handled_by, verification_code_hash IS NOT NULL AS code_sent"
)


class RequestError(Exception):
    """A step that is not allowed. reason: not_found | not_allowed | reason_required |
    too_late | bad_months | no_address | bad_kind | bad_date"""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    failure: str = ""  # "" | wrong_code | too_many_attempts | no_code


def _row(row) -> dict:
    request = dict(row)
    if isinstance(request.get("details"), str):
        request["details"] = json.loads(request["details"])
    request["effective_due"] = effective_due(request)
    request["open"] = request["status"] in OPEN_STATUSES
    return request


async def get_request(request_id: uuid.UUID | str, *, lock: bool = False) -> dict:
    try:
        request_id = uuid.UUID(str(request_id))
    except ValueError:
        raise RequestError("not_found") from None
    row = await DB.current_connection().fetchrow(
        f"SELECT {COLUMNS} FROM data_subject_request WHERE id = $1"
        + (" FOR UPDATE" if lock else ""),
        request_id,
    )
    if row is None:
        raise RequestError("not_found")
    return _row(row)


async def list_requests(*, open_only: bool = False, limit: int = 500) -> list[dict]:
    """The queue: by effective due date, soonest (or most overdue) first."""
    rows = await DB.current_connection().fetch(
        f"SELECT {COLUMNS} FROM data_subject_request "
        "WHERE NOT $1 OR status = ANY($2::text[]) "
        "ORDER BY coalesce(extended_until, due_on), received_at, id LIMIT $3",
        open_only,
        list(OPEN_STATUSES),
        limit,
    )
    return [_row(r) for r in rows]


async def requests_of_person(person_id: uuid.UUID) -> list[dict]:
    rows = await DB.current_connection().fetch(
        f"SELECT {COLUMNS} FROM data_subject_request WHERE person_id = $1 "
        "ORDER BY received_at DESC, id",
        person_id,
    )
    return [_row(r) for r in rows]


async def request_events(request_id: uuid.UUID) -> list[dict]:
    rows = await DB.current_connection().fetch(
        "SELECT at, action, actor_label, note FROM request_event WHERE request = $1 "
        "ORDER BY at, id",
        request_id,
    )
    return [dict(r) for r in rows]


async def _event(request: dict, action: str, actor: audit.Actor, note: str = "", **detail):
    await DB.current_connection().execute(
        "INSERT INTO request_event (id, request, at, action, actor_label, note) "
        "VALUES ($1, $2, clock_timestamp(), $3, $4, $5)",
        uuid.uuid4(),
        request["id"],
        action,
        actor.label[:320],
        note,
    )
    await audit.record(
        f"request.{action}",
        actor=actor,
        object_kind="data_subject_request",
        object_id=request["id"],
        detail={"kind": request["kind"], **detail},
        person_id=request["person_id"],
    )


async def _is_repeated_access(person_id: uuid.UUID | None) -> bool:
    if person_id is None:
        return False
    return bool(
        await DB.current_connection().fetchval(
            "SELECT 1 FROM data_subject_request WHERE person_id = $1 AND kind = 'access' "
            "AND verified_at IS NOT NULL AND status <> 'refused' "
            f"AND received_at > now() - interval '{REPEAT_WINDOW}' LIMIT 1",
            person_id,
        )
    )


async def create_request(
    person_id: uuid.UUID | None,
    kind: str,
    *,
    actor: audit.Actor,
    channel: str = "staff",
    requester_email: str = "",
    details: str = "",
    received_on: date | None = None,
) -> dict:
    """Log a request as received now, or on `received_on` (a letter that came in earlier:
    the month runs from its receipt, not from its logging); due one calendar month later
    (Helsinki date)."""
    if kind not in KINDS:
        raise RequestError("bad_kind")
    if received_on is not None and received_on > today():
        raise RequestError("bad_date")
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}")
    email = ""
    if requester_email.strip():
        _, email = normalise_email(requester_email.strip())
    conn = DB.current_connection()
    received_at = await conn.fetchval("SELECT now()")
    if received_on is not None and received_on < local_date(received_at):
        received_at = datetime.combine(received_on, time(12), HELSINKI)  # the day is what counts
    request_id = uuid.uuid4()
    repeated = kind == "access" and await _is_repeated_access(person_id)
    await conn.execute(
        "INSERT INTO data_subject_request (id, person_id, kind, status, channel, "
        "requester_email, received_at, due_on, repeated, details, handled_by) "
        "VALUES ($1, $2, $3, 'received', $4, $5, $6, $7, $8, $9::jsonb, '')",
        request_id,
        person_id,
        kind,
        channel,
        email,
        received_at,
        due_date(local_date(received_at)),
        repeated,
        json.dumps({"text": details.strip()}, ensure_ascii=False),
    )
    request = await get_request(request_id)
    await _event(request, "received", actor, channel=channel, repeated=repeated)
    return request


async def _transition(request: dict, status: str, actor: audit.Actor, action: str, note=""):
    await DB.current_connection().execute(
        "UPDATE data_subject_request SET status = $2::text, handled_by = $3, "
        "completed_at = CASE WHEN $2::text IN ('completed', 'refused') THEN now() "
        "ELSE completed_at END WHERE id = $1",
        request["id"],
        status,
        actor.label[:200] if actor.kind == "user" else request["handled_by"],
    )
    await _event(request, action, actor, note, status_from=request["status"], status_to=status)


def _require(request: dict, allowed: tuple[str, ...]) -> None:
    if request["status"] not in allowed:
        raise RequestError("not_allowed")


async def send_code(request_id: uuid.UUID, *, actor: audit.Actor, secret_key: str) -> None:
    """Mail a new verification code to the requester's address; the old code stops working."""
    request = await get_request(request_id, lock=True)
    _require(request, ("received", "awaiting_code"))
    if not request["requester_email"]:
        raise RequestError("no_address")
    code = f"{secrets.randbelow(10**6):06d}"
    await DB.current_connection().execute(
        "UPDATE data_subject_request SET verification_code_hash = $2, "
        "verification_attempts = 0, status = 'awaiting_code' WHERE id = $1",
        request["id"],
        keyed_hash(secret_key, CODE_PURPOSE, f"{request['id']}:{code}"),
    )
    await request_notices.send_code(
        request["requester_email"], request["kind"], code, person_id=request["person_id"]
    )
    await _event(request, "code_sent", actor, status_from=request["status"])


async def check_code(
    request_id: uuid.UUID, code: str, *, actor: audit.Actor, secret_key: str
) -> CodeCheck:
    """Verify with the mailed code. A wrong code is returned, not raised, so the caller's
    transaction commits the attempt count; the fifth wrong one voids the code."""
    request = await get_request(request_id, lock=True)
    _require(request, ("awaiting_code",))
    conn = DB.current_connection()
    stored = await conn.fetchval(
        "SELECT verification_code_hash FROM data_subject_request WHERE id = $1", request["id"]
    )
    if stored is None:
        return CodeCheck(False, "no_code")
    typed = "".join((code or "").split())
    if keyed_hash(secret_key, CODE_PURPOSE, f"{request['id']}:{typed}") != stored:
        attempts = request["verification_attempts"] + 1
        exhausted = attempts >= MAX_CODE_ATTEMPTS
        await conn.execute(
            "UPDATE data_subject_request SET verification_attempts = $2, "
            "verification_code_hash = CASE WHEN $3 THEN NULL ELSE verification_code_hash END "
            "WHERE id = $1",
            request["id"],
            attempts,
            exhausted,
        )
        await _event(request, "code_wrong", actor, attempts=attempts)
        return CodeCheck(False, "too_many_attempts" if exhausted else "wrong_code")
    await _verified(request, actor, "code")
    return CodeCheck(True)


async def verify_manually(request_id: uuid.UUID, how: str, *, actor: audit.Actor) -> None:
    """Identity checked otherwise (an ID card shown at the office): `how` is written down."""
    request = await get_request(request_id, lock=True)
    _require(request, ("received", "awaiting_code"))
    if not how.strip():
        raise RequestError("reason_required")
    await _verified(request, actor, "manual", how.strip())


async def _verified(request: dict, actor: audit.Actor, method: str, note: str = "") -> None:
    repeated = request["repeated"] or (
        request["kind"] == "access" and await _is_repeated_access(request["person_id"])
    )
    await DB.current_connection().execute(
        "UPDATE data_subject_request SET verified_at = now(), verification_code_hash = NULL, "
        "repeated = $2 WHERE id = $1",
        request["id"],
        repeated,
    )
    await _transition(request, "verified", actor, "verified", note)


async def start(request_id: uuid.UUID, *, actor: audit.Actor) -> None:
    """Begin fulfilling a verified request (the bundle or the erasure runs from here)."""
    request = await get_request(request_id, lock=True)
    _require(request, ("verified",))
    await _transition(request, "in_progress", actor, "started")


async def complete(request_id: uuid.UUID, *, actor: audit.Actor, note: str = "") -> None:
    request = await get_request(request_id, lock=True)
    _require(request, ("in_progress",))
    await _transition(request, "completed", actor, "completed", note.strip())
    if request["kind"] == "rectification" and request["person_id"]:
        # Art. 19: every recipient the transfer log shows is told what was corrected.
        fields = await change_history.fields_changed_since(
            request["person_id"], request["received_at"]
        )
        await recipient_notifications.notify_recipients(
            request["id"],
            request["person_id"],
            {"kind": "rectification", "fields": fields},
            actor=actor,
        )


async def refuse(request_id: uuid.UUID, reason: str, *, actor: audit.Actor) -> None:
    """Refuse with a written reason, which is mailed to the requester."""
    request = await get_request(request_id, lock=True)
    _require(request, OPEN_STATUSES)
    if not reason.strip():
        raise RequestError("reason_required")
    await DB.current_connection().execute(
        "UPDATE data_subject_request SET refusal_reason = $2 WHERE id = $1",
        request["id"],
        reason.strip(),
    )
    if request["requester_email"]:
        await request_notices.send_refusal(
            request["requester_email"],
            request["kind"],
            reason.strip(),
            person_id=request["person_id"],
        )
    await _transition(request, "refused", actor, "refused", reason.strip())


async def extend(
    request_id: uuid.UUID, months: int, reason: str, *, actor: audit.Actor, on: date | None = None
) -> date:
    """Move the due date by 1-2 months past the original one, before the original passes;
    the reason is mailed to the requester. Returns the new due date."""
    request = await get_request(request_id, lock=True)
    _require(request, OPEN_STATUSES)
    if not reason.strip():
        raise RequestError("reason_required")
    if (on or today()) > request["due_on"]:
        raise RequestError("too_late")
    try:
        until = extended_due_date(request["due_on"], months)
    except ValueError:
        raise RequestError("bad_months") from None
    if request["extended_until"] and until <= request["extended_until"]:
        raise RequestError("bad_months")
    if not request["requester_email"]:
        raise RequestError("no_address")
    await DB.current_connection().execute(
        "UPDATE data_subject_request SET extended_until = $2, extension_reason = $3, "
        "handled_by = $4 WHERE id = $1",
        request["id"],
        until,
        reason.strip(),
        actor.label[:200],
    )
    await request_notices.send_extension(
        request["requester_email"],
        request["kind"],
        until,
        reason.strip(),
        person_id=request["person_id"],
    )
    await _event(request, "extended", actor, reason.strip(), until=until.isoformat())
    return until
