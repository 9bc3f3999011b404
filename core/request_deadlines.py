"""Deadlines of data-subject requests (GDPR Art. 12(3)) and the reminders before them.

A request is answered within one calendar month of its receipt: the same day number in the next
month, or that month's last day when it has no such day (31 Jan -> 28/29 Feb, 31 Mar -> 30 Apr).
Days count in Finland's local time: a request received at 00:30 on 1 March in Helsinki is a
March request even though it is still February in UTC. The controller may extend the deadline
by at most two further months (counted from the original due date), only with a reason told to
the person before the original due date passes.

Reminders: admins get one mail per request and threshold (7 and 2 days left, overdue counting
as the tightest) for each due date the request has had; an extension moves the due date, so
the reminders come again before the new one.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from core import audit
from core.db import DB
from core.mail import send_mail

HELSINKI = ZoneInfo("Europe/Helsinki")
MAX_EXTENSION_MONTHS = 2
REMINDER_THRESHOLDS = (7, 2)  # days left
OPEN_STATUSES = ("received", "awaiting_code", "verified", "in_progress")


def local_date(moment: datetime) -> date:
    """The Helsinki calendar date of an aware moment."""
    return moment.astimezone(HELSINKI).date()


def today() -> date:
    return datetime.now(HELSINKI).date()


def due_date(received: date) -> date:
    """One calendar month after `received`, clamped to the last day of that month."""
    return received + relativedelta(months=1)


def extended_due_date(original_due: date, months: int) -> date:
    """The original due date moved by `months` (1 or 2) further calendar months."""
    if months not in range(1, MAX_EXTENSION_MONTHS + 1):
        raise ValueError(f"an extension is 1 to {MAX_EXTENSION_MONTHS} months")
    return original_due + relativedelta(months=months)


def effective_due(request: dict) -> date:
    return request.get("extended_until") or request["due_on"]


def days_left(request: dict, on: date | None = None) -> int:
    """Days until the effective due date (0 on the day, negative when overdue)."""
    return (effective_due(request) - (on or today())).days


def reminder_threshold(left: int) -> int | None:
    """The tightest threshold a request with `left` days is within, or None."""
    reached = [t for t in REMINDER_THRESHOLDS if left <= t]
    return min(reached) if reached else None


async def _admin_addresses() -> list[str]:
    rows = await DB.current_connection().fetch(
        "SELECT email FROM app_user WHERE role = 'admin' AND active ORDER BY email"
    )
    return [r["email"] for r in rows if r["email"]]


REMINDER_SUBJECT = "Tietosuojapyynnön määräaika lähestyy / Tidsfristen närmar sig / Deadline near"
REMINDER_BODY = (
    "Rekisteröidyn pyyntö ({kind}) on vastattava viimeistään {due} ({left} pv jäljellä).\n"
    "Den registrerades begäran ({kind}) ska besvaras senast {due} ({left} dagar kvar).\n"
    "A data-subject request ({kind}) must be answered by {due} ({left} days left).\n\n"
    "{link}\n"
)


async def send_reminders(on: date | None = None, *, base_url: str = "") -> int:
    """Mail the admins about open requests within a threshold; once per threshold and due date.

    Idempotent: each reminder is a request_event ('reminder_7' / 'reminder_2' with the due date
    as its note) written in the same transaction as the mail, and found again on the next run.
    Returns the number of requests reminded of.
    """
    on = on or today()
    conn = DB.current_connection()
    rows = await conn.fetch(
        "SELECT id, person_id, kind, due_on, extended_until FROM data_subject_request "
        "WHERE status = ANY($1::text[]) AND coalesce(extended_until, due_on) <= $2 "
        "ORDER BY coalesce(extended_until, due_on), id FOR UPDATE",
        list(OPEN_STATUSES),
        on + relativedelta(days=max(REMINDER_THRESHOLDS)),
    )
    admins = await _admin_addresses()
    reminded = 0
    for row in rows:
        request = dict(row)
        left = days_left(request, on)
        threshold = reminder_threshold(left)
        if threshold is None:
            continue
        due = effective_due(request)
        action = f"reminder_{threshold}"
        already = await conn.fetchval(
            "SELECT 1 FROM request_event WHERE request = $1 AND action = $2 AND note = $3",
            request["id"],
            action,
            due.isoformat(),
        )
        if already:
            continue
        body = REMINDER_BODY.format(
            kind=request["kind"],
            due=due.strftime("%d.%m.%Y"),
            left=left,
            link=f"{base_url}/admin/requests/{request['id']}",
        )
        for address in admins:
            await send_mail(address, REMINDER_SUBJECT, body, kind="request_reminder")
        await conn.execute(
            "INSERT INTO request_event (id, request, at, action, actor_label, note) "
            "VALUES (gen_random_uuid(), $1, clock_timestamp(), $2, 'Kortisto', $3)",
            request["id"],
            action,
            due.isoformat(),
        )
        await audit.record(
            "request.reminder",
            actor=audit.SYSTEM,
            object_kind="data_subject_request",
            object_id=request["id"],
            detail={"threshold_days": threshold, "due_on": due.isoformat()},
            person_id=request["person_id"],
        )
        reminded += 1
    return reminded
