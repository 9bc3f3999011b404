"""Data-subject requests: deadlines (Art. 12(3)), verification, extension, refusal, repeated
access copies, reminders; every step in the request's history and the audit trail."""

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from core import audit, requests
from core.db import DB
from core.mail import outbox
from core.persons import PersonInput, create_person
from core.request_deadlines import (
    days_left,
    due_date,
    extended_due_date,
    local_date,
    send_reminders,
    today,
)
from core.requests import RequestError
from tenants.scope import tenant_scope

KEY = "test-secret-key-for-request-codes"
STAFF = audit.Actor("user", str(uuid.uuid4()), "kasittelija@rekisteri.example")


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2027, 1, 31), date(2027, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),  # leap year
        (date(2028, 1, 30), date(2028, 2, 29)),
        (date(2027, 3, 31), date(2027, 4, 30)),
        (date(2026, 12, 31), date(2027, 1, 31)),
        (date(2027, 2, 28), date(2027, 3, 28)),
        (date(2027, 6, 15), date(2027, 7, 15)),
    ],
)
def test_due_date_is_one_calendar_month_clamped_to_the_month_end(received, due):
    assert due_date(received) == due


def test_extension_is_counted_from_the_original_due_date_and_at_most_two_months():
    assert extended_due_date(date(2027, 2, 28), 2) == date(2027, 4, 28)
    assert extended_due_date(date(2027, 3, 31), 2) == date(2027, 5, 31)
    assert extended_due_date(date(2027, 3, 31), 1) == date(2027, 4, 30)
    for months in (0, 3):
        with pytest.raises(ValueError):
            extended_due_date(date(2027, 3, 31), months)


def test_the_receipt_date_is_the_helsinki_date():
    # 22:30 UTC on 28 Feb is already 1 March in Helsinki (UTC+2).
    assert local_date(datetime(2027, 2, 28, 22, 30, tzinfo=UTC)) == date(2027, 3, 1)
    assert due_date(local_date(datetime(2027, 2, 28, 22, 30, tzinfo=UTC))) == date(2027, 4, 1)


async def _person(email="pyytaja@koti.example"):
    return await create_person(
        PersonInput(first_name="Pyry", last_name="Pyytäjä", emails=[email] if email else [])
    )


async def _code_from_outbox(to: str) -> str:
    mail = next(m for m in await outbox() if m["recipient"] == to and m["kind"] == "request_code")
    return re.search(r"\b(\d{6})\b", mail["body"]).group(1)


async def test_a_request_is_due_a_month_after_receipt_and_logged(tenant):
    async with tenant_scope(tenant.slug):
        person = await _person()
        r = await requests.create_request(
            person, "erasure", actor=STAFF, requester_email="pyytaja@koti.example"
        )
        assert r["status"] == "received" and r["due_on"] == due_date(today())
        assert r["effective_due"] == r["due_on"] and not r["repeated"]
        history = await requests.request_events(r["id"])
        assert [e["action"] for e in history] == ["received"]
        events = await audit.events(action_prefix="request.", object_id=r["id"])
        assert [e["action"] for e in events] == ["request.received"]
        assert events[0]["actor_label"] == STAFF.label
        assert events[0]["person_id"] == person  # the person the request is about


async def test_a_request_that_came_in_earlier_is_due_a_month_from_its_receipt(tenant):
    async with tenant_scope(tenant.slug):
        person = await _person()
        letter = today() - timedelta(days=5)
        r = await requests.create_request(person, "access", actor=STAFF, received_on=letter)
        assert local_date(r["received_at"]) == letter and r["due_on"] == due_date(letter)
        same_day = await requests.create_request(
            person, "erasure", actor=STAFF, received_on=today()
        )
        assert same_day["due_on"] == due_date(today())
        with pytest.raises(RequestError) as exc:
            await requests.create_request(
                person, "erasure", actor=STAFF, received_on=today() + timedelta(days=1)
            )
        assert exc.value.reason == "bad_date"


