"""The retention sweep (DESIGN §5): which cards the active retention rules say must go, and
making them go — set-based, idempotent, legal holds respected, every run reported.

A card is *due* under a rule when the rule's trigger date plus its period (calendar months;
31 Jan + 1 month = 28/29 Feb) is today or earlier (Helsinki date). Trigger dates:

- `created`: the day the card was created;
- `relationship_ended`: `person.relationship_ended_on` (no date, never due);
- `last_activity`: the latest of the card's own last update, a link of the card to a content
  item or that item's last update, and a contact event with the person. Consents, reads and
  the audit do not count: they are not dealings with the customer.

When several rules are due for one card, `delete` wins over `anonymise`, then the earliest due
date. Merged cards (redirects to their survivor) and cards already anonymised are never due.
A due card with an active legal hold (not ended, no end date or the end date today or later)
is *held*: kept and reported with the hold's reasons; it is due again once the hold ends.

The action is core.erasure.erase_persons (it checks holds again, in the same transaction).
A second sweep finds nothing more to do: deleted cards are gone and anonymised ones are
excluded, so it reports zero removed and the same held cards. Every sweep and every dry run
writes one retention_run row whose report holds ids, rule ids, dates and counts, never names.

Rules without a data category or with `contact` (the card itself) act on whole cards as above.
A rule naming another category removes only that category's rows of the card, which stays
(core.retention_parts); those rows are selected after the whole cards, leaving out the cards
that go whole in the same sweep, and reported per card and rule with row counts (`parts`).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter

from core import audit, erasure, retention_parts
from core.db import DB
from core.request_deadlines import today as helsinki_today

# Cards the sweep considers: not merged redirects, not already anonymised (erasure marks the
# anonymous row it keeps in person.updated_by).
CONSIDERED = f"p.merged_into IS NULL AND p.updated_by <> '{erasure.ANONYMISED_MARK}'"
SECTIONS = ("due", "held", "parts")  # the report's lists, paged by run_entries
BATCH = 2000  # persons per erase_persons call: bounded statement sizes, same result

_LOCAL_DAY = "(({}) AT TIME ZONE 'Europe/Helsinki')::date"
# The card's last activity, leaving out the contact events ({gone_contacts}) and content links
# ({gone_links}: SQL parameters of uuid[]) the same sweep deletes: a sweep judges every card as
# it will stand afterwards, so the next sweep finds nothing new (idempotence).
LAST_ACTIVITY_TEMPLATE = "greatest({own}, ({links}), ({contacts}))".format(
    own=_LOCAL_DAY.format("p.updated_at"),
    links="SELECT "
    + _LOCAL_DAY.format("max(greatest(cl.created_at, ci.updated_at))")
    + " FROM content_link cl JOIN content_item ci ON ci.id = cl.item WHERE cl.person = p.id"
    + " AND cl.id <> ALL({gone_links}::uuid[])",
    contacts="SELECT "
    + _LOCAL_DAY.format("max(ce.happened_at)")
    + " FROM contact_event ce WHERE ce.person = p.id"
    + " AND ce.id <> ALL({gone_contacts}::uuid[])",
)
_LAST_ACTIVITY = LAST_ACTIVITY_TEMPLATE.format(gone_contacts="$2", gone_links="$3")
# Category rules whose deletions change a card's last activity.
ACTIVITY_ROWS = {("contact_history", "delete"): 0, ("content", "delete"): 1}

# One row per due card: the rule that acts on it, its dates, and the active holds' reasons.
DUE_SQL = f"""
WITH due AS (
    SELECT DISTINCT ON (p.id) p.id AS person_id, r.id AS rule_id, r.action,
           t.trigger_on, (t.trigger_on + make_interval(months => r.period_months))::date AS due_on
    FROM retention_rule r
    JOIN person p ON {CONSIDERED}
    CROSS JOIN LATERAL (SELECT CASE r.trigger
        WHEN 'created' THEN {_LOCAL_DAY.format("p.created_at")}
        WHEN 'relationship_ended' THEN p.relationship_ended_on
        WHEN 'last_activity' THEN {_LAST_ACTIVITY}
    END AS trigger_on) t
    WHERE r.active AND r.data_category IN ('', 'contact')
      AND (t.trigger_on + make_interval(months => r.period_months))::date <= $1
    ORDER BY p.id, (r.action = 'delete') DESC, 5, r.created_at, r.id
)
SELECT d.person_id, d.rule_id, d.action, d.trigger_on, d.due_on, h.reasons, h.until
FROM due d
LEFT JOIN LATERAL (
    SELECT array_agg(DISTINCT lh.reason_kind ORDER BY lh.reason_kind) AS reasons,
           CASE WHEN bool_or(lh.until IS NULL) THEN NULL ELSE max(lh.until) END AS until
    FROM legal_hold lh
    WHERE lh.person = d.person_id AND lh.ended_at IS NULL
      AND (lh.until IS NULL OR lh.until >= $1)
) h ON true
ORDER BY d.due_on, d.person_id
"""


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


async def find_due(on: dt.date | None = None) -> dict:
    """What a sweep on `on` (default today) would do: due cards, held cards, the rows of
    category rules (`parts`), counts per rule."""
    report, _targets = await _select(on or helsinki_today())
    return report


async def _select(on: dt.date) -> tuple[dict, dict]:
    """The report of what is due on `on`, and the category rows to change (ids, not saved).

    Category rows and whole cards are chosen together: deleting a card's contact events or
    content links can make its last activity older, so the choice is repeated with those rows
    left out until it no longer grows (two rounds, three at most in practice)."""
    gone: tuple[set, set] = (set(), set())
    while True:
        rows = await DB.current_connection().fetch(DUE_SQL, on, list(gone[0]), list(gone[1]))
        whole = [r["person_id"] for r in rows if not r["reasons"]]
        found, targets = await retention_parts.find_parts(
            on, whole, considered=CONSIDERED, last_activity=LAST_ACTIVITY_TEMPLATE, gone=gone
        )
        grown = False
        for key, which in ACTIVITY_ROWS.items():
            new = set(targets.get(key, ())) - gone[which]
            if new:
                gone[which].update(new)
                grown = True
        if not grown:
            break
    due: list[list] = []
    held: list[list] = []
    per_rule: dict[str, Counter] = {}
    for row in rows:
        rule = str(row["rule_id"])
        counts = per_rule.setdefault(rule, Counter())
        entry = [
            str(row["person_id"]),
            rule,
            row["action"],
            _day(row["trigger_on"]),
            _day(row["due_on"]),
        ]
        if row["reasons"]:
            held.append([*entry, list(row["reasons"]), _day(row["until"])])
            counts["held"] += 1
        else:
            due.append(entry)
            counts[row["action"]] += 1
    for rule, counts in found["rules"].items():
        per_rule.setdefault(rule, Counter()).update(counts)
    report = {
        "on": on.isoformat(),
        "rules": {rule: dict(c) for rule, c in per_rule.items()},
        "due": due,
        "held": held + found["held"],
        "parts": found["parts"],
    }
    return report, targets


async def _save_run(report: dict, *, dry_run: bool, started: dt.datetime) -> uuid.UUID:
    run_id = uuid.uuid4()
    await DB.current_connection().execute(
        "INSERT INTO retention_run (id, started_at, finished_at, dry_run, report) "
        "VALUES ($1, $2, clock_timestamp(), $3, $4::jsonb)",
        run_id,
        started,
        dry_run,
        json.dumps(report),
    )
    return run_id


async def _now() -> dt.datetime:
    return await DB.current_connection().fetchval("SELECT clock_timestamp()")


async def dry_run(*, actor: audit.Actor, on: dt.date | None = None) -> uuid.UUID:
    """Find what a sweep would do, save it as a dry-run report; returns the run's id."""
    started = await _now()
    report = await find_due(on)
    report["totals"] = _totals(report)
    run_id = await _save_run(report, dry_run=True, started=started)
    await audit.record(
        "retention.dry_run",
        actor=actor,
        object_kind="retention_run",
        object_id=run_id,
        detail=report["totals"],
    )
    return run_id


