"""CSV import: a preview that writes nothing, then one all-or-nothing commit.

The rows are checked and matched by `core.import_rows`. The preview is a pure function of the
file and the register, so it is computed again at commit time; if its fingerprint differs from
the one the user confirmed (someone changed the register in between), nothing is written and
the user sees the new preview. The commit runs inside a savepoint: every chosen row is created
or none is.

Policy: rows with errors are never imported silently. A file with errors is refused unless the
user explicitly chose "import the valid rows only". Duplicate rows are skipped unless the user
chose "import anyway" for them; an organization whose business ID is already in the register
can only be skipped (the ID is unique).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass, field, replace

import asyncpg

from core import provenance
from core.csv_io import ParsedCsv
from core.db import DB
from core.import_rows import Issue, OrgPlan, PreviewRow, check_rows, validation_issues
from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person
from core.validation import ValidationFailed


@dataclass
class Decision:
    import_duplicates: set[int] = field(default_factory=set)  # lines to import anyway
    valid_only: bool = False  # skip the rows with errors (must be chosen explicitly)


@dataclass
class ImportResult:
    persons_created: int = 0
    organizations_created: int = 0
    skipped_duplicates: int = 0
    skipped_errors: int = 0
    # What was written, for the audit: (kind "person" / "organization", id, line of the file).
    created: list[tuple[str, uuid.UUID, int]] = field(default_factory=list)


class ImportRefused(Exception):
    """Nothing was written: `code` is errors_present, changed or nothing_to_import."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class ImportFailed(Exception):
    """A row failed while writing; everything was rolled back."""

    def __init__(self, line: int, issues: list[Issue]) -> None:
        super().__init__(f"line {line}: " + "; ".join(i.message for i in issues))
        self.line = line
        self.issues = issues


@dataclass
class Preview:
    kind: str
    delimiter: str
    columns: list[str]
    ignored: list[str]
    rows: list[PreviewRow]

    @property
    def counts(self) -> dict[str, int]:
        statuses = [r.status for r in self.rows]
        return {
            "total": len(statuses),
            "ok": statuses.count("ok"),
            "error": statuses.count("error"),
            "duplicate": statuses.count("duplicate"),
        }

    @property
    def organizations_to_create(self) -> list[OrgPlan]:
        plans: dict[int, OrgPlan] = {}
        for row in self.rows:
            if row.organization and row.organization.action == "create" and not row.errors:
                plans.setdefault(id(row.organization), row.organization)
        return list(plans.values())

    @property
    def fingerprint(self) -> str:
        """Changes when anything the user decided on changes (statuses, matches, plans)."""
        summary = [
            [
                r.line,
                r.status,
                r.importable,
                sorted([m.strength, str(m.id), m.line or 0] for m in r.duplicates),
                [r.organization.action, str(r.organization.id)] if r.organization else None,
            ]
            for r in self.rows
        ]
        return hashlib.sha256(json.dumps(summary).encode()).hexdigest()[:32]

    def chosen(self, decision: Decision) -> list[PreviewRow]:
        return [
            r
            for r in self.rows
            if not r.errors
            and r.importable
            and (not r.duplicates or r.line in decision.import_duplicates)
        ]


async def build_preview(parsed: ParsedCsv) -> Preview:
    rows = await check_rows(parsed)
    return Preview(parsed.kind, parsed.delimiter, parsed.columns, parsed.ignored, rows)


async def lock(import_id: uuid.UUID) -> None:
    """Serialise confirmations of one import (a double click must not import twice)."""
    await DB.current_connection().execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"import:{import_id}"
    )


def _filled(person: PersonInput) -> list[str]:
    """The card fields the file gave a value for (their provenance is the import)."""
    return [name for name, value in asdict(person).items() if value]


# --- commit --------------------------------------------------------------------------------


async def commit(
    preview: Preview, decision: Decision, *, confirmed_fingerprint: str, actor: str
) -> ImportResult:
    """Write the chosen rows, all or none. `preview` must be freshly computed."""
    if preview.fingerprint != confirmed_fingerprint:
        raise ImportRefused("changed")
    counts = preview.counts
    if counts["error"] and not decision.valid_only:
        raise ImportRefused("errors_present")
    chosen = preview.chosen(decision)
    if not chosen:
        raise ImportRefused("nothing_to_import")
    chosen_lines = {r.line for r in chosen}
    result = ImportResult(
        skipped_errors=counts["error"],
        skipped_duplicates=sum(
            1 for r in preview.rows if not r.errors and r.line not in chosen_lines
        ),
    )
    conn = DB.current_connection()
    async with conn.transaction():  # a savepoint: any failure below undoes every row
        created: dict[int, uuid.UUID] = {}
        for row in chosen:
            try:
                if preview.kind == "organizations":
                    assert row.org_input is not None
                    made = await create_organization(row.org_input, actor=actor)
                    result.created.append(("organization", made["id"], row.line))
                    result.organizations_created += 1
                    continue
                assert row.person is not None
                org_id = None
                if row.organization is not None:
                    org_id = row.organization.id or created.get(id(row.organization))
                    if org_id is None:
                        plan = row.organization
                        made = await create_organization(
                            OrganizationInput(name=plan.name, business_id=plan.business_id),
                            actor=actor,
                        )
                        org_id = created[id(plan)] = made["id"]
                        result.created.append(("organization", org_id, row.line))
                        result.organizations_created += 1
                person = replace(row.person, organization_id=org_id)
                person_id = await create_person(person, actor=actor)
                # The import route's actor is `import:<import id>`: the batch the card came in.
                await provenance.record_origin(
                    person_id, "import", detail=actor, fields=_filled(person), by=actor
                )
                result.created.append(("person", person_id, row.line))
                result.persons_created += 1
            except ValidationFailed as exc:
                raise ImportFailed(row.line, validation_issues(exc)) from exc
            except asyncpg.PostgresError as exc:
                raise ImportFailed(row.line, [Issue("", "database", str(exc))]) from exc
    return result
