"""The rows of a CSV import, checked one by one (inside a tenant scope; writes nothing).

Every row of the file (read by `core.csv_io`) is checked with the same rules as the forms and
the API, matched against the register for duplicates (`core.duplicates` for persons) and
against the rows above it in the same file. A person row's organization is resolved to an
existing one or planned for creation. `core.imports` builds the preview from these rows and
commits it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

from core.csv_io import ParsedCsv
from core.db import DB
from core.duplicates import find_duplicates
from core.organizations import OrganizationInput, clean
from core.persons import PersonInput, clean_person, split_list
from core.suppression import find_suppressed
from core.text import search_form
from core.validation import (
    ValidationFailed,
    normalise_business_id,
    normalise_email,
    normalise_phone,
)

ORGANIZATION_NAME_SIMILARITY = 0.6
_ACTIVE = {"", "active", "aktiivinen", "kaytossa", "aktiv"}
_INACTIVE = {"inactive", "passiivinen", "ei aktiivinen", "lakannut", "inaktiv", "passiv"}


@dataclass
class Issue:
    field: str
    code: str
    message: str  # English, from core; the web layer translates by (field, code)


@dataclass
class Match:
    strength: str  # strong | weak
    reasons: list[str]  # email | phone | name | business_id
    name: str
    id: uuid.UUID | None = None  # a card or organization in the register …
    line: int | None = None  # … or an earlier row of the same file
    departed: bool = False


@dataclass
class OrgPlan:
    """What a person row does about its organization: use an existing one or create it."""

    action: str  # match | create
    name: str
    business_id: str | None = None
    id: uuid.UUID | None = None


@dataclass
class PreviewRow:
    line: int
    values: dict[str, str]
    errors: list[Issue] = field(default_factory=list)
    duplicates: list[Match] = field(default_factory=list)
    organization: OrgPlan | None = None
    importable: bool = True  # False: a duplicate that can only be skipped
    person: PersonInput | None = None
    org_input: OrganizationInput | None = None

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        return "duplicate" if self.duplicates else "ok"


def validation_issues(exc: ValidationFailed) -> list[Issue]:
    """A failed validation (forms' rules) as issues, one per field."""
    return [Issue(f, code, message) for f, (code, message) in exc.errors.items()]


async def check_rows(parsed: ParsedCsv) -> list[PreviewRow]:
    """Every row of the file with its errors, duplicates and organization plan."""
    return await (_person_rows(parsed) if parsed.kind == "persons" else _organization_rows(parsed))


# --- persons -------------------------------------------------------------------------------


def _lenient(values: list[str], normalise) -> list[str]:
    out = []
    for raw in values:
        try:
            value = normalise(raw)
        except ValidationFailed:
            continue
        out.append(value[1] if isinstance(value, tuple) else value)
    return out


class _Organizations:
    """Resolves organization name / business ID of person rows, once per distinct value."""

    def __init__(self) -> None:
        self.cache: dict[str, OrgPlan | list[Issue]] = {}
        self.pending_by_name: dict[str, OrgPlan] = {}

    async def resolve(self, name: str, raw_business_id: str) -> OrgPlan | list[Issue] | None:
        if not name and not raw_business_id:
            return None
        try:
            business_id = normalise_business_id(raw_business_id)
        except ValidationFailed as exc:
            return validation_issues(exc)
        key = f"id:{business_id}" if business_id else f"name:{search_form(name)}"
        if key not in self.cache:
            self.cache[key] = await self._lookup(name, business_id)
        return self.cache[key]

    async def _lookup(self, name: str, business_id: str | None) -> OrgPlan | list[Issue]:
        conn = DB.current_connection()
        if business_id:
            row = await conn.fetchrow(
                "SELECT id, name FROM organization WHERE business_id = $1", business_id
            )
            if row:
                return OrgPlan("match", row["name"], business_id, row["id"])
            if not name:
                return [
                    Issue(
                        "business_id",
                        "not_found",
                        "no organization has this business ID; add its name to create it",
                    )
                ]
            return self._plan_creation(name, business_id)
        rows = await conn.fetch(
            "SELECT id, name, business_id FROM organization WHERE search_name = $1 LIMIT 2",
            search_form(name),
        )
        if len(rows) > 1:
            return [
                Issue(
                    "organization",
                    "ambiguous",
                    "several organizations have this name; add the business ID",
                )
            ]
        if rows:
            return OrgPlan("match", rows[0]["name"], rows[0]["business_id"], rows[0]["id"])
        return self.pending_by_name.get(search_form(name)) or self._plan_creation(name, None)

    def _plan_creation(self, name: str, business_id: str | None) -> OrgPlan | list[Issue]:
        try:
            clean(OrganizationInput(name=name, business_id=business_id))
        except ValidationFailed as exc:
            return [Issue("organization", i.code, i.message) for i in validation_issues(exc)]
        plan = OrgPlan("create", name, business_id)
        self.pending_by_name.setdefault(search_form(name), plan)
        return plan


async def _person_rows(parsed: ParsedCsv) -> list[PreviewRow]:
    organizations = _Organizations()
    seen: dict[tuple[str, str], PreviewRow] = {}  # (kind, normalised value) → first row
    out = []
    for csv_row in parsed.rows:
        v = csv_row.values
        row = PreviewRow(line=csv_row.line, values=v)
        data = PersonInput(
            first_name=v.get("first_name", ""),
            last_name=v.get("last_name", ""),
            emails=split_list(v.get("emails")),
            phones=split_list(v.get("phones")),
            title=v.get("title", ""),
            keywords=split_list(v.get("keywords")),
            description=v.get("description", ""),
        )
        try:
            card = clean_person(data)
        except ValidationFailed as exc:
            row.errors.extend(validation_issues(exc))
        else:
            # An erased person's address or number: the row is marked and not imported.
            for hit in await find_suppressed([n for _, n in card.emails], card.phones):
                row.errors.append(
                    Issue(f"{hit['kind']}s", "suppressed", "belongs to an erased person")
                )
        plan = await organizations.resolve(
            v.get("organization", "").strip(), v.get("business_id", "").strip()
        )
        if isinstance(plan, list):
            row.errors.extend(plan)
        elif plan is not None:
            row.organization = plan
            data = replace(data, organization_id=plan.id)
        row.person = data
        for hit in await find_duplicates(data):
            row.duplicates.append(
                Match(
                    hit["strength"], hit["reasons"], hit["name"], hit["id"], None, hit["departed"]
                )
            )
        _in_file_person_duplicates(row, data, seen)
        out.append(row)
    return out


def _in_file_person_duplicates(
    row: PreviewRow, data: PersonInput, seen: dict[tuple[str, str], PreviewRow]
) -> None:
    name = search_form(f"{data.first_name} {data.last_name}")
    org = row.organization
    keys = [("email", e) for e in _lenient(data.emails, normalise_email)]
    keys += [("phone", p) for p in _lenient(data.phones, normalise_phone)]
    if org and name:
        keys.append(("name", f"{org.business_id or search_form(org.name)}|{name}"))
    hits: dict[int, tuple[PreviewRow, set[str]]] = {}
    for key in keys:
        earlier = seen.setdefault(key, row)
        if earlier is not row:
            hits.setdefault(earlier.line, (earlier, set()))[1].add(key[0])
    for line, (earlier, reasons) in sorted(hits.items()):
        strength = "strong" if reasons & {"email", "phone"} else "weak"
        label = f"{earlier.values.get('first_name', '')} {earlier.values.get('last_name', '')}"
        row.duplicates.append(Match(strength, sorted(reasons), label.strip(), None, line))


# --- organizations -------------------------------------------------------------------------


def _status(raw: str) -> str:
    value = search_form(raw or "")
    if value in _ACTIVE:
        return "active"
    if value in _INACTIVE:
        return "inactive"
    return raw


async def _organization_rows(parsed: ParsedCsv) -> list[PreviewRow]:
    conn = DB.current_connection()
    by_business_id: dict[str, PreviewRow] = {}
    by_name: dict[str, PreviewRow] = {}
    out = []
    for csv_row in parsed.rows:
        v = csv_row.values
        row = PreviewRow(line=csv_row.line, values=v)
        data = OrganizationInput(
            name=v.get("name", ""),
            business_id=v.get("business_id") or None,
            street_address=v.get("street_address", ""),
            postal_code=v.get("postal_code", ""),
            city=v.get("city", ""),
            country=v.get("country") or "FI",
            einvoice_address=v.get("einvoice_address", ""),
            einvoice_operator=v.get("einvoice_operator", ""),
            status=_status(v.get("status", "")),
        )
        try:
            data = clean(data)
        except ValidationFailed as exc:
            row.errors.extend(validation_issues(exc))
        row.org_input = data
        name = search_form(data.name or "")
        if data.business_id and not row.errors:
            existing = await conn.fetchrow(
                "SELECT id, name FROM organization WHERE business_id = $1", data.business_id
            )
            if existing:
                row.duplicates.append(
                    Match("strong", ["business_id"], existing["name"], existing["id"])
                )
                row.importable = False
            earlier = by_business_id.setdefault(data.business_id, row)
            if earlier is not row:
                label = earlier.values.get("name", "")
                row.duplicates.append(Match("strong", ["business_id"], label, None, earlier.line))
                row.importable = False
        if name:
            similar = await conn.fetch(
                "SELECT id, name FROM organization "
                "WHERE search_name OPERATOR(ext.%) $1 AND ext.similarity(search_name, $1) >= $2 "
                "AND ($3::text IS NULL OR business_id IS DISTINCT FROM $3) "
                "ORDER BY ext.similarity(search_name, $1) DESC, sort_key LIMIT 5",
                name,
                ORGANIZATION_NAME_SIMILARITY,
                data.business_id if not row.errors else None,
            )
            row.duplicates += [Match("weak", ["name"], r["name"], r["id"]) for r in similar]
            earlier = by_name.setdefault(name, row)
            if earlier is not row and earlier.line not in {m.line for m in row.duplicates}:
                row.duplicates.append(
                    Match("weak", ["name"], earlier.values.get("name", ""), None, earlier.line)
                )
        out.append(row)
    return out
