"""The privacy notice in words: sections of blocks from the facts (core.privacy_notice), then
HTML for the page and plain lines for a diff between versions.

A section is {"key", "heading", "blocks"}; a block is ("p", text), ("ul", [texts]) or
("h3", text). HTML and text come from the same blocks, so what the diff shows is what readers
see. The admin's own words (activity names and purposes, security texts…) are shown as
written; everything else is in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from babel import Locale

from core.privacy_notice import sections_of
from core.privacy_notice_labels import (
    ACTIONS,
    ACTIVITY_CATEGORIES,
    CONTENT_KINDS,
    DATA_ITEMS,
    HEADINGS,
    HOLDS,
    LANGUAGES,
    LAWFUL_BASES,
    PROCESSOR_CATEGORIES,
    ROLES,
    SAFEGUARDS,
    SOURCES,
    TRIGGERS,
    word,
)
from core.privacy_notice_texts import text
from core.settings import get_settings

Block = tuple[str, object]


def country_name(code: str, lang: str) -> str:
    return Locale(lang).territories.get(code.upper(), code) if code else ""


def _date(value: dt.datetime | dt.date | str | None, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    day = value.date() if isinstance(value, dt.datetime) else value
    return f"{day.day}.{day.month}.{day.year}" if lang != "en" else day.isoformat()


def _own_words(value: str, default_key: str, lang: str) -> list[Block]:
    """The admin's text when written (noted as Finnish in sv/en), else the standard one."""
    value = (value or "").strip()
    if not value:
        return [("p", text(default_key, lang))]
    blocks: list[Block] = [] if lang == "fi" else [("p", text("own_words", lang))]
    return blocks + [("p", para) for para in value.split("\n\n") if para.strip()]


def _controller(facts: dict, lang: str) -> list[Block]:
    lines = [facts["controller_name"]]
    if facts["business_id"]:
        lines.append(f"{text('business_id', lang)}: {facts['business_id']}")
    for key in ("address", "phone", "email", "website"):
        if facts[key]:
            lines.append(facts[key] if key == "address" else f"{text(key, lang)}: {facts[key]}")
    return [("ul", lines)]


def _contact(facts: dict, lang: str) -> list[Block]:
    lines = [x for x in (facts["contact_person"], facts["contact_email"]) if x]
    if not lines:
        lines = [x for x in (facts["controller_name"], facts["email"]) if x]
    blocks: list[Block] = [("ul", lines)]
    if facts["dpo_name"]:
        dpo = ", ".join(x for x in (facts["dpo_name"], facts["dpo_email"]) if x)
        blocks.append(("p", f"{text('dpo', lang)}: {dpo}"))
    else:
        blocks.append(("p", text("no_dpo", lang)))
    return blocks


def _purposes(content: dict, lang: str) -> list[Block]:
    if not content["activities"]:
        return [("p", text("no_purposes", lang))]
    blocks: list[Block] = [("p", text("purposes_intro", lang))]
    for activity in content["activities"]:
        blocks.append(("h3", activity["name"]))
        basis = (
            f"6(1)({activity['lawful_basis']}) {word(LAWFUL_BASES, activity['lawful_basis'], lang)}"
        )
        categories = ", ".join(
            word(ACTIVITY_CATEGORIES, c, lang) for c in activity["data_categories"]
        )
        blocks.append(
            (
                "ul",
                [
                    activity["purpose"],
                    f"{text('basis', lang)}: {basis}",
                    f"{text('categories', lang)}: {categories}",
                ],
            )
        )
    return blocks


def _data_content(content: dict, lang: str) -> list[Block]:
    if not content["data"]:
        return [("p", text("no_data", lang))]
    blocks: list[Block] = [
        ("p", text("data_intro", lang)),
        ("ul", [word(DATA_ITEMS, item, lang) for item in content["data"]]),
    ]
    if content["content_kinds"]:
        blocks.append(("p", text("content_intro", lang)))
        blocks.append(("ul", [word(CONTENT_KINDS, k, lang) for k in content["content_kinds"]]))
    return blocks


