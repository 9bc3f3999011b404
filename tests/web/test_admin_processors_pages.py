"""The admins' processors page: the enabled plugins' processors listed read-only with the
safeguard in words; processors and recipients that are not plugins added, edited and
deactivated with inline errors that say what to fix; every change audited; the list is the one
the privacy notice reads (core.processors.tenant_processors). Staff get 403 (the authorization
matrix walks every route as every role)."""

from __future__ import annotations

import uuid

import pytest

from core import audit, plugin_allowances, plugin_settings
from core.db import DB
from core.hookspecs import hookimpl
from core.plugin_host import PluginHost, use_host
from core.processors import Processor, tenant_processors
from tenants import plugin_allowances as allowance_reader
from tenants.scope import platform_transaction, tenant_scope

ADMIN = audit.Actor("user", str(uuid.uuid4()), "admin@rekisteri.example")
MAILER = Processor(
    "mailer-us",
    "Mailer Inc.",
    "e-mail delivery",
    "US",
    True,
    "dpf",
    ("name", "email"),
    dpa_reference="Mailer DPA 2025-01",
)


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant(name="Käsittely Oy")


class Mailer:
    @hookimpl
    def kortisto_processors(self, options):
        return [MAILER]


async def _processor_rows(slug: str) -> list[dict]:
    async with tenant_scope(slug):
        rows = await DB.current_connection().fetch(
            "SELECT id, name, country, outside_eea, safeguard, categories, role, active "
            "FROM tenant_processor ORDER BY name"
        )
    return [dict(r) for r in rows]


async def _actions(slug: str) -> list[str]:
    async with tenant_scope(slug):
        rows = await DB.current_connection().fetch(
            "SELECT action FROM audit_event WHERE object_kind = 'tenant_processor' ORDER BY at, id"
        )
    return [r["action"] for r in rows]


async def test_enabled_plugins_processors_are_listed_read_only(client, tenant, monkeypatch):
    host = PluginHost()
    previous = use_host(host)
    try:
        host.register(Mailer(), "mailer")
        host.register(Mailer(), "off")  # installed and allowed, never enabled by the admin
        monkeypatch.setattr(plugin_allowances, "known_plugins", lambda: ["mailer", "off"])
        async with platform_transaction():
            for name in ("mailer", "off"):
                await plugin_allowances.set_allowed(tenant.slug, name, True, changed_by="op")
        allowance_reader.forget()
        url = f"/t/{tenant.slug}/admin/processors/"
        before = await client.get(url)
        assert before.status_code == 200
        assert "Mailer Inc." not in before.text  # nothing enabled yet
        async with tenant_scope(tenant.slug):
            await plugin_settings.save(
                "mailer", enabled=True, options={}, new_secrets={}, actor=ADMIN
            )
        page = await client.get(url)
        assert page.status_code == 200
        declared = page.text.split('data-testid="declared-processors"')[1].split("</table>")[0]
        assert "Mailer Inc." in declared and "e-mail delivery" in declared
        assert "Yhdysvallat (US)" in declared and "EU/ETA:n ulkopuolella" in declared
        assert "EU:n ja Yhdysvaltojen välinen tietosuojakehys" in declared
        assert "sähköpostiosoite" in declared and "Mailer DPA 2025-01" in declared
        assert "mailer" in declared and declared.count("Mailer Inc.") == 1  # "off" not asked
        assert "/admin/processors/mailer" not in page.text  # no edit link: read-only
    finally:
        use_host(previous)


