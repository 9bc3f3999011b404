"""Erasure of persons (GDPR Art. 17, retention): set-based, for one card or ten thousand.

`erase_persons` runs inside the caller's tenant transaction, one statement per table over
`= ANY($1)` (no per-person round trips). It never erases a person with an active legal hold
(core.legal_holds): such persons are returned as held, with the holds' reasons and end dates.

Mode "delete" removes the card and everything of it:
- every row with a foreign key to the card goes with it (cascade: e-mails, phones, employment,
  content links, comments, attachments, contact history, feedback, preferences, consents,
  objections, lawful bases, provenance, rectifications, field changes, ended holds, …);
- cards merged into it (redirect rows holding the old card) and the merge records of both;
- the person's self-service account, invitations and queued mail to their addresses;
- name-search vocabulary words no remaining card or organization uses;
- data-subject requests keep only the person's id value (address, free text, verification
  code and access bundle removed); transfer and Art. 19 rows keep the id and lose an address
  that was the person's own; audit events (append-only) hold ids only and stay;
- attachment objects, thumbnails and access bundles: every version, once the transaction
  commits (a rolled-back erasure keeps its files; a failed removal leaves an orphan that the
  orphan sweep removes).
Mode "anonymise" keeps one row per card under a NEW id with no identifying data (placeholder
name, nothing else), and re-points to it only rows useful as statistics, stripped of text:
content links (role), contact events (channel, direction, time), feedback (kind, score). The
old card is then deleted as above, so nothing links the anonymous row to the erased person.

Unless told otherwise, the e-mails and phones go into suppression (core.suppression).
ONE audit event per call, ids and counts only.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from core import audit, legal_holds, newsletter_removals, suppression
from core.attachments import object_store
from core.context import current_tenant, scope_state
from core.db import DB
from core.merge import person_references
from core.text import search_form, sort_key

MODES = ("delete", "anonymise")
# `person.updated_by` of an anonymised row: such rows are skipped when anonymised again, and a
# retention sweep can leave them out.
ANONYMISED_MARK = "erasure:anonymised"
ANONYMOUS_NAME = "Anonymisoitu"
# What the anonymised row keeps of rows that pointed at the card: table -> text columns cleared.
_KEPT_AS_STATISTICS = {
    "content_link": (),
    "contact_event": ("summary",),
    "customer_feedback": ("comment",),
}
# Tables whose rows hold a person's address as a value, not as a key (cleared, not deleted).
_RECIPIENT_TABLES = ("transfer", "recipient_notification")


async def erase_persons(
    person_ids: Iterable[uuid.UUID],
    *,
    actor: audit.Actor,
    mode: str = "delete",
    request_id: uuid.UUID | None = None,
    suppress: bool = True,
) -> dict:
    """Erase (or anonymise) these cards, except held ones; returns the report (see module)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    conn = DB.current_connection()
    wanted = list(dict.fromkeys(person_ids))
    rows = await conn.fetch(
        "SELECT id, updated_by FROM person WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
        wanted,
    )
    found = {r["id"]: r["updated_by"] for r in rows}
    held = await legal_holds.active_holds(found)
    done_before = [i for i, by in found.items() if mode == "anonymise" and by == ANONYMISED_MARK]
    targets = [i for i in found if i not in held and i not in done_before]
    redirects = [
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM person WHERE merged_into = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
            targets,
        )
    ]
    every = targets + [r for r in redirects if r not in found]
    report = {
        "mode": mode,
        "request_id": str(request_id) if request_id else None,
        "erased": [str(i) for i in targets],
        "redirects_removed": len(every) - len(targets),
        "not_found": [str(i) for i in wanted if i not in found],
        "already_anonymised": [str(i) for i in done_before],
        "held": [
            {
                "person_id": str(person_id),
                "holds": [
                    {
                        "id": str(h["id"]),
                        "reason_kind": h["reason_kind"],
                        "reason": h["reason"],
                        "until": h["until"].isoformat() if h["until"] else None,
                    }
                    for h in holds
                ],
            }
            for person_id, holds in held.items()
        ],
        "tables": {},
        "anonymised": {},
        "objects_removed": 0,
        "suppressed": 0,
    }
    if every:
        await _erase(conn, every, targets, mode, report, request_id, suppress)
    await audit.record(
        "person.anonymised" if mode == "anonymise" else "person.erased",
        actor=actor,
        object_kind="person",
        object_id=targets[0] if len(targets) == 1 else "",
        person_id=targets[0] if len(targets) == 1 else None,
        detail={
            "request": report["request_id"],
            "persons": report["erased"],
            "held": [h["person_id"] for h in report["held"]],
            "redirects_removed": report["redirects_removed"],
            "tables": report["tables"],
            "objects_removed": report["objects_removed"],
            "suppressed": report["suppressed"],
        },
    )
    return report


