"""Fulfilling an erasure request (Art. 17): preview, erase or hold, report, tell the person.

The request must be verified and started (core.requests). The admin first sees `preview`:
the rows and files that would go, and the active legal holds that stop it. `fulfil` then:
- without a hold: erases the card with `core.erasure.erase_persons` (suppression included);
- with an active hold: the card stays, restricted (Art. 18: only storage and the legal claim
  remain) and trimmed to what the hold needs. A hold KEEPS the card's identity and contact
  details (name, organization, title, e-mails, phones, HETU), content links, comments,
  attachments, contact history, lawful bases, provenance and the consent and objection
  histories (the evidence an invoice, collection, investigation, bookkeeping or a lawsuit may
  need). It REMOVES what no such claim needs: the free description, keywords, personalisation
  and preferences, feedback, and the self-service account. The rest is erased once the hold
  ends, by a new request or the retention sweep.
The report (what was removed, what was kept and why, with the holds' end dates) goes into the
request's details under "erasure"; the person is told by e-mail (fi/sv/en) what was held and
why; then the request is completed. When the card is erased, every recipient the transfer log
shows for it is notified (Art. 19, core.recipient_notifications), before the erasure clears the
person's own addresses from those rows. A held card is not erased, so nobody is told yet.
"""

from __future__ import annotations

import json
import uuid

from core import audit, erasure, legal_holds, recipient_notifications, requests, restriction
from core.db import DB
from core.mail import send_mail
from core.merge import person_references

HOLD_REMOVES = ("customer_preference", "customer_feedback")
HOLD_CLEARS = ("description", "keywords")
HOLD_KINDS_TEXT = {
    "open_invoice": ("avoin lasku", "obetald faktura", "open invoice"),
    "debt_collection": ("perintä", "indrivning", "debt collection"),
    "misuse_investigation": (
        "väärinkäytöksen selvitys",
        "utredning av missbruk",
        "misuse investigation",
    ),
    "bookkeeping": ("kirjanpidon säilytysvelvollisuus", "bokföringsskyldighet", "bookkeeping"),
    "litigation": ("oikeudenkäynti", "rättegång", "litigation"),
}