async def test_nothing_happens_before_verification(tenant):
    async with tenant_scope(tenant.slug):
        r = await requests.create_request(
            await _person(), "access", actor=STAFF, requester_email="pyytaja@koti.example"
        )
        for step in (requests.start, requests.complete):
            with pytest.raises(RequestError) as exc:
                await step(r["id"], actor=STAFF)
            assert exc.value.reason == "not_allowed"
        await requests.send_code(r["id"], actor=STAFF, secret_key=KEY)
        with pytest.raises(RequestError):
            await requests.start(r["id"], actor=STAFF)
        code = await _code_from_outbox("pyytaja@koti.example")
        stored = await DB.current_connection().fetchval(
            "SELECT verification_code_hash FROM data_subject_request WHERE id = $1", r["id"]
        )
        assert code not in stored  # only a keyed hash is kept
        assert (await requests.check_code(r["id"], code, actor=STAFF, secret_key=KEY)).ok
        with pytest.raises(RequestError):
            await requests.complete(r["id"], actor=STAFF)  # must be started first
        await requests.start(r["id"], actor=STAFF)
        await requests.complete(r["id"], actor=STAFF, note="Kopio lähetetty")
        done = await requests.get_request(r["id"])
        assert done["status"] == "completed" and done["completed_at"] and done["verified_at"]
        actions = [e["action"] for e in await requests.request_events(r["id"])]
        assert actions == ["received", "code_sent", "verified", "started", "completed"]
        logged = await audit.events(action_prefix="request.", object_id=r["id"])
        assert len(logged) == len(actions)


async def test_wrong_codes_are_counted_and_the_fifth_voids_the_code(tenant):
    async with tenant_scope(tenant.slug):
        r = await requests.create_request(
            await _person(), "portability", actor=STAFF, requester_email="pyytaja@koti.example"
        )
        await requests.send_code(r["id"], actor=STAFF, secret_key=KEY)
        code = await _code_from_outbox("pyytaja@koti.example")
        wrong = "000000" if code != "000000" else "111111"
        results = [
            (await requests.check_code(r["id"], wrong, actor=STAFF, secret_key=KEY)).failure
            for _ in range(5)
        ]
        assert results == ["wrong_code"] * 4 + ["too_many_attempts"]
        # The right code no longer works either: the code is gone.
        check = await requests.check_code(r["id"], code, actor=STAFF, secret_key=KEY)
        assert not check.ok and check.failure == "no_code"
        assert (await requests.get_request(r["id"]))["verification_attempts"] == 5
        # A new code starts over.
        await DB.current_connection().execute("DELETE FROM mail_message")
        await requests.send_code(r["id"], actor=STAFF, secret_key=KEY)
        fresh = await _code_from_outbox("pyytaja@koti.example")
        assert (await requests.check_code(r["id"], fresh, actor=STAFF, secret_key=KEY)).ok


async def test_manual_verification_needs_a_note_of_how(tenant):
    async with tenant_scope(tenant.slug):
        r = await requests.create_request(await _person(), "rectification", actor=STAFF)
        with pytest.raises(RequestError) as exc:
            await requests.verify_manually(r["id"], "  ", actor=STAFF)
        assert exc.value.reason == "reason_required"
        await requests.verify_manually(r["id"], "Ajokortti näytetty toimistolla", actor=STAFF)
        assert (await requests.get_request(r["id"]))["status"] == "verified"


async def test_refusal_needs_a_written_reason_which_is_mailed(tenant):
    async with tenant_scope(tenant.slug):
        r = await requests.create_request(
            await _person(), "erasure", actor=STAFF, requester_email="pyytaja@koti.example"
        )
        with pytest.raises(RequestError) as exc:
            await requests.refuse(r["id"], "", actor=STAFF)
        assert exc.value.reason == "reason_required"
        assert (await requests.get_request(r["id"]))["status"] == "received"
        await requests.refuse(r["id"], "Kirjanpitolaki edellyttää säilyttämistä", actor=STAFF)
        refused = await requests.get_request(r["id"])
        assert refused["status"] == "refused" and refused["refusal_reason"]
        mail = [m for m in await outbox() if m["kind"] == "request_refusal"]
        assert mail[0]["recipient"] == "pyytaja@koti.example"
        assert "Kirjanpitolaki edellyttää säilyttämistä" in mail[0]["body"]
        with pytest.raises(RequestError):  # closed: nothing more
            await requests.extend(r["id"], 1, "Syy", actor=STAFF)