async def _erase(conn, every, targets, mode, report, request_id, suppress) -> None:
    emails = [
        r["email_normalised"]
        for r in await conn.fetch(
            "SELECT DISTINCT email_normalised FROM person_email WHERE person = ANY($1::uuid[])",
            every,
        )
    ]
    phones = [
        r["phone_e164"]
        for r in await conn.fetch(
            "SELECT DISTINCT phone_e164 FROM person_phone WHERE person = ANY($1::uuid[])", every
        )
    ]
    words = [
        r["w"]
        for r in await conn.fetch(
            "SELECT DISTINCT w FROM person p, unnest(string_to_array(p.search_name, ' ')) w "
            "WHERE p.id = ANY($1::uuid[]) AND w <> ''",
            every,
        )
    ]
    keys = [
        r["k"]
        for r in await conn.fetch(
            "SELECT object_key AS k FROM attachment WHERE person = ANY($1::uuid[]) "
            "UNION SELECT thumbnail_key FROM attachment WHERE person = ANY($1::uuid[]) "
            "AND thumbnail_key IS NOT NULL "
            "UNION SELECT bundle_key FROM data_subject_request "
            "WHERE person_id = ANY($1::uuid[]) AND bundle_key IS NOT NULL",
            every,
        )
    ]
    tables = report["tables"]
    if mode == "anonymise":
        report["anonymised"] = await _anonymise(conn, targets)
    for table, column in await person_references(conn):
        if table == "app_user":  # set null, not deleted: counted where self accounts go below
            continue
        count = await conn.fetchval(
            f'SELECT count(*) FROM "{table}" WHERE "{column}" = ANY($1::uuid[])', every
        )
        if count:
            tables[table] = tables.get(table, 0) + count

    async def run(table: str, sql: str, *args) -> None:
        status = await conn.execute(sql, *args)
        count = int(status.split()[-1])
        if count:
            tables[table] = tables.get(table, 0) + count

    await run(
        "person_merge",
        "DELETE FROM person_merge WHERE survivor_id = ANY($1::uuid[]) "
        "OR merged_id = ANY($1::uuid[])",
        every,
    )
    await run(
        "app_user",
        "DELETE FROM app_user WHERE role = 'self' AND (person = ANY($1::uuid[]) "
        "OR lower(email) = ANY($2::text[]))",
        every,
        emails,
    )
    await run("invitation", "DELETE FROM invitation WHERE lower(email) = ANY($1::text[])", emails)
    await run(
        "mail_message", "DELETE FROM mail_message WHERE lower(recipient) = ANY($1::text[])", emails
    )
    await run(
        "data_subject_request",
        "UPDATE data_subject_request SET requester_email = '', verification_code_hash = NULL, "
        "bundle_key = NULL, bundle_expires_at = NULL, details = details - 'text' "
        "WHERE person_id = ANY($1::uuid[])",
        every,
    )
    await run(
        "request_event",
        "UPDATE request_event SET actor_label = '' WHERE lower(actor_label) = ANY($1::text[])",
        emails,
    )
    for table in _RECIPIENT_TABLES:
        await run(
            table,
            f"UPDATE {table} SET recipient = '' WHERE person_id = ANY($1::uuid[]) "
            "AND (lower(recipient) = ANY($2::text[]) OR recipient = ANY($3::text[]))",
            every,
            emails,
            phones,
        )
    # The newsletter service is told after commit (the subscription row outlives the card
    # until then: it holds the service's id, not the address).
    await newsletter_removals.schedule(every, "erasure")
    await run("person", "DELETE FROM person WHERE id = ANY($1::uuid[])", every)
    # A vocabulary word goes when no remaining card or organization has it in its name.
    await run(
        "name_word",
        "DELETE FROM name_word WHERE word = ANY($1::text[]) AND word NOT IN ("
        "SELECT w FROM (SELECT search_name FROM person UNION ALL "
        "SELECT search_name FROM organization) s, unnest(string_to_array(s.search_name, ' ')) w "
        "WHERE w = ANY($1::text[]))",
        words,
    )
    if suppress:
        report["suppressed"] = await suppression.suppress(emails, phones, request_id=request_id)
    report["objects_removed"] = len(keys)
    if keys:
        _remove_objects_after_commit(keys)


async def _anonymise(conn, targets: list[uuid.UUID]) -> dict:
    """A new anonymous row per card; statistics rows re-pointed to it, their text cleared."""
    new_ids = [uuid.uuid4() for _ in targets]
    await conn.execute(
        "INSERT INTO person (id, first_name, last_name, title, organization, keywords, "
        "description, search_name, sort_key, created_at, created_by, updated_at, updated_by) "
        "SELECT n.new, $3, '', '', NULL, '{}', '', $4, $5, p.created_at, '', now(), $6 "
        "FROM unnest($1::uuid[], $2::uuid[]) AS n(old, new) JOIN person p ON p.id = n.old",
        targets,
        new_ids,
        ANONYMOUS_NAME,
        search_form(ANONYMOUS_NAME),
        sort_key(ANONYMOUS_NAME),
        ANONYMISED_MARK,
    )
    kept = {"person": len(targets)}
    for table, cleared in _KEPT_AS_STATISTICS.items():
        sets = ", ".join(["person = n.new", *(f"{c} = ''" for c in cleared)])
        status = await conn.execute(
            f"UPDATE {table} t SET {sets} FROM unnest($1::uuid[], $2::uuid[]) AS n(old, new) "
            "WHERE t.person = n.old",
            targets,
            new_ids,
        )
        kept[table] = int(status.split()[-1])
    return {"rows_kept": kept, "new_ids": [str(i) for i in new_ids]}


def _remove_objects_after_commit(keys: list[str]) -> None:
    bucket = current_tenant().bucket
    store = object_store()

    async def remove() -> None:
        for key in keys:
            await store.delete(key, bucket=bucket)  # every version of the object

    scope_state().after_commit.append(remove)
