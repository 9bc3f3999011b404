"""Retention: rules (validation, lazy defaults), which cards are due under each trigger, legal
holds, the dry run, and the sweep (delete vs anonymise, idempotent, same as its dry run)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from core import audit, retention
from core.db import DB
from core.persons import PersonInput, create_person
from core.retention_rules import (
    DEFAULT_RULES,
    RuleInput,
    create_rule,
    ensure_default_rules,
    list_rules,
    set_rule_active,
    update_rule,
)
from core.validation import ValidationFailed
from tenants.scope import tenant_scope

TODAY = dt.date(2027, 6, 15)
ADMIN = audit.Actor("user", str(uuid.uuid4()), "admin@example.test")


async def _person(name: str, **columns) -> uuid.UUID:
    person_id = await create_person(PersonInput(first_name=name, last_name="Säilytys"))
    for column, value in columns.items():
        await DB.current_connection().execute(
            f"UPDATE person SET {column} = $2 WHERE id = $1", person_id, value
        )
    return person_id


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


async def _rule(trigger: str, months: int, action: str = "delete") -> uuid.UUID:
    return await create_rule(
        RuleInput(trigger, months, action, data_category="contact"), actor=ADMIN
    )


async def test_rules_are_validated_with_every_mistake_at_once(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        with pytest.raises(ValidationFailed) as exc:
            await create_rule(RuleInput("someday", "x", "shred"), actor=ADMIN)
        assert set(exc.value.errors) == {"trigger", "period_months", "action", "activity_id"}
        with pytest.raises(ValidationFailed) as exc:
            await create_rule(RuleInput("created", 0, activity_id=str(uuid.uuid4())), actor=ADMIN)
        assert set(exc.value.errors) == {"period_months", "activity_id"}
        rule_id = await _rule("created", 24)
        assert not await update_rule(
            rule_id, RuleInput("created", "24", "delete", data_category="contact"), actor=ADMIN
        )
        assert await update_rule(
            rule_id, RuleInput("created", 36, "anonymise", data_category="contact"), actor=ADMIN
        )
        assert await set_rule_active(rule_id, False, actor=ADMIN)
        assert not await set_rule_active(rule_id, False, actor=ADMIN)
        (rule,) = await list_rules()
        assert (rule["period_months"], rule["action"], rule["active"]) == (36, "anonymise", False)
        events = [e["action"] for e in await audit.events(action_prefix="retention_rule.")]
        assert sorted(events) == [
            "retention_rule.create",
            "retention_rule.deactivate",
            "retention_rule.update",
        ]


async def test_defaults_come_once_and_name_their_activity(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        assert await ensure_default_rules() == len(DEFAULT_RULES)
        assert await ensure_default_rules() == 0
        rules = await list_rules()
    assert {(r["activity_name"], r["trigger"], r["period_months"]) for r in rules} == {
        (name, trigger, months) for name, _c, trigger, months, _a in DEFAULT_RULES
    }


async def test_each_trigger_decides_when_a_card_is_due(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        ended_rule = await _rule("relationship_ended", 60)
        created_rule = await _rule("created", 120, "anonymise")
        quiet_rule = await _rule("last_activity", 36, "anonymise")
        # ended 5 years ago today: due exactly today; a day later: not yet
        ended = await _person(
            "Päättynyt", relationship_ended_on=dt.date(2022, 6, 15), updated_at=_at(TODAY)
        )
        await _person("Tuore", relationship_ended_on=dt.date(2022, 6, 16), updated_at=_at(TODAY))
        old = await _person("Vanha", created_at=_at(dt.date(2017, 6, 1)), updated_at=_at(TODAY))
        quiet = await _person("Hiljainen", updated_at=_at(dt.date(2024, 1, 1)))
        # quiet on its own card, but a contact event last year keeps it
        busy = await _person("Aktiivinen", updated_at=_at(dt.date(2024, 1, 1)))
        await DB.current_connection().execute(
            "INSERT INTO contact_event (id, person, channel, direction, summary, happened_at, "
            "created_at, recorded_by) VALUES ($1, $2, 'phone', 'outbound', '', $3, now(), '')",
            uuid.uuid4(),
            busy,
            _at(dt.date(2026, 9, 1)),
        )
        # both delete (ended) and anonymise (created long ago) are due: delete wins
        both = await _person(
            "Molemmat",
            relationship_ended_on=dt.date(2020, 1, 31),
            created_at=_at(dt.date(2010, 1, 1)),
            updated_at=_at(TODAY),
        )
        report = await retention.find_due(TODAY)
    due = {entry[0]: entry for entry in report["due"]}
    assert set(due) == {str(ended), str(old), str(quiet), str(both)}
    assert due[str(ended)][1:] == [str(ended_rule), "delete", "2022-06-15", "2027-06-15"]
    assert due[str(old)][1:3] == [str(created_rule), "anonymise"]
    assert due[str(quiet)][1:] == [str(quiet_rule), "anonymise", "2024-01-01", "2027-01-01"]
    assert due[str(both)][1:] == [str(ended_rule), "delete", "2020-01-31", "2025-01-31"]
    assert report["held"] == []


async def test_month_end_trigger_dates_follow_the_calendar(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        await _rule("relationship_ended", 1)
        jan31 = await _person("Tammikuu", relationship_ended_on=dt.date(2028, 1, 31))
        report = await retention.find_due(dt.date(2028, 2, 29))
        assert [e[0] for e in report["due"]] == [str(jan31)]
        assert report["due"][0][4] == "2028-02-29"
        assert (await retention.find_due(dt.date(2028, 2, 28)))["due"] == []


async def test_legal_holds_keep_cards_and_say_why(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        await _rule("relationship_ended", 12)
        ended = dt.date(2020, 1, 1)
        held = await _person("Pidetty", relationship_ended_on=ended)
        open_ended = await _person("Riita", relationship_ended_on=ended)
        expired = await _person("Vanhentunut", relationship_ended_on=ended)
        lifted = await _person("Päätetty", relationship_ended_on=ended)
        conn = DB.current_connection()
        for person, kind, until, ended_at in (
            (held, "open_invoice", TODAY, None),  # until today: still holds
            (held, "bookkeeping", dt.date(2030, 1, 1), None),
            (open_ended, "litigation", None, None),
            (expired, "debt_collection", TODAY - dt.timedelta(days=1), None),
            (lifted, "misuse_investigation", None, _at(TODAY)),
        ):
            await conn.execute(
                "INSERT INTO legal_hold (id, person, reason_kind, reason, until, created_at, "
                "created_by, ended_at) VALUES ($1, $2, $3, 'syy', $4, now(), '', $5)",
                uuid.uuid4(),
                person,
                kind,
                until,
                ended_at,
            )
        report = await retention.find_due(TODAY)
    assert {e[0] for e in report["due"]} == {str(expired), str(lifted)}
    held_rows = {e[0]: e[5:] for e in report["held"]}
    assert held_rows == {
        str(held): [["bookkeeping", "open_invoice"], "2030-01-01"],
        str(open_ended): [["litigation"], None],
    }
    (counts,) = report["rules"].values()
    assert counts == {"delete": 2, "held": 2}


async def test_dry_run_is_reported_with_ids_only_and_paged(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        await _rule("relationship_ended", 12)
        people = [
            await _person(f"Kuiva{i}", relationship_ended_on=dt.date(2020, 1, 1 + i))
            for i in range(5)
        ]
        run_id = await retention.dry_run(actor=ADMIN, on=TODAY)
        run = await retention.get_run(run_id)
        page, total = await retention.run_entries(run_id, "due", limit=2, offset=2)
        raw = await DB.current_connection().fetchval(
            "SELECT report::text FROM retention_run WHERE id = $1", run_id
        )
        (event,) = await audit.events(action_prefix="retention.dry_run")
        # a dry run removes nothing
        left = await DB.current_connection().fetchval("SELECT count(*) FROM person")
    assert run["dry_run"] and run["totals"] == {
        "due": 5,
        "delete": 5,
        "anonymise": 0,
        "held": 0,
        "parts": 0,
        "rows": 0,
    }
    assert total == 5 and [e["person_id"] for e in page] == [str(p) for p in people[2:4]]
    assert "Kuiva" not in raw and "Säilytys" not in raw
    assert event["object_id"] == str(run_id)
    assert left == 5


async def _hold(person_id: uuid.UUID, kind: str = "bookkeeping") -> None:
    await DB.current_connection().execute(
        "INSERT INTO legal_hold (id, person, reason_kind, reason, until, created_at, created_by) "
        "VALUES ($1, $2, $3, 'Kirjanpitolaki', NULL, now(), '')",
        uuid.uuid4(),
        person_id,
        kind,
    )


async def test_sweep_does_what_its_dry_run_said_and_a_second_sweep_nothing_more(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        await _rule("relationship_ended", 60)  # delete
        await _rule("created", 120, "anonymise")
        gone = [
            await _person(f"Poistuva{i}", relationship_ended_on=dt.date(2021, 1, i + 1))
            for i in range(3)
        ]
        old = await _person("Ikivanha", created_at=_at(dt.date(2015, 3, 1)))
        held = await _person("Pidossa", relationship_ended_on=dt.date(2019, 1, 1))
        await _hold(held)
        stays = await _person("Pysyvä", relationship_ended_on=dt.date(2026, 1, 1))
        dry_id = await retention.dry_run(actor=ADMIN, on=TODAY)
        first_id = await retention.sweep(on=TODAY)
        second_id = await retention.sweep(on=TODAY)
        conn = DB.current_connection()
        reports = {
            r["id"]: json.loads(r["report"])
            for r in await conn.fetch(
                "SELECT id, report::text AS report FROM retention_run WHERE id = ANY($1)",
                [dry_id, first_id, second_id],
            )
        }
        left = {
            r["id"]: (r["first_name"], r["updated_by"])
            for r in await conn.fetch("SELECT id, first_name, updated_by FROM person")
        }
        sweeps = await audit.events(action_prefix="retention.sweep")
    dry, first, second = reports[dry_id], reports[first_id], reports[second_id]
    # the dry run listed exactly what the real run then removed, with the same reasons
    assert dry["due"] == first["due"]
    assert sorted(first["removed"]["delete"]) == sorted(str(p) for p in gone)
    assert first["removed"]["anonymise"] == [str(old)]
    assert {e[0] for e in dry["due"]} == {str(p) for p in [*gone, old]}
    assert first["totals"] == {
        "due": 4,
        "delete": 3,
        "anonymise": 1,
        "held": 1,
        "deleted": 3,
        "anonymised": 1,
        "parts": 0,
        "rows": 0,
        "rows_deleted": 0,
        "rows_anonymised": 0,
    }
    # deleted cards are gone; the anonymised one is a new anonymous row; held and young stay
    assert not set(gone) & set(left) and old not in left
    assert left[held][0] == "Pidossa" and left[stays][0] == "Pysyvä"
    anonymous = [v for k, v in left.items() if k not in (held, stays)]
    assert anonymous == [("Anonymisoitu", "erasure:anonymised")]
    # the second sweep finds nothing more and reports the same held card
    assert second["due"] == [] and second["removed"] == {"delete": [], "anonymise": []}
    assert second["held"] == first["held"] == dry["held"]
    assert [h[0] for h in second["held"]] == [str(held)]
    assert second["totals"]["held"] == 1 and second["totals"]["deleted"] == 0
    assert {e["object_id"] for e in sweeps} == {str(first_id), str(second_id)}


async def test_sweep_removes_a_held_card_once_its_hold_ends(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        await _rule("relationship_ended", 12)
        held = await _person("Odottava", relationship_ended_on=dt.date(2020, 1, 1))
        await _hold(held, "litigation")
        first = await retention.get_run(await retention.sweep(on=TODAY))
        await DB.current_connection().execute(
            "UPDATE legal_hold SET ended_at = now() WHERE person = $1", held
        )
        second = await retention.get_run(await retention.sweep(on=TODAY))
        exists = await DB.current_connection().fetchval(
            "SELECT count(*) FROM person WHERE id = $1", held
        )
    assert (first["totals"]["held"], first["totals"]["deleted"]) == (1, 0)
    assert (second["totals"]["held"], second["totals"]["deleted"]) == (0, 1)
    assert exists == 0


async def _category_rule(category: str, trigger: str, months: int, action: str) -> uuid.UUID:
    return await create_rule(
        RuleInput(trigger, months, action, data_category=category), actor=ADMIN
    )


async def _contact(person_id: uuid.UUID, day: dt.date, summary: str = "Soitto") -> None:
    await DB.current_connection().execute(
        "INSERT INTO contact_event (id, person, channel, direction, summary, happened_at, "
        "created_at, recorded_by) VALUES ($1, $2, 'phone', 'outbound', $3, $4, now(), '')",
        uuid.uuid4(),
        person_id,
        summary,
        _at(day),
    )


async def _feedback(person_id: uuid.UUID, day: dt.date, comment: str) -> None:
    await DB.current_connection().execute(
        "INSERT INTO customer_feedback (id, person, kind, score, comment, received_on, "
        "recorded_by, created_at) VALUES ($1, $2, 'satisfaction', 4, $3, $4, '', now())",
        uuid.uuid4(),
        person_id,
        comment,
        day,
    )


async def _preference(person_id: uuid.UUID, kind: str, ended_on: dt.date | None) -> None:
    await DB.current_connection().execute(
        "INSERT INTO customer_preference (id, person, kind, topic, value, given_on, ended_on, "
        "recorded_by, created_at) VALUES ($1, $2, $3, 'no_phone_calls', 'Ei puheluita', "
        "$4, $5, '', now())",
        uuid.uuid4(),
        person_id,
        kind,
        dt.date(2015, 1, 1),
        ended_on,
    )


async def test_category_rules_remove_only_their_rows_and_a_second_sweep_nothing(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        # contact events 24 months after each event (its own time); feedback comments cleared
        # 12 months after the relationship ended; the HETU 12 months after it; ended
        # preferences deleted 12 months after they were given, never a restriction in force
        events_rule = await _category_rule("contact_history", "created", 24, "delete")
        feedback_rule = await _category_rule("feedback", "relationship_ended", 12, "anonymise")
        hetu_rule = await _category_rule("identity_code", "relationship_ended", 12, "delete")
        await _category_rule("preferences", "created", 12, "delete")
        ended = dt.date(2020, 1, 1)
        card = await _person(
            "Osittainen", relationship_ended_on=ended, hetu_encrypted="x", hetu_hash="h" * 64
        )
        held = await _person("Pidossa", relationship_ended_on=ended, hetu_hash="g" * 64)
        await _hold(held)
        young = await _person("Nuori", hetu_hash="y" * 64)
        for person in (card, held, young):
            await _contact(person, dt.date(2020, 3, 1), "Vanha puhelu")
            await _contact(person, dt.date(2026, 3, 1), "Uusi puhelu")
            await _feedback(person, dt.date(2019, 5, 1), "Hyvää palvelua")
        await _preference(card, "restriction", None)  # in force: protects the person
        await _preference(card, "personalisation", dt.date(2016, 1, 1))
        dry_id = await retention.dry_run(actor=ADMIN, on=TODAY)
        first_id = await retention.sweep(on=TODAY)
        second_id = await retention.sweep(on=TODAY)
        conn = DB.current_connection()
        reports = {
            r["id"]: json.loads(r["report"])
            for r in await conn.fetch(
                "SELECT id, report::text AS report FROM retention_run WHERE id = ANY($1)",
                [dry_id, first_id, second_id],
            )
        }
        events = {
            (r["person"], r["summary"])
            for r in await conn.fetch("SELECT person, summary FROM contact_event")
        }
        feedback = {
            (r["person"], r["comment"], r["score"])
            for r in await conn.fetch("SELECT person, comment, score FROM customer_feedback")
        }
        hetu = {
            r["id"]: (r["hetu_encrypted"], r["hetu_hash"])
            for r in await conn.fetch("SELECT id, hetu_encrypted, hetu_hash FROM person")
        }
        prefs = [r["kind"] for r in await conn.fetch("SELECT kind FROM customer_preference")]
        page, total = await retention.run_entries(first_id, "parts", limit=50, offset=0)
    dry, first, second = reports[dry_id], reports[first_id], reports[second_id]
    # every card stays: only the category rows went
    assert set(hetu) == {card, held, young}
    assert events == {
        (card, "Uusi puhelu"),
        (held, "Vanha puhelu"),
        (held, "Uusi puhelu"),
        (young, "Uusi puhelu"),
    }
    assert feedback == {
        (card, "", 4),  # anonymised: the comment cleared, the answer and its date kept
        (held, "Hyvää palvelua", 4),
        (young, "Hyvää palvelua", 4),
    }
    assert hetu[card] == (None, None) and hetu[held][1] == "g" * 64
    assert hetu[young][1] == "y" * 64
    assert prefs == ["restriction"]
    # the dry run listed exactly what the sweep removed: per card and rule, with row counts
    assert dry["parts"] == first["parts"] and dry["held"] == first["held"]
    assert first["due"] == [] and first["removed"] == {"delete": [], "anonymise": []}
    parts = {(e[0], e[1]): e[2:5] for e in first["parts"]}
    assert parts[(str(card), str(events_rule))] == ["contact_history", "delete", 1]
    assert parts[(str(card), str(feedback_rule))] == ["feedback", "anonymise", 1]
    assert parts[(str(card), str(hetu_rule))] == ["identity_code", "delete", 1]
    assert {(e[0], e[2]) for e in first["parts"]} == {
        (str(card), c) for c in ("contact_history", "feedback", "identity_code", "preferences")
    } | {(str(young), "contact_history")}
    # the held card: untouched, reported under each rule that would have acted on it
    assert {(h[0], h[1]) for h in first["held"]} == {
        (str(held), str(r)) for r in (events_rule, feedback_rule, hetu_rule)
    }
    assert (
        first["totals"]["rows"]
        == 5
        == (first["totals"]["rows_deleted"] + first["totals"]["rows_anonymised"])
    )
    assert first["totals"]["rows_anonymised"] == 1
    assert total == len(first["parts"]) and page[0]["rows"] >= 1
    assert "Osittainen" not in json.dumps(first) and "puhelu" not in json.dumps(first)
    # a second sweep finds nothing more and reports the same held card
    assert second["parts"] == [] and second["totals"]["rows_deleted"] == 0
    assert second["held"] == first["held"]


async def test_a_card_going_whole_is_not_listed_again_under_a_category_rule(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        await _rule("relationship_ended", 12)
        await _category_rule("contact_history", "relationship_ended", 12, "delete")
        card = await _person("Kokonaan", relationship_ended_on=dt.date(2020, 1, 1))
        await _contact(card, dt.date(2019, 1, 1))
        report = await retention.find_due(TODAY)
    assert [e[0] for e in report["due"]] == [str(card)] and report["parts"] == []


async def test_rules_on_consents_and_anonymised_links_are_refused(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        with pytest.raises(ValidationFailed) as exc:
            await _category_rule("consents", "created", 60, "delete")
        assert exc.value.errors["data_category"][0] == "append_only"
        with pytest.raises(ValidationFailed) as exc:
            await _category_rule("content", "last_activity", 60, "anonymise")
        assert set(exc.value.errors) == {"action"}
        await _category_rule("content", "last_activity", 60, "delete")
        assert len(await list_rules()) == 1


async def test_a_card_whose_last_activity_the_same_sweep_deletes_goes_in_that_sweep(make_tenant):
    """Deleting a card's old contact events can make its last activity older: the sweep judges
    the card as it will stand afterwards, so it goes now (as the dry run said) and a second
    sweep finds nothing — not a card left to go on the next night."""
    t = await make_tenant()
    async with tenant_scope(t.slug):
        await _rule("last_activity", 60)
        await _category_rule("contact_history", "created", 24, "delete")
        quiet = await _person("Hiljainen", updated_at=_at(dt.date(2019, 1, 1)))
        await _contact(quiet, dt.date(2024, 1, 1))  # 41 months before TODAY: deleted now
        active = await _person("Aktiivinen", updated_at=_at(dt.date(2019, 1, 1)))
        await _contact(active, dt.date(2024, 1, 1))
        await _contact(active, dt.date(2026, 1, 1))  # 17 months: kept, keeps the card
        seen = await retention.find_due(TODAY)
        first = await retention.sweep(on=TODAY)
        second = await retention.sweep(on=TODAY)
        conn = DB.current_connection()
        reports = [
            json.loads(
                await conn.fetchval("SELECT report::text FROM retention_run WHERE id = $1", run)
            )
            for run in (first, second)
        ]
        left = {r["id"] for r in await conn.fetch("SELECT id FROM person")}
        events = await conn.fetchval("SELECT count(*) FROM contact_event")
    assert [e[0] for e in seen["due"]] == [str(quiet)]
    assert [p[0] for p in seen["parts"]] == [str(active)]  # its old call only
    assert reports[0]["removed"]["delete"] == [str(quiet)]
    assert quiet not in left and active in left and events == 1
    assert reports[1]["due"] == [] and reports[1]["parts"] == []
