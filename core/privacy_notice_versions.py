"""Published versions of the privacy notice: publish the current draft, list and read the kept
versions, and compare the draft with the last published one section by section.

A version keeps the facts it was drawn from (`content`) and its text in fi, sv and en
(`rendered`), so a published notice never changes when settings change later; consents point
at a version number. Versions are never edited or deleted.

Runs inside a tenant scope.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import uuid

from core import audit
from core.db import DB
from core.privacy_notice import build_content
from core.privacy_notice_labels import LANGUAGES
from core.privacy_notice_render import section_lines, sections, to_html

_COLUMNS = "id, version, drawn_up_on, valid_from, content, rendered, published_by"


def _row(row) -> dict:
    item = dict(row)
    for key in ("content", "rendered"):
        if isinstance(item[key], str):
            item[key] = json.loads(item[key])
    return item


def meta_of(version: dict) -> dict:
    return {
        "version": version["version"],
        "drawn_up_on": version["drawn_up_on"],
        "valid_from": version["valid_from"],
    }


async def publish(*, actor: audit.Actor, valid_from: dt.date | None = None) -> dict:
    """Publish the notice as the register stands now; returns the new version."""
    conn = DB.current_connection()
    # Two admins publishing at once get consecutive numbers, not a unique violation.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':pnv'))")
    number = await conn.fetchval("SELECT coalesce(max(version), 0) + 1 FROM privacy_notice_version")
    content = await build_content()
    now = dt.datetime.now(dt.UTC)
    starts = (
        dt.datetime.combine(valid_from, dt.time(), tzinfo=dt.UTC) if valid_from is not None else now
    )
    meta = {"version": number, "drawn_up_on": now, "valid_from": starts}
    rendered = {lang: to_html(content, lang, meta) for lang in LANGUAGES}
    version_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO privacy_notice_version (id, version, drawn_up_on, valid_from, content, "
        "rendered, published_by) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)",
        version_id,
        number,
        now,
        starts,
        json.dumps(content),
        json.dumps(rendered),
        actor.label,
    )
    await audit.record(
        "privacy_notice.publish",
        actor=actor,
        object_kind="privacy_notice_version",
        object_id=version_id,
        detail={"version": number},
    )
    return await get_version(number)


async def list_versions() -> list[dict]:
    """Newest first, without their texts."""
    rows = await DB.current_connection().fetch(
        "SELECT version, drawn_up_on, valid_from, published_by FROM privacy_notice_version "
        "ORDER BY version DESC"
    )
    return [dict(r) for r in rows]


async def get_version(number: int | None = None) -> dict | None:
    """One version by number, or the latest published one (None: nothing published)."""
    conn = DB.current_connection()
    if number is None:
        row = await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM privacy_notice_version ORDER BY version DESC LIMIT 1"
        )
    else:
        row = await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM privacy_notice_version WHERE version = $1", number
        )
    return _row(row) if row else None


def compare(old_content: dict | None, new_content: dict, lang: str = "fi") -> list[dict]:
    """Section by section: {"key", "heading", "status" (same | changed | added | removed),
    "lines": [(mark, text)]} where mark is "+", "-" or " ". The version section is left
    out (it always differs)."""
    new = {s["key"]: s for s in sections(new_content, lang) if s["key"] != "version"}
    old = (
        {s["key"]: s for s in sections(old_content, lang) if s["key"] != "version"}
        if old_content is not None
        else {}
    )
    result = []
    for key in list(new) + [k for k in old if k not in new]:
        before = section_lines(old[key]) if key in old else []
        after = section_lines(new[key]) if key in new else []
        lines = [
            (line[0], line[2:])
            for line in difflib.ndiff(before, after)
            if line[:1] in ("+", "-", " ")
        ]
        if key not in old:
            status = "added"
        elif key not in new:
            status = "removed"
        else:
            status = "same" if before == after else "changed"
        heading = (new.get(key) or old[key])["heading"]
        result.append({"key": key, "heading": heading, "status": status, "lines": lines})
    return result
