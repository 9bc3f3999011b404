"""Retention rules that narrow to a data category (DESIGN §5): only that category's rows of a
card go, the card stays. core.retention calls this after it has chosen the whole cards.

Per category, the rows a rule may touch and what its actions do (`delete` deletes the rows,
`anonymise` clears their free text and keeps the rows, so counts and dates stay):

- contact_history: contact_event rows (summary cleared);
- feedback: customer_feedback rows (comment cleared; score, kind and date kept);
- preferences: customer_preference rows, except a restriction still in force (it protects the
  person: core.contact_gate refuses contact on it) (value cleared);
- content: the card's content_link rows, never the items (links have no free text: a rule
  may only delete them, core.retention_rules refuses `anonymise`);
- organization: employment history rows that ended (title cleared);
- identity_code: the card's HETU (hetu_encrypted and hetu_hash set to NULL, either action).

Consents and objections are append-only proof of what the person said (the tenant role
cannot delete them); no rule may name them, core.retention_rules refuses one.

The trigger is evaluated per row: `created` is the row's own date (the event's time, the
feedback's or preference's date, the link's creation, the day employment ended, the card's
creation for HETU); `relationship_ended` and `last_activity` are the card's (core.retention).
When several rules of one category are due for a row, delete wins, then the earliest due date.
A row is due only when its rule still has something to do (anonymise: free text left), so a
second sweep finds nothing. Cards under an active legal hold keep their rows and are reported.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass

from core.db import DB


@dataclass(frozen=True)
class Part:
    table: str
    person: str  # the column naming the card
    own_day: str  # SQL: the row's own date, for the `created` trigger
    eligible: str  # SQL: rows retention may touch at all ($1 = the sweep's day)
    clear: str  # SQL SET list of `anonymise` ("" when the rows have no free text)
    pending: str  # SQL: the row still has free text to clear
    removes_rows: bool = True  # False: `delete` clears too (the row is the card itself)


_LOCAL = "((x.{}) AT TIME ZONE 'Europe/Helsinki')::date"

PARTS: dict[str, Part] = {
    "contact_history": Part(
        "contact_event", "person", _LOCAL.format("happened_at"), "true", "summary = ''",
        "x.summary <> ''",
    ),
    "feedback": Part(
        "customer_feedback", "person",
        f"coalesce(x.received_on, {_LOCAL.format('created_at')})", "true", "comment = ''",
        "x.comment <> ''",
    ),
    "preferences": Part(
        "customer_preference", "person",
        f"coalesce(x.given_on, {_LOCAL.format('created_at')})",
        "NOT (x.kind = 'restriction' AND (x.ended_on IS NULL OR x.ended_on > $1))",
        "value = ''", "x.value <> ''",
    ),
    "content": Part("content_link", "person", _LOCAL.format("created_at"), "true", "", "false"),
    "organization": Part(
        "employment", "person", "x.ended_on", "x.ended_on IS NOT NULL AND NOT x.current",
        "title = ''", "x.title <> ''",
    ),
    "identity_code": Part(
        "person", "id", _LOCAL.format("created_at"),
        "(x.hetu_encrypted IS NOT NULL OR x.hetu_hash IS NOT NULL)",
        "hetu_encrypted = NULL, hetu_hash = NULL", "true", removes_rows=False,
    ),
}  # fmt: skip
# Categories no rule may name, and why (core.retention_rules turns this into a form error).
REFUSED = {"consents": "consent and objection histories are append-only proof"}
# Categories whose rows have no free text: only `delete` means something.
DELETE_ONLY = tuple(code for code, part in PARTS.items() if not part.clear)

_HOLDS = """
    SELECT lh.person, array_agg(DISTINCT lh.reason_kind ORDER BY lh.reason_kind) AS reasons,
           CASE WHEN bool_or(lh.until IS NULL) THEN NULL ELSE max(lh.until) END AS until
    FROM legal_hold lh
    WHERE lh.person IN (SELECT person_id FROM due) AND lh.ended_at IS NULL
      AND (lh.until IS NULL OR lh.until >= $1)
    GROUP BY lh.person
"""


def due_sql(part: Part, *, considered: str, last_activity: str) -> str:
    """Every due row of one category: $1 the day, $2 the category, $3 cards going whole;
    `last_activity` (core.retention.LAST_ACTIVITY_TEMPLATE) leaves out the contact events $4
    and content links $5 the sweep deletes."""
    last_activity = last_activity.format(gone_contacts="$4", gone_links="$5")
    return f"""
