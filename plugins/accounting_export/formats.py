"""The file layouts the accounting export writes: Netvisor's customer XML, Procountor's and
Fennoa's import CSVs and a generic CSV. Only billing-relevant fields go in (data
minimisation): the organization's name, business ID, VAT number, postal address, e-invoice
address (OVT) and operator, and, when the admin asked, the billing contact's name, e-mail and
phone.

What the public documentation says and what is our own choice:
- Netvisor: element names of its customer import (`customer.nv`: root/customer/
  customerbaseinformation with externalidentifier = business ID, name, streetaddress, city,
  postnumber, country type="ISO-3166"; customerfinvoicedetails with finvoiceaddress and
  finvoiceroutercode; customercontactdetails with contactperson, contactpersonemail,
  contactpersonphone). Netvisor's API takes one customer per call; the file holds one
  `customer` element per organization under one `root`, for an integration to post one by one.
- Procountor: its business partner import is semicolon-separated, without a header row, and
  matched by the business ID in field 2 (column B) and the customer number in field 53
  (column BA). The full field table was not found in what we could read; the other positions
  below are our documented layout (`PROCOUNTOR_FIELDS`), to be checked against Procountor's
  current template before production use.
- Fennoa: no public specification of its customer import was found; the layout is a
  documented semicolon CSV with a Finnish header row (`FENNOA_COLUMNS`) that Fennoa's import
  can map column by column.
- Generic CSV: UTF-8 with BOM, `;`, English header row (`GENERIC_COLUMNS`), formulas
  neutralised as in every Kortisto CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from xml.etree import ElementTree

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _csv(rows: Iterable[Iterable[object]], *, bom: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def _contacts_by_org(contacts: list[dict]) -> dict[str, list[dict]]:
    by_org: dict[str, list[dict]] = {}
    for contact in contacts:
        by_org.setdefault(str(contact["organization_id"]), []).append(contact)
    return by_org


def _name(contact: dict | None) -> str:
    if not contact:
        return ""
    return f"{contact.get('first_name', '')} {contact.get('last_name', '')}".strip()


def _first(contacts: list[dict]) -> dict | None:
    return contacts[0] if contacts else None


# -- Netvisor ---------------------------------------------------------------------------------


def netvisor_xml(organizations: list[dict], contacts: list[dict]) -> bytes:
    by_org = _contacts_by_org(contacts)
    root = ElementTree.Element("root")
    for org in organizations:
        customer = ElementTree.SubElement(root, "customer")
        base = ElementTree.SubElement(customer, "customerbaseinformation")
        for tag, value in (
            ("externalidentifier", org.get("business_id") or ""),
            ("name", org["name"]),
            ("streetaddress", org.get("address") or ""),
            ("city", org.get("city") or ""),
            ("postnumber", org.get("postal_code") or ""),
        ):
            ElementTree.SubElement(base, tag).text = value
        country = ElementTree.SubElement(base, "country", type="ISO-3166")
        country.text = org.get("country") or "FI"
        if org.get("e_invoice_address"):
            finvoice = ElementTree.SubElement(customer, "customerfinvoicedetails")
            ElementTree.SubElement(finvoice, "finvoiceaddress").text = org["e_invoice_address"]
            ElementTree.SubElement(finvoice, "finvoiceroutercode").text = (
                org.get("e_invoice_operator") or ""
            )
        contact = _first(by_org.get(str(org["id"]), []))
        if contact:
            details = ElementTree.SubElement(customer, "customercontactdetails")
            ElementTree.SubElement(details, "contactperson").text = _name(contact)
            ElementTree.SubElement(details, "contactpersonemail").text = contact.get("email", "")
            ElementTree.SubElement(details, "contactpersonphone").text = contact.get("phone", "")
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


# -- Procountor -------------------------------------------------------------------------------

# (field number, what) of the business partner import; 2 and 53 are documented by Procountor.
PROCOUNTOR_FIELDS = (
    (1, "type: A = customer"),
    (2, "business ID"),
    (3, "name"),
    (4, "street address"),
    (5, "postal code"),
    (6, "city"),
    (7, "country (ISO code)"),
    (8, "VAT number"),
    (9, "e-invoice address (OVT)"),
    (10, "e-invoice operator"),
    (11, "billing contact name"),
    (12, "billing contact e-mail"),
    (13, "billing contact phone"),
    (53, "customer number (Kortisto's organization id)"),
)
PROCOUNTOR_WIDTH = 53


def procountor_csv(organizations: list[dict], contacts: list[dict]) -> bytes:
    by_org = _contacts_by_org(contacts)
    rows = []
    for org in organizations:
        contact = _first(by_org.get(str(org["id"]), []))
        row = [""] * PROCOUNTOR_WIDTH
        values = {
            1: "A",
            2: org.get("business_id") or "",
            3: org["name"],
            4: org.get("address") or "",
            5: org.get("postal_code") or "",
            6: org.get("city") or "",
            7: org.get("country") or "FI",
            8: org.get("vat_id") or "",
            9: org.get("e_invoice_address") or "",
            10: org.get("e_invoice_operator") or "",
            11: _name(contact),
            12: (contact or {}).get("email", ""),
            13: (contact or {}).get("phone", ""),
            53: str(org["id"]),
        }
        for field, value in values.items():
            row[field - 1] = value
        rows.append(row)
    # No header row and no byte-order mark: Procountor reads records from the first cell.
    return _csv(rows, bom=False)


# -- Fennoa -----------------------------------------------------------------------------------

FENNOA_COLUMNS = (
    "Asiakasnumero",
    "Nimi",
    "Y-tunnus",
    "ALV-tunnus",
    "Katuosoite",
    "Postinumero",
    "Postitoimipaikka",
    "Maa",
    "Verkkolaskuosoite",
    "Välittäjätunnus",
    "Yhteyshenkilö",
    "Sähköposti",
    "Puhelin",
)


def fennoa_csv(organizations: list[dict], contacts: list[dict]) -> bytes:
    by_org = _contacts_by_org(contacts)
    rows: list[list[object]] = [list(FENNOA_COLUMNS)]
    for org in organizations:
        contact = _first(by_org.get(str(org["id"]), []))
        rows.append(
            [
                str(org["id"]),
                org["name"],
                org.get("business_id") or "",
                org.get("vat_id") or "",
                org.get("address") or "",
                org.get("postal_code") or "",
                org.get("city") or "",
                org.get("country") or "FI",
                org.get("e_invoice_address") or "",
                org.get("e_invoice_operator") or "",
                _name(contact),
                (contact or {}).get("email", ""),
                (contact or {}).get("phone", ""),
            ]
        )
    return _csv(rows, bom=True)


# -- generic CSV ------------------------------------------------------------------------------

GENERIC_COLUMNS = (
    "organization_id",
    "name",
    "business_id",
    "vat_number",
    "street_address",
    "postal_code",
    "city",
    "country",
    "einvoice_address",
    "einvoice_operator",
    "contact_first_name",
    "contact_last_name",
    "contact_email",
    "contact_phone",
)


def generic_csv(organizations: list[dict], contacts: list[dict]) -> bytes:
    """One row per organization and billing contact (an organization without one: one row)."""
    by_org = _contacts_by_org(contacts)
    rows: list[list[object]] = [list(GENERIC_COLUMNS)]
    for org in organizations:
        base = [
            str(org["id"]),
            org["name"],
            org.get("business_id") or "",
            org.get("vat_id") or "",
            org.get("address") or "",
            org.get("postal_code") or "",
            org.get("city") or "",
            org.get("country") or "FI",
            org.get("e_invoice_address") or "",
            org.get("e_invoice_operator") or "",
        ]
        for contact in by_org.get(str(org["id"]), []) or [None]:
            c = contact or {}
            rows.append(
                base
                + [
                    c.get("first_name", ""),
                    c.get("last_name", ""),
                    c.get("email", ""),
                    c.get("phone", ""),
                ]  # fmt: skip
            )
    return _csv(rows, bom=True)


WRITERS = {
    "netvisor": netvisor_xml,
    "procountor": procountor_csv,
    "fennoa": fennoa_csv,
    "csv": generic_csv,
}
