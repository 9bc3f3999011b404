"""Records of processing activities (GDPR Art. 30) from the same live facts as the notice.

- Art. 30(1), the tenant as controller: one row per active processing activity with the
  controller's and DPO's contacts, purpose, lawful basis, data subjects, data, recipients,
  transfers outside the EU/EEA with safeguards, retention and the security measures.
- Art. 30(2), the agency as processor for this tenant: one row per kind of processing the
  agency carries out (hosting the register, backups, support under break-glass), with the
  sub-processors the tenant enabled, transfers and security.

CSV (UTF-8 with BOM so spreadsheets read ä/ö) and an HTML table; the column names are in the
chosen language (fi, sv, en). Runs inside a tenant scope.
"""

from __future__ import annotations

import csv
import io
import os
from html import escape

from core.privacy_notice import build_content
from core.privacy_notice_labels import (
    ACTIVITY_CATEGORIES,
    LANGUAGES,
    LAWFUL_BASES,
    SAFEGUARDS,
    Words,
    word,
)
from core.privacy_notice_render import country_name
from core.privacy_notice_texts import text

KINDS = ("controller", "processor")
# The agency running the platform; one name for every tenant, from the environment.
AGENCY_NAME_VARIABLE = "KORTISTO_AGENCY_NAME"

COLUMNS: dict[str, dict[str, Words]] = {
    "controller": {
        "controller": ("Rekisterinpitäjä", "Personuppgiftsansvarig", "Controller"),
        "dpo": ("Tietosuojavastaava", "Dataskyddsombud", "Data protection officer"),
        "activity": ("Käsittelytoimi", "Behandling", "Processing activity"),
        "purpose": ("Tarkoitus", "Ändamål", "Purpose"),
        "basis": ("Oikeusperuste", "Rättslig grund", "Lawful basis"),
        "subjects": ("Rekisteröidyt", "Registrerade", "Data subjects"),
        "data": ("Henkilötietoryhmät", "Kategorier av personuppgifter", "Categories of data"),
        "recipients": ("Vastaanottajat", "Mottagare", "Recipients"),
        "transfers": (
            "Siirrot EU/ETA:n ulkopuolelle",
            "Överföringar utanför EU/EES",
            "Transfers outside the EU/EEA",
        ),
        "retention": ("Säilytysaika", "Lagringstid", "Retention"),
        "security": ("Suojatoimet", "Säkerhetsåtgärder", "Security measures"),
    },
    "processor": {
        "processor": ("Käsittelijä", "Personuppgiftsbiträde", "Processor"),
        "controller": ("Rekisterinpitäjä", "Personuppgiftsansvarig", "Controller"),
        "processing": ("Käsittelyn laji", "Typ av behandling", "Category of processing"),
        "subprocessors": ("Alihankkijat", "Underbiträden", "Sub-processors"),
        "transfers": (
            "Siirrot EU/ETA:n ulkopuolelle",
            "Överföringar utanför EU/EES",
            "Transfers outside the EU/EEA",
        ),
        "security": ("Suojatoimet", "Säkerhetsåtgärder", "Security measures"),
    },
}

SUBJECTS: Words = (
    "asiakkaat ja asiakasyritysten yhteyshenkilöt, meihin yhteyttä ottaneet",
    "kunder och kontaktpersoner hos kundföretag, personer som kontaktat oss",
    "customers and contact persons of customer companies, people who contacted us",
)
PROCESSING: dict[str, Words] = {
    "hosting": (
        "rekisterin ylläpito ja tallennus (tietokanta, tiedostot)",
        "drift och lagring av registret (databas, filer)",
        "hosting and storing the register (database, files)",
    ),
    "backup": ("varmuuskopiointi", "säkerhetskopiering", "backups"),
    "support": (
        "tekninen tuki; pääsy tietoihin vain rekisterinpitäjän näkemällä, määräaikaisella ja "
        "lokiin kirjatulla luvalla",
        "teknisk support; åtkomst till uppgifterna endast med ett tidsbegränsat och loggat "
        "tillstånd som den personuppgiftsansvarige ser",
        "technical support; access to the data only under a time-limited, logged grant the "
        "controller can see",
    ),
}


def agency_name() -> str:
    return os.environ.get(AGENCY_NAME_VARIABLE, "").strip() or "Kortisto"


def _transfers(content: dict, lang: str) -> str:
    outside = [p for p in content["processors"] if p["outside_eea"]]
    if not outside:
        return text("no_transfers", lang)
    return "; ".join(
        f"{p['name']} ({country_name(p['country'], lang)}): "
        f"{word(SAFEGUARDS, p['safeguard'], lang)}"
        for p in outside
    )


def _security(facts: dict, lang: str) -> str:
    manual = facts["security_manual"] or text("security_manual", lang)
    electronic = facts["security_electronic"] or text("security_electronic", lang)
    return f"{electronic} {manual}"


def _controller_rows(content: dict, lang: str) -> list[dict]:
    facts = content["settings"]
    controller = ", ".join(
        x
        for x in (facts["controller_name"], facts["business_id"], facts["address"], facts["email"])
        if x
    )
    dpo = ", ".join(x for x in (facts["dpo_name"], facts["dpo_email"]) if x) or "–"
    processors = ", ".join(p["name"] for p in content["processors"])
    return [
        {
            "controller": controller,
            "dpo": dpo,
            "activity": a["name"],
            "purpose": a["purpose"],
            "basis": f"6(1)({a['lawful_basis']}) {word(LAWFUL_BASES, a['lawful_basis'], lang)}",
            "subjects": SUBJECTS[LANGUAGES.index(lang)],
            "data": ", ".join(word(ACTIVITY_CATEGORIES, c, lang) for c in a["data_categories"]),
            "recipients": "; ".join(x for x in (a["recipients"], processors) if x),
            "transfers": _transfers(content, lang),
            "retention": a["retention"],
            "security": _security(facts, lang),
        }
        for a in content["activities"]
    ]


def _processor_rows(content: dict, lang: str) -> list[dict]:
    facts = content["settings"]
    controller = ", ".join(x for x in (facts["controller_name"], facts["email"]) if x)
    subs = (
        "; ".join(
            f"{p['name']} ({country_name(p['country'], lang)})" for p in content["processors"]
        )
        or "–"
    )
    return [
        {
            "processor": agency_name(),
            "controller": controller,
            "processing": words[LANGUAGES.index(lang)],
            "subprocessors": subs,
            "transfers": _transfers(content, lang),
            "security": text("security_electronic", lang),
        }
        for words in PROCESSING.values()
    ]


async def records(kind: str, lang: str = "fi") -> tuple[list[str], list[dict]]:
    """(column titles, rows keyed by column) for `kind` in `lang`."""
    if kind not in KINDS or lang not in LANGUAGES:
        raise ValueError(f"unknown record {kind!r} / {lang!r}")
    content = await build_content()
    rows = (
        _controller_rows(content, lang) if kind == "controller" else _processor_rows(content, lang)
    )
    titles = [words[LANGUAGES.index(lang)] for words in COLUMNS[kind].values()]
    return titles, rows


def to_csv(titles: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(titles)
    for row in rows:
        writer.writerow(list(row.values()))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_html_table(titles: list[str], rows: list[dict]) -> str:
    head = "".join(f'<th scope="col">{escape(t)}</th>' for t in titles)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row.values()) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