def _sources(content: dict, lang: str) -> list[Block]:
    if not content["sources"]:
        return [("p", text("no_sources", lang))]
    lines = []
    for source in content["sources"]:
        line = word(SOURCES, source["kind"], lang)
        if source["details"]:
            line += f" ({', '.join(source['details'])})"
        lines.append(line)
    return [("p", text("sources_intro", lang)), ("ul", lines)]


def _processor_line(p: dict, lang: str) -> str:
    where = country_name(p["country"], lang)
    categories = ", ".join(word(PROCESSOR_CATEGORIES, c, lang) for c in p["categories"])
    line = f"{p['name']} – {word(ROLES, p['role'], lang)}"
    service = (p.get("service_words") or {}) and p["service_words"][LANGUAGES.index(lang)]
    service = service or p["service"]
    line += f" ({service}; {where})" if service else f" ({where})"
    return line + (f"; {text('sends', lang)}: {categories}" if categories else "")


def _disclosures(content: dict, lang: str) -> list[Block]:
    blocks: list[Block] = []
    if content["processors"]:
        blocks.append(("p", text("disclosures_intro", lang)))
        blocks.append(("ul", [_processor_line(p, lang) for p in content["processors"]]))
    else:
        blocks.append(("p", text("no_processors", lang)))
    written = [a for a in content["activities"] if a["recipients"].strip()]
    if written:
        blocks.append(
            (
                "ul",
                [f"{a['name']}: {a['recipients']}" for a in written],
            )
        )
    blocks.append(("p", text("authorities", lang)))
    return blocks


def _transfers(content: dict, lang: str) -> list[Block]:
    outside = [p for p in content["processors"] if p["outside_eea"]]
    if not outside:
        return [("p", text("no_transfers", lang))]
    lines = [
        f"{p['name']} ({country_name(p['country'], lang)}): {text('safeguard', lang)}: "
        f"{word(SAFEGUARDS, p['safeguard'], lang)}"
        for p in outside
    ]
    return [("p", text("transfers_intro", lang)), ("ul", lines)]


def _retention(content: dict, lang: str) -> list[Block]:
    blocks: list[Block] = []
    if content["retention_rules"]:
        lines = []
        for rule in content["retention_rules"]:
            what = " / ".join(
                x
                for x in (rule["activity"], word(ACTIVITY_CATEGORIES, rule["data_category"], lang))
                if x
            ) or text("all_data", lang)
            lines.append(
                text(
                    "rule",
                    lang,
                    what=what,
                    months=rule["period_months"],
                    trigger=word(TRIGGERS, rule["trigger"], lang),
                    action=word(ACTIONS, rule["action"], lang),
                )
            )
        blocks += [("p", text("retention_intro", lang)), ("ul", lines)]
    written = [a for a in content["activities"] if a["retention"].strip()]
    if written:
        blocks.append(("ul", [f"{a['name']}: {a['retention']}" for a in written]))
    blocks.append(("p", text("retention_until_erasure", lang)))
    if content["hold_kinds"]:
        holds = ", ".join(word(HOLDS, k, lang) for k in content["hold_kinds"])
        blocks.append(("p", text("holds", lang, holds=holds)))
    return blocks


def _security(facts: dict, lang: str) -> list[Block]:
    return (
        [("h3", text("manual", lang))]
        + _own_words(facts["security_manual"], "security_manual", lang)
        + [("h3", text("electronic", lang))]
        + _own_words(facts["security_electronic"], "security_electronic", lang)
    )