WITH due AS (
    SELECT DISTINCT ON (x.id) x.id AS row_id, p.id AS person_id, r.id AS rule_id, r.action,
           t.trigger_on, (t.trigger_on + make_interval(months => r.period_months))::date AS due_on
    FROM retention_rule r
    JOIN {part.table} x ON {part.eligible}
    JOIN person p ON p.id = x.{part.person} AND {considered}
    CROSS JOIN LATERAL (SELECT CASE r.trigger
        WHEN 'created' THEN {part.own_day}
        WHEN 'relationship_ended' THEN p.relationship_ended_on
        WHEN 'last_activity' THEN {last_activity}
    END AS trigger_on) t
    WHERE r.active AND r.data_category = $2 AND (r.action = 'delete' OR {part.pending})
      AND (t.trigger_on + make_interval(months => r.period_months))::date <= $1
      AND p.id <> ALL($3::uuid[])
    ORDER BY x.id, (r.action = 'delete') DESC, 6, r.created_at, r.id
), holds AS ({_HOLDS})
SELECT d.row_id, d.person_id, d.rule_id, d.action, d.trigger_on, d.due_on, h.reasons, h.until
FROM due d LEFT JOIN holds h ON h.person = d.person_id
"""


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


async def find_parts(
    on: dt.date,
    skip: list[uuid.UUID],
    *,
    considered: str,
    last_activity: str,
    gone: tuple[set, set] = (set(), set()),
) -> tuple[dict, dict[tuple[str, str], list[uuid.UUID]]]:
    """Due rows of every category with an active rule, except on the `skip` cards (they go
    whole in the same sweep). Returns the report's part (ids and counts) and the row ids per
    (category, action) that apply_parts then changes."""
    conn = DB.current_connection()
    categories = [
        r["data_category"]
        for r in await conn.fetch(
            "SELECT DISTINCT data_category FROM retention_rule WHERE active "
            "AND data_category = ANY($1::text[]) ORDER BY 1",
            list(PARTS),
        )
    ]
    groups: dict[tuple[str, str], dict] = {}
    targets: dict[tuple[str, str], list[uuid.UUID]] = {}
    for category in categories:
        sql = due_sql(PARTS[category], considered=considered, last_activity=last_activity)
        for row in await conn.fetch(sql, on, category, skip, list(gone[0]), list(gone[1])):
            key = (str(row["person_id"]), str(row["rule_id"]))
            group = groups.setdefault(
                key,
                {
                    "category": category,
                    "action": row["action"],
                    "rows": 0,
                    "trigger_on": row["trigger_on"],
                    "due_on": row["due_on"],
                    "reasons": row["reasons"],
                    "until": row["until"],
                },
            )
            group["rows"] += 1
            group["trigger_on"] = min(group["trigger_on"], row["trigger_on"])
            group["due_on"] = min(group["due_on"], row["due_on"])
            if not row["reasons"]:
                targets.setdefault((category, row["action"]), []).append(row["row_id"])
    parts: list[list] = []
    held: list[list] = []
    rules: dict[str, Counter] = {}
    for (person, rule), g in sorted(groups.items(), key=lambda kv: (kv[1]["due_on"], kv[0])):
        counts = rules.setdefault(rule, Counter())
        dates = [_day(g["trigger_on"]), _day(g["due_on"])]
        if g["reasons"]:
            held.append([person, rule, g["action"], *dates, list(g["reasons"]), _day(g["until"])])
            counts["held"] += 1
        else:
            parts.append([person, rule, g["category"], g["action"], g["rows"], *dates])
            counts[g["action"]] += 1
            counts["rows"] += g["rows"]
    return {"parts": parts, "held": held, "rules": rules}, targets


async def apply_parts(
    targets: dict[tuple[str, str], list[uuid.UUID]], on: dt.date
) -> dict[str, int]:
    """Delete or clear the selected rows, one statement per category and action; a hold
    placed since the selection still stops them. Returns the rows changed per action."""
    conn = DB.current_connection()
    done = {"delete": 0, "anonymise": 0}
    for (category, action), ids in sorted(targets.items()):
        part = PARTS[category]
        not_held = (
            f"NOT EXISTS (SELECT 1 FROM legal_hold lh WHERE lh.person = x.{part.person} "
            "AND lh.ended_at IS NULL AND (lh.until IS NULL OR lh.until >= $2))"
        )
        where = f"WHERE x.id = ANY($1::uuid[]) AND {not_held}"
        if action == "delete" and part.removes_rows:
            sql = f"DELETE FROM {part.table} x {where}"
        else:
            sql = f"UPDATE {part.table} x SET {part.clear} {where}"
        status = await conn.execute(sql, ids, on)
        done[action] += int(status.split()[-1])
    return done
