"""Outgoing e-mail. Every message is first written to the tenant's mail outbox (mail_message).
Until a mail plugin is enabled, it stays there for admins (and tests) to read: a message is
never silently dropped. When one is enabled, a worker job delivers it after the commit
(`DELIVER_JOB`, tenants.mail_jobs) through the kortisto_send_email hook, with the
provider's call made between two short transactions (see `deliver`):

- status queued (outbox only) | sending (job enqueued) | sent | failed | refused;
- a plugin raises TemporaryMailError (429, 5xx, network) and the worker retries the job with
  backoff (the attempt's transaction is rolled back); PermanentMailError (4xx) or the last
  retry marks the message failed, and the error is kept in a `mail.failed` audit event that
  the outbox page shows;
- every message a plugin sends goes through core.transfer_gate (send_gated), so it leaves a
  transfer row; for a message about a card (person_id) the gate checks it first, and a
  refusal (restricted, objection…) marks the message refused: nothing is sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from core import audit
from core import outbox as job_outbox  # jobs after commit; `outbox` below is the mail outbox
from core.context import current_tenant
from core.db import DB

DELIVER_JOB = "mail.deliver"
STATUSES = ("queued", "sending", "sent", "failed", "refused")


class TemporaryMailError(Exception):
    """The mail service could not take the message now (rate limit, server error, network):
    the worker tries again later."""


class PermanentMailError(Exception):
    """The mail service refused the message (bad request, bad credentials): retrying will not
    help; an admin must fix the settings or the address."""


async def send_mail(
    to: str, subject: str, body: str, *, kind: str, person_id: uuid.UUID | None = None
) -> uuid.UUID:
    """Queue a message in the current tenant's outbox; returns its id. With a mail plugin
    enabled, a delivery job is enqueued (runs after this transaction commits). `person_id`:
    the card the message concerns, so its delivery goes through the transfer gate."""
    message_id = uuid.uuid4()
    delivering = await mail_plugin_enabled()
    await DB.current_connection().execute(
        "INSERT INTO mail_message (id, recipient, subject, body, kind, status, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, now())",
        message_id,
        to,
        subject,
        body,
        kind,
        "sending" if delivering else "queued",
    )
    if delivering:
        await job_outbox.enqueue(
            DELIVER_JOB, message_id=str(message_id), person_id=str(person_id or "")
        )
    return message_id


async def mail_plugin_enabled() -> bool:
    """Whether a plugin this tenant has enabled implements kortisto_send_email."""
    from core.plugin_host import plugin_host  # the host's default plugin imports this module

    host = plugin_host()
    enabled = await host.enabled()
    return any(
        impl.plugin_name in enabled for impl in host.pm.hook.kortisto_send_email.get_hookimpls()
    )


async def deliver(
    message_id: str,
    person_id: str = "",
    *,
    in_scope: Callable[[], AbstractAsyncContextManager[Any]],
    final_attempt: bool = True,
) -> str:
    """Hand one outbox message to the enabled mail plugin; returns its new status. Raises
    TemporaryMailError (to be retried) unless `final_attempt`.

    Called with no transaction open; `in_scope()` opens the tenant's transaction (the job
    passes tenants.scope.tenant_scope for its tenant). Three steps, so that the provider's
    HTTP call never holds the tenant's connection and row locks for up to its timeout:
    1. in a transaction: the plugin is asked; it goes through the transfer gate, which in
       core.transfer_gate.deferred_sends records the transfer as pending and hands the send
       back instead of running it; commit;
    2. with no transaction: the send (the HTTP call / SMTP dialogue);
    3. in a short second transaction: the transfer row and the message get the outcome.
    A temporary failure before the last attempt leaves that attempt's transfer row failed
    and the message "sending" for the retry, which is a new attempt and a new row."""
    async with in_scope():
        prepared = await _ask_plugin(message_id, person_id, final_attempt)
    if isinstance(prepared, str):
        return prepared
    pending, row, processor_key = prepared
    reference, failure = None, None
    try:
        reference = await pending.send()
    except Exception as exc:  # TemporaryMailError, PermanentMailError, a network error, a bug
        failure = exc
    async with in_scope():
        status = await _record_delivery(pending, row, processor_key, reference, failure,
                                        final_attempt)  # fmt: skip
    if status == "retry":
        raise failure
    return status


async def _ask_plugin(message_id: str, person_id: str, final_attempt: bool):
    """Step 1 of deliver: a final status (str), or (pending send, message row, processor)."""
    from core.plugin_host import plugin_host
    from core.transfer_gate import TransferRefused, deferred_sends

    conn = DB.current_connection()
    row = await conn.fetchrow(
        "SELECT id, recipient, subject, body, kind, status FROM mail_message WHERE id = $1 "
        "FOR UPDATE",
        uuid.UUID(message_id),
    )
    if row is None or row["status"] != "sending":
        return row["status"] if row else "gone"  # erased, or delivered by an earlier run
    message = {
        "id": message_id,
        "to": row["recipient"],
        "subject": row["subject"],
        "body": row["body"],
        "kind": row["kind"],
        "person_id": person_id,
    }
    detail: dict[str, Any] = {"kind": row["kind"], "person_id": person_id}
    with deferred_sends() as sends:
        try:
            result = await plugin_host().send_email(current_tenant().slug, message)
        except TransferRefused as refused:
            status = "refused"
            detail["reason"] = refused.reason
        except PermanentMailError as exc:
            status = "failed"
            detail["error"] = _scrubbed(exc, row["recipient"])
        except Exception as exc:  # TemporaryMailError, a plugin's bug
            if not final_attempt:
                raise
            status = "failed"
            detail["error"] = _scrubbed(exc, row["recipient"])
        else:
            if sends and result and result.get("processor_key"):
                return sends[0], dict(row), result["processor_key"]
            # Core's default answers with no processor: the message stays in the outbox.
            status = "sent" if result and result.get("processor_key") else "queued"
            if status == "sent":
                detail.update(processor=result["processor_key"],
                              external_ref=result["external_ref"])  # fmt: skip
    await _settle(row["id"], status, detail)
    return status


async def _record_delivery(
    pending, row: dict, processor_key: str, reference, failure, final_attempt: bool
) -> str:
    """Step 3 of deliver: the outcome on the transfer row and the message; "retry" when the
    worker is to try again."""
    from core.transfer_gate import record_outcome

    outcome = await record_outcome(pending, reference, error=failure)
    detail: dict[str, Any] = {"kind": row["kind"], "person_id": str(pending.person_id or "")}
    if failure is None:
        status = "sent"
        detail.update(processor=processor_key, external_ref=outcome["external_ref"])
    elif isinstance(failure, PermanentMailError) or final_attempt:
        status = "failed"
        detail["error"] = _scrubbed(failure, row["recipient"])
    else:
        return "retry"
    await _settle(row["id"], status, detail)
    return status


async def _settle(message_id: uuid.UUID, status: str, detail: dict[str, Any]) -> None:
    """The message's final status, audited (a message left in the outbox is not)."""
    person_id = detail.pop("person_id", "")
    await DB.current_connection().execute(
        "UPDATE mail_message SET status = $2 WHERE id = $1", message_id, status
    )
    if status != "queued":
        await audit.record(
            f"mail.{status}",
            actor=audit.SYSTEM,
            object_kind="mail_message",
            object_id=message_id,
            person_id=uuid.UUID(person_id) if person_id else None,
            detail=detail,
        )


