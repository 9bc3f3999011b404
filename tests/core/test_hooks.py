"""One test per hook (named after it) and the two meta-tests that keep the hook list honest:
every hookspec is documented (and plugins/README.md lists exactly the hooks there are), and
every hook has a test here. Each test builds a fresh plugin host and registers its plugins
explicitly; a plugin is enabled for a tenant the way production does it (the operator allows
it, the tenant's admin enables it)."""

import inspect
import re
import sys
import uuid
from pathlib import Path

import pytest

from core import audit, hookspecs, mail, plugin_allowances, plugin_settings
from core.db import DB
from core.hookspecs import hookimpl
from core.plugin_host import PluginHost
from core.processors import Processor, tenant_processors
from tenants import plugin_allowances as allowance_reader
from tenants.scope import platform_transaction, tenant_scope

ROOT = Path(__file__).resolve().parents[2]
ADMIN = audit.Actor("user", str(uuid.uuid4()), "admin@rekisteri.example")
EU_MAIL = Processor(
    key="posti-eu",
    name="Postitus Oy",
    service="e-mail delivery",
    country="FI",
    outside_eea=False,
    safeguard="",
    categories=("name", "email"),
)


def hook_names() -> list[str]:
    return sorted(
        name
        for name in dir(hookspecs)
        if name.startswith("kortisto_") and callable(getattr(hookspecs, name))
    )


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