def _totals(report: dict) -> dict:
    actions = Counter(entry[2] for entry in report["due"])
    return {
        "due": len(report["due"]),
        "delete": actions["delete"],
        "anonymise": actions["anonymise"],
        "held": len(report["held"]),
        "parts": len(report["parts"]),  # cards x category rules with rows due
        "rows": sum(entry[4] for entry in report["parts"]),
    }


async def sweep(*, actor: audit.Actor = audit.SYSTEM, on: dt.date | None = None) -> uuid.UUID:
    """Delete or anonymise every due card not under a legal hold; returns the report's id.

    Runs in the caller's tenant transaction (a job's), so the removals and the report commit
    together or not at all. Two sweeps of one tenant (the nightly one, an admin's) queue up
    behind a lock: the second selects after the first has committed."""
    await DB.current_connection().execute(
        "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':retention'))"
    )
    started = await _now()
    on = on or helsinki_today()
    report, targets = await _select(on)
    # The category rows first: the cards they belong to stay, and none goes whole now.
    rows_done = await retention_parts.apply_parts(targets, on)
    done: dict[str, list[str]] = {"delete": [], "anonymise": []}
    erased: dict[str, int] = {}
    for mode in ("delete", "anonymise"):
        ids = [uuid.UUID(entry[0]) for entry in report["due"] if entry[2] == mode]
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            # No suppression entries: expired data is not a request to stay out of the
            # register, and a returning customer may be added again.
            result = await erasure.erase_persons(batch, actor=actor, mode=mode, suppress=False)
            done[mode] += list(result["erased"])
            late = {h["person_id"]: h["holds"] for h in result.get("held") or []}
            if late:  # a hold placed after the selection: report it like any other
                for entry in [e for e in report["due"] if e[0] in late]:
                    report["due"].remove(entry)
                    kinds = sorted({h["reason_kind"] for h in late[entry[0]]})
                    report["held"].append([*entry, kinds, None])
            counts = dict(result.get("tables") or {})
            counts["objects_removed"] = result.get("objects_removed", 0)
            for key, value in counts.items():
                if isinstance(value, int):
                    erased[key] = erased.get(key, 0) + value
    report["removed"] = done
    report["rows"] = erased
    report["totals"] = _totals(report) | {
        "deleted": len(done["delete"]),
        "anonymised": len(done["anonymise"]),
        "rows_deleted": rows_done["delete"],
        "rows_anonymised": rows_done["anonymise"],
    }
    run_id = await _save_run(report, dry_run=False, started=started)
    await audit.record(
        "retention.sweep",
        actor=actor,
        object_kind="retention_run",
        object_id=run_id,
        detail=report["totals"],
    )
    return run_id