async def test_add_edit_deactivate_with_errors_that_say_what_to_fix(client, tenant):
    slug = tenant.slug
    base = f"/t/{slug}/admin/processors"
    form = await client.get(f"{base}/new")
    assert form.status_code == 200 and 'name="country"' in form.text
    assert "Vakiosopimuslausekkeet" in form.text or "vakiosopimuslausekkeet" in form.text

    bad = await client.post(
        f"{base}/new",
        data={"name": "", "country": "USA", "role": "processor", "categories": "dna"},
    )
    assert bad.status_code == 400
    assert "Anna käsittelijän tai vastaanottajan nimi." in bad.text
    assert "”USA” ei ole kaksikirjaiminen ISO 3166 -maakoodi" in bad.text
    assert "Valitse tietoryhmät luettelosta." in bad.text
    assert 'data-testid="error-summary"' in bad.text and 'aria-invalid="true"' in bad.text
    assert 'value="USA"' in bad.text  # what was typed stays in the form

    no_safeguard = await client.post(
        f"{base}/new",
        data={"name": "Pilvi Inc.", "country": "us", "role": "processor", "categories": "email"},
    )
    assert no_safeguard.status_code == 400
    assert "Maa on EU:n ja ETA:n ulkopuolella: valitse siirron suojatoimi." in no_safeguard.text
    dpf_abroad = await client.post(
        f"{base}/new",
        data={"name": "Cloud Ltd", "country": "IN", "safeguard": "dpf", "categories": "email",
              "role": "processor"},
    )  # fmt: skip
    assert dpf_abroad.status_code == 400
    assert "koskee vain Yhdysvaltoja (US)" in dpf_abroad.text
    no_categories = await client.post(
        f"{base}/new", data={"name": "Tyhjä Oy", "country": "FI", "role": "processor"}
    )
    assert no_categories.status_code == 400
    assert "Valitse vähintään yksi tietoryhmä" in no_categories.text
    assert await _processor_rows(slug) == []

    added = await client.post(
        f"{base}/new",
        data={
            "name": "Pilvi Inc.",
            "service": "hosting",
            "country": "us",
            "safeguard": "scc_2021_914",
            "categories": ["name", "email", "content"],
            "dpa_reference": "DPA 2024",
            "role": "processor",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    [row] = await _processor_rows(slug)
    assert row["country"] == "US" and row["outside_eea"] is True
    assert row["safeguard"] == "scc_2021_914"
    assert row["categories"] == ["name", "email", "content"]
    listed = await client.get(f"{base}/?done=added")
    added_table = listed.text.split('data-testid="added-processors"')[1].split("</table>")[0]
    assert "Pilvi Inc." in added_table and "vakiosopimuslausekkeet (2021/914)" in added_table
    assert "Käsittelijä lisättiin." in listed.text

    edit = await client.get(f"{base}/{row['id']}")
    assert edit.status_code == 200 and 'value="DPA 2024"' in edit.text
    moved = await client.post(
        f"{base}/{row['id']}",
        data={
            "name": "Pilvi Oy",
            "country": "SE",
            "safeguard": "scc_2021_914",  # inside the EEA: no safeguard is kept
            "categories": ["name"],
            "role": "recipient",
        },
        follow_redirects=False,
    )
    assert moved.status_code == 303
    [row] = await _processor_rows(slug)
    assert (row["name"], row["country"], row["outside_eea"]) == ("Pilvi Oy", "SE", False)
    assert row["safeguard"] == "" and row["role"] == "recipient"
    async with tenant_scope(slug):
        assert [p.name for p in await tenant_processors()] == ["Pilvi Oy"]

    r = await client.post(f"{base}/{row['id']}/deactivate", follow_redirects=False)
    assert r.status_code == 303
    [row] = await _processor_rows(slug)
    assert row["active"] is False
    async with tenant_scope(slug):
        assert await tenant_processors() == []  # gone from the notice's list, row kept
    page = await client.get(f"{base}/")
    assert "Pilvi Oy" in page.text and "Poistettu käytöstä" in page.text
    assert await _actions(slug) == [
        "tenant_processor.create",
        "tenant_processor.update",
        "tenant_processor.deactivate",
    ]
    assert (await client.get(f"{base}/{uuid.uuid4()}")).status_code == 404
    assert (await client.get(f"{base}/not-an-id")).status_code == 404


async def test_admin_navigation_links_the_page(client, tenant):
    page = await client.get(f"/t/{tenant.slug}/admin/transfers/")
    assert f'href="/t/{tenant.slug}/admin/processors/"' in page.text


async def test_the_page_speaks_swedish_and_english(client, tenant):
    base = f"/t/{tenant.slug}/admin/processors"
    r = await client.post(
        f"{base}/new",
        data={"name": "Cloud Inc.", "country": "US", "safeguard": "dpf", "role": "processor",
              "categories": ["email"]},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    await client.switch_language(tenant.slug, "sv")
    sv = await client.get(f"{base}/")
    assert "Personuppgiftsbiträden och mottagare" in sv.text and "USA (US)" in sv.text
    assert "dataskyddsramen mellan EU och USA" in sv.text and "e-postadress" in sv.text
    await client.switch_language(tenant.slug, "en")
    en = await client.get(f"{base}/")
    assert "Processors and recipients" in en.text and "United States (US)" in en.text
    assert "the EU–US Data Privacy Framework" in en.text and "Outside the EU/EEA" in en.text
    bad = await client.post(
        f"{base}/new", data={"name": "X", "country": "ZZ", "categories": ["email"],
                             "role": "processor"},
    )  # fmt: skip
    assert "“ZZ” is not a 2-letter ISO 3166 country code" in bad.text
