"""Admin pages of issue 7: the transfer register (filters, one audited read of the persons
shown), the transfers section of the person page, and the plugin page (only plugins the
operator allowed; enabling with a credential stores it sealed and shows only its end)."""

from __future__ import annotations

import html
import re
import uuid

import pytest

from core import audit, plugin_allowances
from core.contact_gate import PURPOSES
from core.db import DB
from core.hookspecs import hookimpl
from core.persons import PersonInput, create_person
from core.plugin_host import PluginHost, use_host
from core.processors import Processor
from core.transfer_gate import transfer
from tenants import plugin_allowances as allowance_reader
from tenants.scope import platform_transaction, tenant_scope
from web.i18n import use_locale
from web.privacy_labels import contact_purposes

ADMIN = audit.Actor("user", str(uuid.uuid4()), "admin@rekisteri.example")
US = Processor("mailer-us", "Mailer Inc.", "mail", "US", True, "dpf", ("email",), plugin="m")
FI = Processor("posti", "Postitus Oy", "mail", "FI", False, "", ("email",), plugin="p")


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def test_transfer_register_and_person_section(client, tenant):
    slug = tenant.slug
    async with tenant_scope(slug):
        abroad = await create_person(PersonInput(first_name="Ulla", last_name="Ulkomaa"))
        home = await create_person(PersonInput(first_name="Kalle", last_name="Kotimaa"))
        for person, processor in ((abroad, US), (home, FI)):
            await transfer(person, processor=processor, purpose="transfer",
                           categories=["email"], send=lambda: _ref(), actor=ADMIN)  # fmt: skip
    page = await client.get(f"/t/{slug}/admin/transfers/", params={"outside_eea": "yes"})
    assert page.status_code == 200, page.text
    assert "Mailer Inc." in page.text and "Ulla Ulkomaa" in page.text
    # The safeguard in words, as the privacy notice says it, not as a code.
    assert "Data Privacy Framework" in page.text and ">dpf<" not in page.text
    assert "Kotimaa" not in page.text
    async with tenant_scope(slug):
        reads = await DB.current_connection().fetch(
            "SELECT person_id FROM audit_event WHERE action = 'person.read' "
            "AND detail->>'via' = 'transfers'"
        )
    assert [r["person_id"] for r in reads] == [abroad]
    assert (
        "Postitus Oy"
        in (await client.get(f"/t/{slug}/admin/transfers/?processor=Postitus+Oy")).text
    )
    card = await client.get(f"/t/{slug}/persons/{abroad}")
    assert 'data-testid="transfers"' in card.text and "Mailer Inc." in card.text
    section = await client.get(
        f"/t/{slug}/persons/{home}/section/transfers", headers={"HX-Request": "true"}
    )
    assert "Postitus Oy" in section.text and "Mailer Inc." not in section.text


def _purposes_shown(page: str, heading: str) -> list[str]:
    """The texts of the table's purpose cells (their data-label is the column heading)."""
    cells = re.findall(rf'<td data-label="{heading}">([^<]*)</td>', page)
    return sorted(html.unescape(c) for c in cells)


async def test_transfer_purposes_are_shown_in_words(client, tenant):
    slug = tenant.slug
    async with tenant_scope(slug):
        person = await create_person(PersonInput(first_name="Pirjo", last_name="Pyytäjä"))
        for purpose in ("account", "rights_request", "transfer"):
            await transfer(person, processor=FI, purpose=purpose, channel="email",
                           categories=["email"], send=lambda: _ref(), actor=ADMIN)  # fmt: skip
        # A code no label knows (a row written by another version) is shown as written.
        await DB.current_connection().execute(
            "UPDATE transfer SET purpose = 'vanha_koodi' WHERE purpose = 'transfer'"
        )
    url = f"/t/{slug}/admin/transfers/"
    fi = (await client.get(url)).text
    assert _purposes_shown(fi, "Tarkoitus") == [
        "Käyttäjätili (kutsu tai salasanan vaihto)",
        "Vastaus rekisteröidyn pyyntöön",
        "vanha_koodi",
    ]
    await client.switch_language(slug, "en")
    en = (await client.get(url)).text
    assert _purposes_shown(en, "Purpose") == [
        "Reply to the data subject's request",
        "User account (invitation or password reset)",
        "vanha_koodi",
    ]
    # The person page's section uses the same table.
    await client.switch_language(slug, "sv")
    section = await client.get(
        f"/t/{slug}/persons/{person}/section/transfers",
        headers={"HX-Request": "true"},
    )
    assert _purposes_shown(section.text, "Ändamål") == [
        "Användarkonto (inbjudan eller byte av lösenord)",
        "Svar på den registrerades begäran",
        "vanha_koodi",
    ]


def test_every_purpose_the_gate_knows_has_a_label_in_each_language():
    for language in ("fi", "sv", "en"):
        with use_locale(language):
            labels = contact_purposes()
        assert set(labels) == set(PURPOSES), language
        assert all(labels[code] and labels[code] != code for code in PURPOSES), language


async def _ref() -> str:
    return "ref-1"


class Posti:
    @hookimpl
    def kortisto_settings_fields(self):
        return [
            {"name": "sender", "label": {"fi": "Lähettäjä", "en": "Sender"}, "kind": "text",
             "required": True},
            {"name": "api_key", "label": "API-avain", "kind": "secret", "required": True},
        ]  # fmt: skip

    @hookimpl
    def kortisto_processors(self, options):
        return [FI]


async def test_plugin_page_enables_with_a_sealed_credential(client, tenant, monkeypatch):
    host = PluginHost()
    previous = use_host(host)
    try:
        host.register(Posti(), "posti")
        host.register(Posti(), "not-allowed")
        monkeypatch.setattr(plugin_allowances, "known_plugins", lambda: ["posti"])
        async with platform_transaction():
            await plugin_allowances.set_allowed(tenant.slug, "posti", True, changed_by="op")
        allowance_reader.forget()
        url = f"/t/{tenant.slug}/admin/plugins/"
        page = await client.get(url)
        assert page.status_code == 200 and 'data-plugin="posti"' in page.text
        assert "not-allowed" not in page.text and "Postitus Oy" in page.text
        missing = await client.post(url + "posti", data={"enabled": "1", "sender": ""})
        assert missing.status_code == 400 and "Anna Lähettäjä" in missing.text
        secret = "sk-live-SECRET-55554321"
        saved = await client.post(
            url + "posti",
            data={"enabled": "1", "sender": "a@x.fi", "api_key": secret},
            follow_redirects=False,
        )
        assert saved.status_code == 303
        shown = await client.get(url)
        assert "…4321" in shown.text and "SECRET" not in shown.text
        async with tenant_scope(tenant.slug):
            row = await DB.current_connection().fetchrow(
                "SELECT enabled, secrets_sealed::text || options::text AS stored "
                "FROM plugin_setting WHERE plugin = 'posti'"
            )
        assert row["enabled"] and "SECRET" not in row["stored"]
        refused = await client.post(
            url + "not-allowed", data={"enabled": "1"}, follow_redirects=False
        )
        assert refused.status_code == 303
        async with tenant_scope(tenant.slug):
            assert not await DB.current_connection().fetchval(
                "SELECT count(*) FROM plugin_setting WHERE plugin = 'not-allowed'"
            )
    finally:
        use_host(previous)
