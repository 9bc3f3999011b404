"""Every hook a Kortisto plugin can implement (pluggy project name "kortisto").

A plugin is a module or an object with functions marked `@hookimpl` whose names match the
specs below; core calls them through `core.plugin_manager`. Each spec says when it is called,
with what, what it returns and whether the first answer wins (firstresult) or all are collected.
"""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT = "kortisto"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec(firstresult=True)
def kortisto_notify_recipient(tenant: str, notification: dict[str, Any]) -> dict[str, Any] | None:
    """Tell a recipient (processor) of a person's data about a rectification or an erasure
    (GDPR Art. 19).

    When: after the transaction that completed the data-subject request has committed, in a
    worker job (core.recipient_notifications.deliver_pending), once for every recipient the
    transfer log shows for that person. It may talk to the network.

    Arguments:
      tenant: the tenant's slug; the call runs inside that tenant's scope (core.db queries
        reach its schema, e.g. to read the rectified card).
      notification: {"id": notification id (str), "request_id": the data-subject request (str),
        "person_id": str, "kind": "rectification" | "erasure", "fields": names of the changed
        fields (no values), "processor": the transfer log's processor name, "recipient": the
        endpoint/account used, "plugin": the plugin that made the transfers ("" if by hand),
        "external_refs": the references the recipient gave for the transfers}.

    Return: None when this plugin does not handle `notification["processor"]` (the next
    plugin is asked; when none answers, an admin gets a manual task). Otherwise a dict
    {"plugin": the plugin's name, "reference": the recipient's receipt or ticket id (optional)}
    meaning the recipient was told. Raise to say the recipient could not be told: the
    notification is marked failed with the error and shown to the admins.

    firstresult: the first non-None answer wins.
    """
