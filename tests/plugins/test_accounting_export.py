"""Accounting export plugin + core.accounting_export: each format's output field by field
(Netvisor's XML parses, the CSVs' headers and positions), only billing contacts and only
through the transfer gate (a restricted one refused and left out, one transfer row per
contact, Finnish processor inside the EU), formats follow the tenant's chosen service, and a
disabled plugin is not called."""

import csv
import io
import uuid
from xml.etree import ElementTree

import pytest

import plugins.accounting_export
from core import restriction
from core.accounting_export import UnknownFormat, export, formats
from core.db import DB
from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person
from plugins.accounting_export import formats as writers
from tenants.scope import tenant_scope
from tests.plugins.conftest import ADMIN

BUSINESS_ID = "1234567-1"  # check digit valid


@pytest.fixture
def accounting(host, enable):
    host.register(plugins.accounting_export, "accounting_export")

    async def configure(slug, service="netvisor", enabled=True):
        await enable(slug, "accounting_export", options={"service": service}, enabled=enabled)

    return configure


async def _register() -> dict:
    org = await create_organization(
        OrganizationInput(
            name="Laskutettava Oy",
            business_id=BUSINESS_ID,
            street_address="Kauppakatu 1",
            postal_code="00100",
            city="Helsinki",
            einvoice_address="003712345678",
            einvoice_operator="NDEAFIHH",
        )  # fmt: skip
    )
    org_id = uuid.UUID(str(org["id"]))
    billing = await create_person(
        PersonInput(first_name="Liisa", last_name="Laskuttaja", emails=["liisa@laskutettava.fi"],
                    phones=["+358401234567"], organization_id=org_id, keywords=["Laskutus"])
    )  # fmt: skip
    restricted = await create_person(
        PersonInput(first_name="Rauni", last_name="Rajattu", emails=["rauni@laskutettava.fi"],
                    organization_id=org_id, keywords=["laskutus"])
    )  # fmt: skip
    await restriction.restrict(restricted)
    other = await create_person(
        PersonInput(first_name="Muu", last_name="Myyjä", emails=["muu@laskutettava.fi"],
                    organization_id=org_id)
    )  # fmt: skip
    return {"org": org_id, "billing": billing, "restricted": restricted, "other": other}


async def _transfers() -> list[dict]:
    rows = await DB.current_connection().fetch(
        "SELECT person_id, processor, plugin, country, outside_eea, purpose, categories, status "
        "FROM transfer"
    )
    return [dict(r) for r in rows]


async def test_netvisor_xml_with_billing_contact_through_the_gate(tenant, accounting):
    await accounting(tenant.slug, "netvisor")
    async with tenant_scope(tenant.slug):
        world = await _register()
        offered = [f["key"] for f in await formats()]
        result = await export("netvisor", with_contacts=True, actor=ADMIN)
        transfers = await _transfers()
    assert offered == ["netvisor", "csv"]
    root = ElementTree.fromstring(result.content)
    customers = root.findall("customer")
    assert len(customers) == 1
    base = customers[0].find("customerbaseinformation")
    assert base.findtext("externalidentifier") == BUSINESS_ID
    assert base.findtext("name") == "Laskutettava Oy"
    assert base.findtext("streetaddress") == "Kauppakatu 1"
    assert base.findtext("postnumber") == "00100"
    assert base.findtext("city") == "Helsinki"
    assert base.find("country").get("type") == "ISO-3166" and base.findtext("country") == "FI"
    finvoice = customers[0].find("customerfinvoicedetails")
    assert finvoice.findtext("finvoiceaddress") == "003712345678"
    assert finvoice.findtext("finvoiceroutercode") == "NDEAFIHH"
    contact = customers[0].find("customercontactdetails")
    assert contact.findtext("contactperson") == "Liisa Laskuttaja"
    assert contact.findtext("contactpersonemail") == "liisa@laskutettava.fi"
    assert contact.findtext("contactpersonphone") == "+358401234567"
    assert b"rauni" not in result.content.lower() and b"muu@" not in result.content
    assert result.included == [world["billing"]]
    assert [(r["person_id"], r["reason"]) for r in result.refused] == [
        (world["restricted"], "restricted")
    ]
    assert len(transfers) == 1
    row = transfers[0]
    assert row["person_id"] == world["billing"] and row["status"] == "sent"
    assert (row["country"], row["outside_eea"]) == ("FI", False)
    assert row["plugin"] == "accounting_export" and row["purpose"] == "transfer"
    assert row["processor"] == "Visma Netvisor (Visma Solutions Oy)"


async def test_without_contacts_no_person_leaves_and_no_transfer_row(tenant, accounting):
    await accounting(tenant.slug, "netvisor")
    async with tenant_scope(tenant.slug):
        await _register()
        result = await export("csv", with_contacts=False, actor=ADMIN)
        transfers = await _transfers()
    rows = list(csv.reader(io.StringIO(result.content.decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == writers.GENERIC_COLUMNS
    assert len(rows) == 2 and rows[1][1] == "Laskutettava Oy" and rows[1][12] == ""
    assert transfers == [] and result.included == []


async def test_procountor_layout(tenant, accounting):
    await accounting(tenant.slug, "procountor")
    async with tenant_scope(tenant.slug):
        world = await _register()
        result = await export("procountor", with_contacts=True, actor=ADMIN)
        with pytest.raises(UnknownFormat):
            await export("netvisor", with_contacts=False, actor=ADMIN)
    text = result.content.decode("utf-8")
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 1 and len(rows[0]) == writers.PROCOUNTOR_WIDTH  # no header row
    row = rows[0]
    assert row[0] == "A" and row[1] == BUSINESS_ID and row[2] == "Laskutettava Oy"
    assert row[3:7] == ["Kauppakatu 1", "00100", "Helsinki", "FI"]
    assert row[8:10] == ["003712345678", "NDEAFIHH"]
    assert row[10:12] == ["Liisa Laskuttaja", "liisa@laskutettava.fi"]
    assert row[12] == "'+358401234567"  # a phone never runs as a formula
    assert row[52] == str(world["org"])


async def test_fennoa_layout(tenant, accounting):
    await accounting(tenant.slug, "fennoa")
    async with tenant_scope(tenant.slug):
        await _register()
        result = await export("fennoa", with_contacts=True, actor=ADMIN)
    rows = list(csv.reader(io.StringIO(result.content.decode("utf-8-sig")), delimiter=";"))
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert tuple(header) == writers.FENNOA_COLUMNS
    assert row["Y-tunnus"] == BUSINESS_ID and row["Verkkolaskuosoite"] == "003712345678"
    assert row["Yhteyshenkilö"] == "Liisa Laskuttaja"


async def test_a_disabled_accounting_plugin_is_not_called(tenant, accounting, monkeypatch):
    called = []
    monkeypatch.setitem(writers.WRITERS, "netvisor", lambda *a: called.append(a) or b"x")
    await accounting(tenant.slug, "netvisor", enabled=False)
    async with tenant_scope(tenant.slug):
        await _register()
        assert await formats() == []
        with pytest.raises(UnknownFormat):
            await export("netvisor", with_contacts=True, actor=ADMIN)
        assert await _transfers() == []
    assert called == []