async def list_runs(*, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    """Past sweeps and dry runs, newest first, with their totals (not their id lists)."""
    conn = DB.current_connection()
    rows = await conn.fetch(
        "SELECT id, started_at, finished_at, dry_run, report->'totals' AS totals, "
        "report->>'on' AS on_day FROM retention_run ORDER BY started_at DESC, id "
        "LIMIT $1 OFFSET $2",
        limit,
        offset,
    )
    total = await conn.fetchval("SELECT count(*) FROM retention_run")
    return [_run(r) for r in rows], total


def _run(row) -> dict:
    item = dict(row)
    totals = item.get("totals")
    item["totals"] = json.loads(totals) if isinstance(totals, str) else (totals or {})
    return item


async def get_run(run_id: uuid.UUID) -> dict | None:
    row = await DB.current_connection().fetchrow(
        "SELECT id, started_at, finished_at, dry_run, report->'totals' AS totals, "
        "report->'rules' AS rules, report->>'on' AS on_day FROM retention_run WHERE id = $1",
        run_id,
    )
    if row is None:
        return None
    item = _run(row)
    item["rules"] = json.loads(item["rules"]) if isinstance(item["rules"], str) else {}
    return item


async def run_entries(
    run_id: uuid.UUID, section: str, *, limit: int, offset: int
) -> tuple[list[dict], int]:
    """One page of a run's `due`, `held` or `parts` list (ids, rule, dates, hold reasons,
    category and row counts)."""
    if section not in SECTIONS:
        raise ValueError(section)
    conn = DB.current_connection()
    total = await conn.fetchval(
        "SELECT coalesce(jsonb_array_length(report->$2), 0) FROM retention_run WHERE id = $1",
        run_id,
        section,
    )
    rows = await conn.fetch(
        "SELECT e.value FROM retention_run r, jsonb_array_elements(r.report->$2) "
        "WITH ORDINALITY AS e(value, n) WHERE r.id = $1 ORDER BY e.n LIMIT $3 OFFSET $4",
        run_id,
        section,
        limit,
        offset,
    )
    entries = []
    for row in rows:
        value = json.loads(row["value"]) if isinstance(row["value"], str) else row["value"]
        if section == "parts":
            keys = ("person_id", "rule_id", "category", "action", "rows", "trigger_on", "due_on")
            entries.append(dict(zip(keys, value, strict=True)))
            continue
        entry = {
            "person_id": value[0],
            "rule_id": value[1],
            "action": value[2],
            "trigger_on": value[3],
            "due_on": value[4],
        }
        if section == "held":
            entry["reasons"], entry["until"] = value[5], value[6]
        entries.append(entry)
    return entries, total or 0
