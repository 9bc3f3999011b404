"""Every hook a Kortisto plugin can implement (pluggy project name "kortisto").

A plugin is a module or an object with functions marked `@hookimpl` whose names match the
specs below; core calls them only through the typed facade `core.plugin_host.PluginHost`, which
- asks only the plugins the current tenant may use (allowed by the operator AND enabled by the
  tenant's admin) plus core's own default plugins (`core.default_plugins`, trylast);
- passes each plugin *its own* `options` (plugin_setting.options + decrypted credentials);
- awaits coroutine results, so an implementation may be `async def`.
An implementation may take any subset of a spec's arguments. Each spec says when it is called,
with what, what it returns and whether the first answer wins (firstresult) or all are collected.
Plugin authors: see plugins/README.md (its list of hooks is checked against this module).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from core.processors import Processor

PROJECT = "kortisto"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec(firstresult=True)
def kortisto_notify_recipient(
    tenant: str, notification: dict[str, Any], options: dict[str, Any]
) -> dict[str, Any] | None:
    """Tell a recipient (processor) of a person's data about a rectification or an erasure
    (GDPR Art. 19).

    When: after the transaction that completed the data-subject request has committed, in a
    worker job (core.recipient_notifications.deliver_pending), once for every recipient the
    transfer log shows for that person. It may talk to the network: it is called with no
    tenant transaction open (the outcome is recorded after the call), so everything it needs
    is in `notification`.

    Arguments:
      tenant: the tenant's slug.
      notification: {"id": notification id (str), "request_id": the data-subject request (str),
        "person_id": str, "kind": "rectification" | "erasure", "fields": names of the changed
        fields (no values), "processor": the transfer log's processor name, "recipient": the
        endpoint/account used, "plugin": the plugin that made the transfers ("" if by hand),
        "external_refs": the references the recipient gave for the transfers}.
      options: this plugin's settings for the tenant (see kortisto_settings_fields).

    Return: None when this plugin does not handle `notification["processor"]` (the next
    plugin is asked; when none answers, an admin gets a manual task). Otherwise a dict
    {"plugin": the plugin's name, "reference": the recipient's receipt or ticket id (optional)}
    meaning the recipient was told. Raise to say the recipient could not be told: the
    notification is marked failed with the error and shown to the admins.

    firstresult: the first non-None answer wins.
    """


@hookspec
def kortisto_processors(options: dict[str, Any]) -> list[Processor]:
    """Declare the processors (or recipients) this plugin sends personal data to.

    When: whenever the tenant's processors are listed (core.processors.tenant_processors: the
    processors page, the privacy notice, Art. 30 records) and before a plugin transfers data
    (it passes one of these to core.transfer_gate.transfer). Also asked for a plugin the admin
    has not enabled yet, to show what enabling it would mean. Must not talk to the network.

    Arguments:
      options: this plugin's settings for the tenant (e.g. which endpoint is chosen: the
        SparkPost US endpoint is outside the EU/EEA, the EU endpoint inside).

    Return: a list of core.processors.Processor (empty if the options name none). `plugin` may
    be left "": the host fills in the plugin's name.

    collect-all: every plugin's list is collected.
    """


@hookspec
def kortisto_settings_fields() -> list[dict[str, Any]]:
    """Declare the settings form of this plugin (options and credentials an admin configures).

    When: the tenant admin's plugin page (/admin/plugins/) draws the form and validates what
    was posted; asked for every plugin the operator allowed, enabled or not.

    Return: a list of fields, each {"name": key in options, "label": str or {"fi","sv","en"},
    "kind": "text" | "secret" | "select" | "checkbox", "required": bool (optional),
    "choices": [(value, label)] for "select", "help": str or {"fi","sv","en"} (optional)}.
    "secret" fields are credentials: stored sealed (core.secret_box), never shown back in full
    and merged into `options` only when a hook is called.

    collect-all: every plugin's list is collected (the host keeps them per plugin).
    """


@hookspec(firstresult=True)
def kortisto_send_email(
    tenant: str, message: dict[str, Any], options: dict[str, Any]
) -> dict[str, Any] | None:
    """Send one notification e-mail.

    When: core sends a message to a person or a user (verification codes, request notices,
    invitations); a plugin that sends to a third party does it through
    core.transfer_gate.transfer. Runs inside the tenant's scope; may talk to the network (call
    it from a worker job when it does).

    Arguments:
      tenant: the tenant's slug.
      message: {"to": address, "subject": str, "body": plain text, "kind": what the message is
        for (e.g. "request_code"), "person_id": str or "" when the recipient is no card}.
      options: this plugin's settings for the tenant.

    Return: {"processor_key": the Processor.key used ("" for core's outbox), "external_ref":
    the service's message id} when sent, or None to let the next plugin send it. Raise when
    sending failed. Core's default (trylast) queues the message in the tenant's mail outbox
    (core.mail), so no message is ever dropped.

    firstresult: the first non-None answer wins.
    """


@hookspec(firstresult=True)
def kortisto_embed(url: str, options: dict[str, Any]) -> dict[str, Any] | None:
    """Turn a URL a content author pasted into a privacy-friendly embed.

    When: content with a pasted URL is rendered or its preview is fetched (server side).

    Arguments:
      url: the pasted URL, as typed.
      options: this plugin's settings for the tenant.

    Return: {"provider": e.g. "youtube", "embed_url": what the iframe loads after the visitor's
    click (privacy-friendly: youtube-nocookie.com, Vimeo with dnt=1), "oembed_endpoint": where
    the server fetches title and thumbnail, "processor_key": the Processor.key receiving the
    visitor's data}, or None when this plugin does not know the URL. Core's default (trylast)
    returns None: the URL is shown as a plain link.

    firstresult: the first non-None answer wins.
    """


@hookspec
def kortisto_accounting_formats(options: dict[str, Any]) -> list[dict[str, Any]]:
    """Declare the accounting export formats this plugin writes.

    When: the organizations export page lists the formats it offers.

    Arguments:
      options: this plugin's settings for the tenant.

    Return: a list of {"key": unique format key, "label": str, "media_type": e.g.
    "application/xml", "extension": e.g. "xml"}.

    collect-all: every plugin's list is collected.
    """


@hookspec(firstresult=True)
def kortisto_accounting_export(
    tenant: str,
    format_key: str,
    organizations: list[dict[str, Any]],
    contacts: list[dict[str, Any]],
    options: dict[str, Any],
) -> bytes | None:
    """Write organizations (and their billing contacts) in one accounting format.

    When: an admin exports to accounting; the caller records the export as a transfer of the
    contacts (core.transfer_gate) before handing the file out.

    Arguments:
      tenant: the tenant's slug.
      format_key: a key one of kortisto_accounting_formats declared.
      organizations: billing-relevant fields only (name, business_id, vat_id, address,
        postal_code, city, country, e_invoice_address, id).
      contacts: billing contacts the admin asked for ([] otherwise), already let through the
        transfer gate: {"person_id", "organization_id", "first_name", "last_name", "email",
        "phone"}.
      options: this plugin's settings for the tenant.

    Return: the file's bytes, or None when this plugin does not write `format_key`.

    firstresult: the first non-None answer wins.
    """


@hookspec(firstresult=True)
def kortisto_newsletter_subscribe(
    tenant: str, contact: dict[str, Any], options: dict[str, Any]
) -> dict[str, Any] | None:
    """Add (or update) one contact on the tenant's newsletter list.

    When: the newsletter sync, as the send of core.transfer_gate.transfer (so only contacts
    with e-mail marketing consent and no objection ever reach it); in a worker job, after the
    transaction that recorded the transfer committed: no tenant scope is open, so the
    implementation must not read the register (everything it needs is in its arguments).

    Arguments:
      tenant: the tenant's slug.
      contact: {"person_id", "email", "first_name", "last_name", "language"}.
      options: this plugin's settings for the tenant (list id, credentials).

    Return: {"external_id": the service's id of the subscriber, "processor_key": the
    Processor.key used}, or None when this plugin is not the newsletter service. Raise on
    failure.

    firstresult: the first non-None answer wins.
    """


@hookspec(firstresult=True)
def kortisto_newsletter_unsubscribe(
    tenant: str, subscription: dict[str, Any], options: dict[str, Any]
) -> bool | None:
    """Remove a contact from the newsletter service (consent withdrawn, objection, erasure).

    When: the newsletter sync, a withdrawal, objection, erasure or change of address, in a
    worker job with no tenant scope open (the outcome is recorded after the call).

    Arguments:
      tenant: the tenant's slug.
      subscription: the newsletter_subscription row as a dict {"id", "person_id", "plugin",
        "list_id", "external_id", "status"}.
      options: this plugin's settings for the tenant.

    Return: True when removed (or already gone), None when this plugin does not own
    `subscription["plugin"]`. Raise on failure.

    firstresult: the first non-None answer wins.
    """
