"""Delivery of outgoing e-mail through the tenant's mail plugin, after the commit that wrote
the message (core.mail.send_mail enqueues it). A temporary failure (429, 5xx, network) raises,
so the worker retries with backoff; the last retry marks the message failed instead. No
tenant transaction is open while the provider is called."""

from __future__ import annotations

import dramatiq
from dramatiq.middleware import CurrentMessage

from core import mail
from tenants.actors import tenant_job
from tenants.scope import tenant_scope


def _final_attempt() -> bool:
    message = CurrentMessage.get_current_message()
    if message is None:  # run directly (tests, a CLI): nobody would retry
        return True
    retries = message.options.get("retries", 0)
    actor = dramatiq.get_broker().get_actor(message.actor_name)
    max_retries = message.options.get("max_retries", actor.options.get("max_retries", 0))
    return retries >= max_retries


@tenant_job(mail.DELIVER_JOB, own_scope=True)
async def deliver_mail(tenant: str, message_id: str, person_id: str = "") -> str:
    """Two short tenant transactions around the provider's call (core.mail.deliver); the
    message's own status ("sending" until settled) makes a redelivery do nothing twice."""
    return await mail.deliver(
        message_id,
        person_id,
        in_scope=lambda: tenant_scope(tenant),
        final_attempt=_final_attempt(),
    )