async def test_extension_needs_a_reason_at_most_two_months_and_before_the_due_date(tenant):
    async with tenant_scope(tenant.slug):
        r = await requests.create_request(
            await _person(), "access", actor=STAFF, requester_email="pyytaja@koti.example"
        )
        due = r["due_on"]
        for months, reason, expected in ((1, " ", "reason_required"), (3, "Syy", "bad_months")):
            with pytest.raises(RequestError) as exc:
                await requests.extend(r["id"], months, reason, actor=STAFF)
            assert exc.value.reason == expected
        with pytest.raises(RequestError) as exc:
            await requests.extend(r["id"], 1, "Myöhässä", actor=STAFF, on=due + timedelta(days=1))
        assert exc.value.reason == "too_late"
        assert not [m for m in await outbox() if m["kind"] == "request_extension"]
        until = await requests.extend(
            r["id"], 1, "Pyyntöjä on poikkeuksellisen paljon", actor=STAFF, on=due
        )
        assert until == extended_due_date(due, 1)
        # Once more up to two months from the original due date, never beyond.
        assert await requests.extend(r["id"], 2, "Laaja aineisto", actor=STAFF) == (
            extended_due_date(due, 2)
        )
        with pytest.raises(RequestError):
            await requests.extend(r["id"], 2, "Vielä", actor=STAFF)
        extended = await requests.get_request(r["id"])
        assert extended["effective_due"] == extended_due_date(due, 2)
        assert extended["due_on"] == due  # the original stays on record
        notices = [m for m in await outbox() if m["kind"] == "request_extension"]
        assert len(notices) == 2 and all(m["recipient"] == "pyytaja@koti.example" for m in notices)
        assert any("Pyyntöjä on poikkeuksellisen paljon" in m["body"] for m in notices)


async def test_a_second_access_request_within_a_year_is_flagged_repeated(tenant):
    async with tenant_scope(tenant.slug):
        person = await _person()
        first = await requests.create_request(person, "access", actor=STAFF)
        # An unverified request does not count as a copy given.
        assert not (await requests.create_request(person, "access", actor=STAFF))["repeated"]
        await requests.verify_manually(first["id"], "Henkilökortti", actor=STAFF)
        second = await requests.create_request(person, "access", actor=STAFF)
        assert second["repeated"]
        assert not (await requests.create_request(person, "erasure", actor=STAFF))["repeated"]
        other = await requests.create_request(
            await _person("toinen@koti.example"), "access", actor=STAFF
        )
        assert not other["repeated"]
        # More than 12 months ago: free again.
        await DB.current_connection().execute(
            "UPDATE data_subject_request SET received_at = now() - interval '13 months' "
            "WHERE person_id = $1",
            person,
        )
        assert not (await requests.create_request(person, "access", actor=STAFF))["repeated"]


async def test_reminders_once_per_threshold_and_again_after_an_extension(tenant):
    async with tenant_scope(tenant.slug):
        conn = DB.current_connection()
        r = await requests.create_request(
            await _person(), "erasure", actor=STAFF, requester_email="pyytaja@koti.example"
        )
        done = await requests.create_request(await _person(), "erasure", actor=STAFF)
        await requests.refuse(done["id"], "Ei henkilöllisyyttä", actor=STAFF)
        await conn.execute("UPDATE data_subject_request SET due_on = $1", today())
        day = today()

        def reminders():
            return [m for m in mails if m["kind"] == "request_reminder"]

        # 10 days before: nothing; 7 days before: one reminder per admin; again: nothing.
        assert await send_reminders(day - timedelta(days=10)) == 0
        assert await send_reminders(day - timedelta(days=7)) == 1
        assert await send_reminders(day - timedelta(days=6)) == 0
        assert await send_reminders(day - timedelta(days=2)) == 1
        assert await send_reminders(day - timedelta(days=1)) == 0
        assert await send_reminders(day + timedelta(days=3)) == 0  # overdue: already told
        mails = await outbox()
        admins = await conn.fetchval("SELECT count(*) FROM app_user WHERE role = 'admin'")
        assert len(reminders()) == 2 * admins
        # An extension moves the due date: the reminders come again before the new one.
        await requests.extend(r["id"], 1, "Lisäaikaa", actor=STAFF, on=day)
        new_due = (await requests.get_request(r["id"]))["effective_due"]
        assert await send_reminders(new_due - timedelta(days=7)) == 1
        assert days_left(await requests.get_request(r["id"]), new_due) == 0
        actions = [e["action"] for e in await requests.request_events(r["id"])]
        assert actions.count("reminder_7") == 2 and actions.count("reminder_2") == 1