class ErasureRequestError(Exception):
    """Not an erasure request in progress, or its card is gone. reason: a code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def _started(request_id: uuid.UUID, *, lock: bool = False) -> dict:
    request = await requests.get_request(request_id, lock=lock)
    if request["kind"] != "erasure" or request["status"] != "in_progress":
        raise ErasureRequestError("not_in_progress")
    if request["verified_at"] is None:
        raise ErasureRequestError("not_verified")
    if request["person_id"] is None:
        raise ErasureRequestError("no_card")
    return request


async def preview(request_id: uuid.UUID) -> dict:
    """What fulfilling would remove (rows per table, files) and the holds that stop it."""
    request = await _started(request_id)
    person_id = request["person_id"]
    conn = DB.current_connection()
    if await conn.fetchval("SELECT count(*) FROM person WHERE id = $1", person_id) == 0:
        raise ErasureRequestError("no_card")
    rows = {"person": 1}
    for table, column in await person_references(conn):
        count = await conn.fetchval(
            f'SELECT count(*) FROM "{table}" WHERE "{column}" = $1', person_id
        )
        if count:
            rows[table] = count
    files = await conn.fetchval("SELECT count(*) FROM attachment WHERE person = $1", person_id)
    holds = (await legal_holds.active_holds([person_id])).get(person_id, [])
    return {"person_id": person_id, "rows": rows, "files": files, "holds": holds}


async def fulfil(request_id: uuid.UUID, *, actor: audit.Actor) -> dict:
    """Erase (or hold and trim), store the report, mail the person, complete the request."""
    request = await _started(request_id, lock=True)
    person_id = request["person_id"]
    conn = DB.current_connection()
    address = request["requester_email"] or await conn.fetchval(
        "SELECT email_normalised FROM person_email WHERE person = $1 ORDER BY position LIMIT 1",
        person_id,
    )
    holds = (await legal_holds.active_holds([person_id])).get(person_id, [])
    if holds:
        report = await _hold_and_trim(person_id, holds, actor)
    else:
        told = await recipient_notifications.notify_recipients(
            request["id"], person_id, {"kind": "erasure", "fields": []}, actor=actor
        )
        report = await erasure.erase_persons([person_id], actor=actor, request_id=request["id"])
        report["outcome"] = "erased"
        report["recipients_notified"] = len(told)
    await conn.execute(
        "UPDATE data_subject_request SET details = details || jsonb_build_object('erasure', "
        "$2::jsonb) WHERE id = $1",
        request["id"],
        json.dumps(report, default=str),
    )
    if address:
        # An erased card is gone: the notice then concerns no card (the gate records it so).
        kept = None if report["outcome"] == "erased" else person_id
        await send_outcome(address, report, person_id=kept)
    await requests.complete(request["id"], actor=actor, note=report["outcome"])
    return report


async def _hold_and_trim(person_id: uuid.UUID, holds: list[dict], actor: audit.Actor) -> dict:
    conn = DB.current_connection()
    removed = {}
    for table in HOLD_REMOVES:
        status = await conn.execute(f"DELETE FROM {table} WHERE person = $1", person_id)
        removed[table] = int(status.split()[-1])
    status = await conn.execute(
        "DELETE FROM app_user WHERE role = 'self' AND person = $1", person_id
    )
    removed["app_user"] = int(status.split()[-1])
    await conn.execute(
        "UPDATE person SET description = '', keywords = '{}', updated_at = now() WHERE id = $1",
        person_id,
    )
    await restriction.restrict(person_id)
    report = {
        "outcome": "held",
        "removed": {**removed, "person": list(HOLD_CLEARS)},
        "kept": "card, contacts, content, comments, attachments, contact history, bases, "
        "provenance, consent and objection histories",
        "held": [
            {
                "id": str(h["id"]),
                "reason_kind": h["reason_kind"],
                "reason": h["reason"],
                "until": h["until"].isoformat() if h["until"] else None,
            }
            for h in holds
        ],
    }
    await audit.record(
        "person.erasure_held",
        actor=actor,
        object_kind="person",
        object_id=person_id,
        person_id=person_id,
        detail={"holds": [h["id"] for h in report["held"]], "removed": report["removed"]},
    )
    return report


async def send_outcome(to: str, report: dict, *, person_id: uuid.UUID | None = None) -> None:
    """Tell the person what was erased, or what is kept, why and until when. A mail plugin
    sends it through the transfer gate (purpose rights_request); `person_id` is the held card,
    None after an erasure."""
    if report["outcome"] == "erased":
        body = (
            "Tietosi on poistettu asiakasrekisteristä pyyntösi mukaisesti.\n"
            "Dina uppgifter har raderats ur kundregistret enligt din begäran.\n"
            "Your data has been erased from the customer register as you requested.\n"
        )
    else:
        lines = []
        for hold in report["held"]:
            fi, sv, en = HOLD_KINDS_TEXT.get(hold["reason_kind"], (hold["reason_kind"],) * 3)
            until = hold["until"] or "-"
            lines.append(f"- {fi} / {sv} / {en}: {hold['reason']} (-> {until})")
        body = (
            "Osa tiedoistasi säilytetään lakisääteisen syyn vuoksi, ja niiden käsittely on "
            "rajoitettu: vain säilytys on sallittu. Muut tiedot on poistettu. Säilytetään:\n"
            "En del av dina uppgifter bevaras av rättsliga skäl och behandlingen är begränsad "
            "till lagring. Övriga uppgifter har raderats. Bevaras:\n"
            "Some of your data is kept for a legal reason and its processing is restricted to "
            "storage only. The rest has been erased. Kept:\n" + "\n".join(lines) + "\n"
        )
    await send_mail(
        to,
        "Tietojen poisto / Radering / Erasure",
        body,
        kind="request_erasure",
        person_id=person_id,
    )