class Recorder:
    """A plugin implementing every hook, recording what it was given."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[tuple[str, dict]] = []

    @hookimpl
    def kortisto_processors(self, options):
        self.calls.append(("processors", options))
        return [EU_MAIL]

    @hookimpl
    def kortisto_settings_fields(self):
        return [{"name": "api_key", "label": "API-avain", "kind": "secret"}]

    @hookimpl
    async def kortisto_send_email(self, tenant, message, options):
        self.calls.append(("send_email", {"tenant": tenant, **message, "options": options}))
        return {"processor_key": "posti-eu", "external_ref": f"{self.name}-1"}

    @hookimpl
    def kortisto_embed(self, url, options):
        if "video.example" not in url:
            return None
        return {
            "provider": "video",
            "embed_url": url.replace("video.", "video-nocookie."),
            "oembed_endpoint": "https://video.example/oembed",
            "processor_key": "video",
        }

    @hookimpl
    def kortisto_accounting_formats(self, options):
        return [
            {"key": "simple", "label": "Simple", "media_type": "text/plain", "extension": "txt"}
        ]

    @hookimpl
    async def kortisto_accounting_export(
        self, tenant, format_key, organizations, contacts, options
    ):
        if format_key != "simple":
            return None
        return "\n".join(o["name"] for o in organizations).encode()

    @hookimpl
    def kortisto_newsletter_subscribe(self, tenant, contact, options):
        self.calls.append(("subscribe", contact))
        return {"external_id": f"sub-{contact['person_id']}", "processor_key": "posti-eu"}

    @hookimpl
    async def kortisto_newsletter_unsubscribe(self, tenant, subscription, options):
        self.calls.append(("unsubscribe", subscription))
        return True

    @hookimpl
    def kortisto_notify_recipient(self, tenant, notification, options):
        self.calls.append(("notify", notification))
        return {"plugin": self.name, "reference": "ticket-1"}


# -- meta-tests ----------------------------------------------------------------------------------


def test_every_hook_is_documented_and_listed_in_the_plugin_docs():
    host = PluginHost(with_defaults=False)
    hooks = sorted(name for name in vars(host.pm.hook) if name.startswith("kortisto_"))
    assert hooks == hook_names()
    for name in hooks:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert "When:" in doc, f"{name}: say when it is called"
        assert "Return" in doc, f"{name}: say what it returns"
        assert ("firstresult" in doc) or ("collect-all" in doc), f"{name}: firstresult or not"
    readme = (ROOT / "plugins" / "README.md").read_text()
    section = readme.split("## Hooks", 1)[1].split("\n## ", 1)[0]
    documented = sorted(re.findall(r"^- `(kortisto_\w+)`", section, flags=re.M))
    assert documented == hooks, "plugins/README.md '## Hooks' must list exactly core's hooks"


def test_every_hook_has_a_test_named_after_it():
    tests = {name for name in dir(sys.modules[__name__]) if name.startswith("test_")}
    missing = [hook for hook in hook_names() if f"test_{hook}" not in tests]
    assert not missing, f"hooks without a test named after them: {missing}"


# -- one test per hook ---------------------------------------------------------------------------


async def test_kortisto_processors(host, tenant, enable):
    plugin = Recorder("posti")
    host.register(plugin, "posti")
    async with tenant_scope(tenant.slug):
        assert await tenant_processors() == []  # installed, not enabled
    await enable(tenant.slug, "posti", options={"endpoint": "eu"})
    async with tenant_scope(tenant.slug):
        await DB.current_connection().execute(
            "INSERT INTO tenant_processor (id, name, service, country, outside_eea, safeguard, "
            "categories, dpa_reference, role, active, created_at, updated_at) VALUES ($1, "
            "'Pilvi Oy', 'hosting', 'FI', false, '', '{name,email}', 'DPA 2024', 'processor', "
            "true, now(), now())",
            uuid.uuid4(),
        )
        found = await tenant_processors()
    assert [(p.name, p.plugin) for p in found] == [("Postitus Oy", "posti"), ("Pilvi Oy", "")]
    assert found[1].key.startswith("tenant:")
    assert plugin.calls == [("processors", {"endpoint": "eu"})]


def test_kortisto_settings_fields(host):
    host.register(Recorder("posti"), "posti")
    host.register(object(), "no-settings")
    assert host.settings_fields() == {
        "no-settings": [],
        "posti": [{"name": "api_key", "label": "API-avain", "kind": "secret"}],
    }


async def test_kortisto_send_email(host, tenant, enable):
    async with tenant_scope(tenant.slug):
        # Core's default: the tenant's mail outbox.
        message = {"to": "a@x.fi", "subject": "Koodi", "body": "1", "kind": "code", "person_id": ""}
        answer = await host.send_email(tenant.slug, message)
        assert [m["subject"] for m in await mail.outbox()] == ["Koodi"]
    assert answer["processor_key"] == ""
    plugin = Recorder("posti")
    host.register(plugin, "posti")
    await enable(
        tenant.slug, "posti", options={"sender": "noreply@x.fi"}, secrets={"api_key": "k-123456789"}
    )
    async with tenant_scope(tenant.slug):
        answer = await host.send_email(tenant.slug, dict(message, subject="Toinen"))
        assert len(await mail.outbox()) == 1  # the plugin answered first: not in the outbox
    assert answer == {"processor_key": "posti-eu", "external_ref": "posti-1"}
    assert plugin.calls[0][1]["options"] == {"sender": "noreply@x.fi", "api_key": "k-123456789"}


async def test_kortisto_embed(host, tenant, enable):
    async with tenant_scope(tenant.slug):
        assert await host.embed("https://video.example/v/1") is None  # default: plain link
    host.register(Recorder("video"), "video")
    await enable(tenant.slug, "video")
    async with tenant_scope(tenant.slug):
        assert await host.embed("https://elsewhere.example/") is None
        embed = await host.embed("https://video.example/v/1")
    assert embed["embed_url"] == "https://video-nocookie.example/v/1"


async def test_kortisto_accounting_formats(host, tenant, enable):
    host.register(Recorder("kirjanpito"), "kirjanpito")
    await enable(tenant.slug, "kirjanpito")
    async with tenant_scope(tenant.slug):
        formats = await host.accounting_formats()
    assert [(f["key"], f["plugin"]) for f in formats] == [("simple", "kirjanpito")]


async def test_kortisto_accounting_export(host, tenant, enable):
    host.register(Recorder("kirjanpito"), "kirjanpito")
    await enable(tenant.slug, "kirjanpito")
    orgs = [{"name": "Alfa Oy"}, {"name": "Beta Ab"}]
    async with tenant_scope(tenant.slug):
        assert await host.accounting_export(tenant.slug, "simple", orgs, []) == b"Alfa Oy\nBeta Ab"
        assert await host.accounting_export(tenant.slug, "netvisor", orgs, []) is None


async def test_kortisto_newsletter_subscribe(host, tenant, enable):
    plugin = Recorder("uutiskirje")
    host.register(plugin, "uutiskirje")
    await enable(tenant.slug, "uutiskirje")
    async with tenant_scope(tenant.slug):
        answer = await host.newsletter_subscribe(
            tenant.slug, {"person_id": "p1", "email": "a@x.fi"}
        )
    assert answer == {"external_id": "sub-p1", "processor_key": "posti-eu"}


async def test_kortisto_newsletter_unsubscribe(host, tenant, enable):
    plugin = Recorder("uutiskirje")
    host.register(plugin, "uutiskirje")
    async with tenant_scope(tenant.slug):
        assert await host.newsletter_unsubscribe(tenant.slug, {"id": "s1"}) is None  # not enabled
    await enable(tenant.slug, "uutiskirje")
    async with tenant_scope(tenant.slug):
        assert await host.newsletter_unsubscribe(tenant.slug, {"id": "s1"}) is True
    assert plugin.calls == [("unsubscribe", {"id": "s1"})]


async def test_kortisto_notify_recipient(host, tenant, enable):
    plugin = Recorder("posti")
    host.register(plugin, "posti")
    await enable(tenant.slug, "posti")
    async with tenant_scope(tenant.slug):
        answer = await host.notify_recipient(tenant.slug, {"processor": "Postitus Oy"})
    assert answer == {"plugin": "posti", "reference": "ticket-1"}


# -- enablement ----------------------------------------------------------------------------------


async def test_a_plugin_disabled_for_a_tenant_is_never_called_for_it(host, make_tenant, enable):
    on, off, not_allowed = await make_tenant(), await make_tenant(), await make_tenant()
    plugin = Recorder("posti")
    host.register(plugin, "posti")
    await enable(on.slug, "posti")
    await enable(off.slug, "posti", enabled=False)  # allowed, admin left it off
    # Enabled by the tenant, but the operator does not allow it (any more).
    await enable(not_allowed.slug, "posti")
    async with platform_transaction():
        await plugin_allowances.set_allowed(not_allowed.slug, "posti", False, changed_by="op")
    allowance_reader.forget()
    message = {"to": "a@x.fi", "subject": "S", "body": "B", "kind": "code", "person_id": ""}
    for t in (off, not_allowed, on):
        async with tenant_scope(t.slug):
            await host.send_email(t.slug, message)
            await host.processors()
            await host.newsletter_subscribe(t.slug, {"person_id": "p"})
    assert {c[1].get("tenant") for c in plugin.calls if c[0] == "send_email"} == {on.slug}
    assert len(plugin.calls) == 3  # one of each, all for `on`
    async with tenant_scope(off.slug):
        assert [m["recipient"] for m in await mail.outbox()] == ["a@x.fi"]  # core's default


async def test_credentials_are_sealed_at_rest_and_only_hinted(host, tenant, enable):
    await enable(
        tenant.slug,
        "posti",
        options={"sender": "x@x.fi"},
        secrets={"api_key": "sk-live-SECRET-98761234"},
    )
    async with tenant_scope(tenant.slug):
        raw = await DB.current_connection().fetchrow(
            "SELECT * FROM plugin_setting WHERE plugin = 'posti'"
        )
        shown = await plugin_settings.setting("posti")
        # A blank credential on the next save keeps the stored one.
        await plugin_settings.save(
            "posti",
            enabled=True,
            options={"sender": "y@x.fi"},
            new_secrets={"api_key": ""},
            actor=ADMIN,
        )
        kept = await plugin_settings.options_of("posti")
        events = await audit.events(action_prefix="plugin.")
    assert "SECRET" not in str(dict(raw))
    assert shown["secret_hints"] == {"api_key": "1234"}
    assert "SECRET" not in str(shown)
    assert kept == {"sender": "y@x.fi", "api_key": "sk-live-SECRET-98761234"}
    assert [e["action"] for e in events][-2:] in (
        ["plugin.enabled", "plugin.configured"],
        ["plugin.configured", "plugin.enabled"],
    )
    assert "SECRET" not in str(events)