def _rights(content: dict, lang: str) -> list[Block]:
    facts = content["settings"]
    rights = [
        text(key, lang)
        for key in (
            "right_access",
            "right_rectification",
            "right_erasure",
            "right_restriction",
            "right_portability",
            "right_object",
            "right_withdraw",
            "right_complaint",
        )
    ]
    url = f"{get_settings().web.public_url.rstrip('/')}/t/{content['tenant']}/me/requests/"
    blocks: list[Block] = [
        ("p", text("rights_intro", lang)),
        ("ul", rights),
        ("p", text("how_self_service", lang, url=url)),
    ]
    email = facts["contact_email"] or facts["email"] or facts["dpo_email"]
    if email:
        blocks.append(("p", text("how_contact", lang, email=email)))
    return blocks


def _authority(lang: str) -> list[Block]:
    return [
        ("p", text("authority_name", lang)),
        ("p", text("authority_address", lang)),
        ("p", text("authority_contact", lang)),
    ]


def _version(meta: dict, lang: str) -> list[Block]:
    if not meta.get("version"):
        return [("p", text("draft", lang))]
    return [
        (
            "ul",
            [
                f"{text('version_number', lang)} {meta['version']}",
                f"{text('drawn_up', lang)} {_date(meta.get('drawn_up_on'), lang)}",
                f"{text('valid_from', lang)} {_date(meta.get('valid_from'), lang)}",
            ],
        ),
        ("p", text("earlier", lang)),
    ]


def sections(content: dict, lang: str, meta: dict | None = None) -> list[dict]:
    """The notice's sections in `lang` (fi, sv, en); `meta` has version and dates once
    published (none: a draft)."""
    facts = content["settings"]
    register = facts["register_name"] or text(
        "register_default", lang, controller=facts["controller_name"]
    )
    builders = {
        "controller": lambda: _controller(facts, lang),
        "contact": lambda: _contact(facts, lang),
        "register_name": lambda: [("p", register)],
        "purposes": lambda: _purposes(content, lang),
        "data_content": lambda: _data_content(content, lang),
        "sources": lambda: _sources(content, lang),
        "disclosures": lambda: _disclosures(content, lang),
        "transfers": lambda: _transfers(content, lang),
        "retention": lambda: _retention(content, lang),
        "security": lambda: _security(facts, lang),
        "automated_decisions": lambda: _own_words(
            facts["automated_decisions"], "automated_none", lang
        ),
        "cookies": lambda: _own_words(facts["cookies"], "automated_none", lang),
        "rights": lambda: _rights(content, lang),
        "authority": lambda: _authority(lang),
        "version": lambda: _version(meta or {}, lang),
    }
    return [
        {"key": key, "heading": word(HEADINGS, key, lang), "blocks": builders[key]()}
        for key in sections_of(content)
    ]


def section_lines(section: dict) -> list[str]:
    """A section as plain lines (for a diff)."""
    lines: list[str] = []
    for kind, value in section["blocks"]:
        if kind == "ul":
            lines += [f"• {item}" for item in value]
        else:
            lines.append(str(value))
    return lines


def to_html(content: dict, lang: str, meta: dict | None = None) -> str:
    """The notice as an HTML fragment (an <article>), everything escaped."""
    facts = content["settings"]
    register = facts["register_name"] or text(
        "register_default", lang, controller=facts["controller_name"]
    )
    out = [
        f'<article class="privacy-notice" lang="{lang}">',
        f"<h1>{escape(word(HEADINGS, 'title', lang))}: {escape(register)}</h1>",
    ]
    for number, section in enumerate(sections(content, lang, meta), start=1):
        out.append(f'<section id="{section["key"]}">')
        out.append(f"<h2>{number}. {escape(section['heading'])}</h2>")
        for kind, value in section["blocks"]:
            if kind == "ul":
                items = "".join(f"<li>{escape(str(item))}</li>" for item in value)
                out.append(f"<ul>{items}</ul>")
            else:
                out.append(f"<{kind}>{escape(str(value))}</{kind}>")
        out.append("</section>")
    out.append("</article>")
    return "\n".join(out)