def _scrubbed(exc: Exception, address: str) -> str:
    """The error in words for admins, without the recipient's address (the audit trail
    outlives an erasure of the card)."""
    text = f"{type(exc).__name__}: {exc}"
    if address:
        text = text.replace(address, "<recipient>")
    return text[:1000]


async def outbox(limit: int = 100) -> list[dict]:
    """Newest messages first, each with the error of its failed delivery ("" otherwise)."""
    rows = await DB.current_connection().fetch(
        "SELECT m.id, m.recipient, m.subject, m.body, m.kind, m.status, m.created_at, "
        "coalesce((SELECT e.detail->>'error' FROM audit_event e WHERE e.action = 'mail.failed' "
        "AND e.object_kind = 'mail_message' AND e.object_id = m.id::text "
        "ORDER BY e.at DESC LIMIT 1), '') AS error "
        "FROM mail_message m ORDER BY m.created_at DESC LIMIT $1",
        limit,
    )
    return [dict(r) for r in rows]


def transfer_purpose(kind: str) -> str:
    """The transfer gate's purpose for a message of `kind`: a marketing message is its own
    purpose (consent and objections apply); a data-subject request's notice answers the
    person's own request (always allowed); an invitation or password reset is about the
    user's own account (refused only for an erased card); every other one serves the
    customer relationship (refused only for a restricted card or a customer's "no e-mail")."""
    from core.contact_gate import ACCOUNT, MARKETING_PURPOSES, RIGHTS_REQUEST

    if kind.startswith("request_") and kind != "request_reminder":
        return RIGHTS_REQUEST
    if kind == "invitation":  # invitations and password resets (core.invitations)
        return ACCOUNT
    return kind if kind in MARKETING_PURPOSES else "customer_service"


async def send_gated(
    message: dict[str, Any], *, processor, categories, send, recipient: str = ""
) -> str:
    """For mail plugins: run `send()` (returns the service's message id) through
    core.transfer_gate, so every message leaves a transfer row; the gate checks the card when
    the message concerns one (a message to a staff user, or sent after an erasure, has none).
    Raises TransferRefused when the gate says no, and the send's own error when it failed (the
    transfer row keeps it too)."""
    from core.transfer_gate import transfer

    person_id = message.get("person_id") or ""
    failure: list[BaseException] = []

    async def recorded_send():
        try:
            return await send()
        except Exception as exc:
            failure.append(exc)
            raise

    outcome = await transfer(
        uuid.UUID(str(person_id)) if person_id else None,
        processor=processor,
        purpose=transfer_purpose(message.get("kind", "")),
        channel="email",
        categories=categories,
        send=recorded_send,
        recipient=recipient,
        actor=audit.SYSTEM,
    )
    if outcome["status"] == "pending":  # core.mail.deliver sends it after its commit
        return ""
    if outcome["status"] != "sent":
        raise failure[0] if failure else PermanentMailError(outcome["error"])
    return outcome["external_ref"]
