"""Core's own behaviour as default plugins (trylast): an installed plugin that answers first
overrides it, without special cases in core."""

from __future__ import annotations

from typing import Any

from core import mail
from core.hookspecs import hookimpl


@hookimpl(trylast=True)
async def kortisto_send_email(tenant: str, message: dict[str, Any]) -> dict[str, Any]:
    """No mail plugin answered: the message goes to the tenant's mail outbox (core.mail). A
    message already there (core.mail.deliver: the mail plugin was disabled before its job
    ran) stays where it is."""
    if message.get("id"):
        return {"processor_key": "", "external_ref": str(message["id"])}
    message_id = await mail.send_mail(
        message["to"], message["subject"], message["body"], kind=message.get("kind", "")
    )
    return {"processor_key": "", "external_ref": str(message_id)}


@hookimpl(trylast=True)
def kortisto_embed(url: str) -> None:
    """No embed plugin knows the URL: None, and the page shows it as a plain link."""
    return None
