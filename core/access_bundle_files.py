"""The access copy as files in one zip: data.json (portability), csv/<category>.csv, index.html
(readable, in the person's language) and attachments/<n>-<filename> (the card's files)."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jinja2 import Environment

from core.access_bundle import CATEGORIES
from core.access_bundle_labels import CATEGORY_TITLES, COLUMNS, TEXTS, pick, value_label
from core.csv_io import neutralise

FORMAT_VERSION = 1

_PAGE = """<!doctype html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t("title") }} – {{ controller }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:auto;padding:1rem;line-height:1.4}
table{border-collapse:collapse;width:100%;margin-bottom:1rem}th,td{border:1px solid #999;
padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#eee}</style></head>
<body><main>
<h1>{{ t("title") }}</h1>
<p>{{ t("intro").format(controller=controller) }}</p>
<p>{{ t("made") }}: <time datetime="{{ made_at.isoformat() }}">
{{- made_at.strftime("%Y-%m-%d %H:%M %Z") }}</time></p>
<nav aria-labelledby="toc"><h2 id="toc">{{ t("contents") }}</h2><ul>
{% for c in categories %}<li><a href="#{{ c }}">{{ title(c) }}</a></li>{% endfor %}</ul></nav>
<section aria-labelledby="card"><h2 id="card">{{ title("card") }}</h2><dl>
{% for key, value in card.items() %}<dt>{{ col(key) }}</dt>
<dd>{{ cell(value, key) or "–" }}</dd>{% endfor %}
</dl>{% if card.personal_identity_code %}<p>{{ t("hetu_note") }}</p>{% endif %}</section>
{% for c in categories[1:] %}<section aria-labelledby="{{ c }}"><h2 id="{{ c }}">{{ title(c) }}</h2>
{% set rows = data[c] %}{% if rows %}<table><thead><tr>
{% for key in rows[0].keys() %}<th scope="col">{{ col(key) }}</th>{% endfor %}</tr></thead><tbody>
{% for row in rows %}<tr>
{%- for key, value in row.items() %}<td>{{ cell(value, key) }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>{% if c == "attachments" %}<p>{{ t("files_note") }}</p>{% endif %}
{% else %}<p>{{ t("none") }}</p>{% endif %}</section>
{% endfor %}</main></body></html>
"""

_env = Environment(autoescape=True, keep_trailing_newline=True)  # noqa: S701 - autoescape on
_page = _env.from_string(_PAGE)


def plain(value: Any) -> Any:
    """A JSON-ready value: times and dates as ISO 8601, ids and decimals as strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def _text(value: Any, language: str = "fi", column: str = "") -> str:
    """A cell as text; on the readable page (`column` given) codes and booleans in words."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return pick(TEXTS, "yes" if value else "no", language)
    if isinstance(value, list | tuple):
        return "; ".join(_text(v, language) for v in value)
    text = str(plain(value))
    return value_label(column, text, language) if column else text


def with_file_paths(data: dict[str, Any]) -> dict[str, Any]:
    """The attachments' rows name their file in the zip instead of the internal object key."""
    rows = []
    for n, row in enumerate(data.get("attachments", []), start=1):
        row = {k: v for k, v in row.items() if k != "object_key"}
        row["path"] = attachment_path(n, row["filename"])
        rows.append(row)
    return {**data, "attachments": rows}


def attachment_path(n: int, filename: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in filename) or "file"
    return f"attachments/{n:03d}-{safe}"


def to_json(data: dict[str, Any], *, controller: str, made_at: datetime) -> bytes:
    document = {
        "format": "kortisto-access-copy",
        "version": FORMAT_VERSION,
        "controller": controller,
        "made_at": made_at.isoformat(),
        **{c: plain(data[c]) for c in CATEGORIES},
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def to_csv(category: str, data: dict[str, Any]) -> bytes:
    """One category as CSV (UTF-8 with BOM for spreadsheets; cells safe from formulas)."""
    rows = [data["card"]] if category == "card" else data[category]
    out = io.StringIO()
    writer = csv.writer(out)
    if rows:
        writer.writerow(rows[0].keys())
        for row in rows:
            writer.writerow([neutralise(_text(v)) for v in row.values()])
    return ("\ufeff" + out.getvalue()).encode()


def to_html(data: dict[str, Any], *, controller: str, made_at: datetime, language: str) -> bytes:
    return _page.render(
        lang=language,
        controller=controller,
        made_at=made_at,
        categories=CATEGORIES,
        card=data["card"],
        data=data,
        t=lambda key: pick(TEXTS, key, language),
        title=lambda key: pick(CATEGORY_TITLES, key, language),
        col=lambda key: pick(COLUMNS, key, language),
        cell=lambda value, key="": _text(value, language, key),
    ).encode()


def to_zip(
    data: dict[str, Any],
    *,
    controller: str,
    made_at: datetime,
    language: str,
    files: dict[str, bytes] | None = None,
) -> bytes:
    """The whole copy; `files` maps a path in the zip (attachment_path) to the file's bytes."""
    data = with_file_paths(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "index.html", to_html(data, controller=controller, made_at=made_at, language=language)
        )
        archive.writestr("data.json", to_json(data, controller=controller, made_at=made_at))
        for category in CATEGORIES:
            archive.writestr(f"csv/{category}.csv", to_csv(category, data))
        for path, content in (files or {}).items():
            archive.writestr(path, content)
    return buffer.getvalue()
