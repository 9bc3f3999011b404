"""Erasure: no trace of the person in any table, in the object store (old versions included) or
in search; held persons are kept with the reason; suppression catches the same e-mail again."""

import uuid
from datetime import date, timedelta

from minio.commonconfig import ENABLED
from minio.versioningconfig import VersioningConfig

from core import attachments, audit, hetu, legal_holds, suppression
from core.attachments import Owner, Upload
from core.comments import CommentTarget, add_comment
from core.content import ContentInput, create_item, link_person
from core.context import current_tenant
from core.db import DB
from core.erasure import ANONYMISED_MARK, erase_persons
from core.merge import merge_persons
from core.persons import PersonInput, create_person
from core.requests import create_request
from core.search import search
from core.visibility import Viewer
from tenants.scope import tenant_scope

ACTOR = audit.Actor("user", "u1", "admin@example.fi")
NAME = ("Ilmari", "Vesiheinä")
EMAIL = "ilmari.vesihena@esimerkki.fi"
EMAIL2 = "ilmari@koti.example"
PHONE = "+358401112233"
HETU = "131052-308T"
REDIRECT_EMAIL = "ilmari.vanha@esimerkki.fi"
# The only places the erased person's id may remain, as a value: the request rows (what was
# done and when), the audit trail (append-only, ids only) and the transfer register (what was
# sent to whom). Nothing of these holds the name, an address, a phone or the HETU.
ID_VALUE_ONLY = {"data_subject_request", "audit_event", "transfer", "request_event"}


async def _admin() -> Viewer:
    user_id = await DB.current_connection().fetchval(
        "SELECT id FROM app_user WHERE role = 'admin' ORDER BY email LIMIT 1"
    )
    return Viewer(user_id=user_id, role="admin")


async def _everything(slug: str, store) -> dict:
    """A person with everything, their old merged card, and a second person."""
    async with tenant_scope(slug):
        conn = DB.current_connection()
        admin = await _admin()
        await hetu.set_enabled(True, "asiakkuuden tunnistus", changed_by="admin@example.fi")
        pid = await create_person(
            PersonInput(
                first_name=NAME[0],
                last_name=NAME[1],
                emails=[EMAIL, EMAIL2],
                phones=[PHONE],
                title="Hallituksen jäsen",
                keywords=["purjehdus"],
                description="Tavattu Vesiheinän mökillä.",
            )
        )
        old = await create_person(
            PersonInput(first_name=NAME[0], last_name=NAME[1], emails=[REDIRECT_EMAIL])
        )
        await merge_persons(pid, old, actor="admin@example.fi")
        await hetu.set_code(pid, HETU)
        other = await create_person(
            PersonInput(first_name="Toinen", last_name="Henkilö", emails=["toinen@example.fi"])
        )
        item = await create_item(admin, ContentInput(kind="meeting", title="Kokous"))
        await link_person(admin, item, pid, "participant")
        await link_person(admin, item, other, "participant")
        await add_comment(admin, CommentTarget("person", pid), "Soita Ilmarille", actor=ACTOR)
        activity = await conn.fetchval("SELECT id FROM processing_activity LIMIT 1")
        if activity is None:
            activity = uuid.uuid4()
            await conn.execute(
                "INSERT INTO processing_activity (id, name, lawful_basis) VALUES ($1, 'a', 'b')",
                activity,
            )
        for sql in (
            "INSERT INTO consent_event (id, person, channel, purpose, given, method, actor_label) "
            "VALUES (gen_random_uuid(), $1, 'email', 'newsletter', true, 'form', $2)",
            "INSERT INTO objection_event (id, person, kind, active, method, actor_label) "
            "VALUES (gen_random_uuid(), $1, 'profiling', true, 'form', $2)",
            "INSERT INTO person_provenance (id, person, source_kind, source_detail) "
            "VALUES (gen_random_uuid(), $1, 'import', $2)",
            "INSERT INTO contact_event (id, person, channel, direction, summary) "
            "VALUES (gen_random_uuid(), $1, 'email', 'inbound', $2)",
            "INSERT INTO customer_feedback (id, person, comment) "
            "VALUES (gen_random_uuid(), $1, $2)",
            "INSERT INTO customer_preference (id, person, kind, topic, value) "
            "VALUES (gen_random_uuid(), $1, 'personalisation', 'tone', $2)",
            "INSERT INTO field_change (id, person, field, old_value, new_value) "
            "VALUES (gen_random_uuid(), $1, 'email', $2, 'x')",
            "INSERT INTO rectification (id, person, field, old_value, new_value) "
            "VALUES (gen_random_uuid(), $1, 'last_name', $2, 'x')",
            "INSERT INTO transfer (id, person_id, processor, recipient) "
            "VALUES (gen_random_uuid(), $1, 'Postitus Oy', $2)",
            "INSERT INTO mail_message (id, recipient, subject, body) "
            "SELECT gen_random_uuid(), $2, 'Hei', 'Hei Ilmari' WHERE $1::uuid IS NOT NULL",
            "INSERT INTO app_user (id, email, role, person) "
            "VALUES (gen_random_uuid(), $2, 'self', $1)",
        ):
            await conn.execute(sql, pid, EMAIL)
        await conn.execute(
            "INSERT INTO person_lawful_basis (id, person, activity, basis, source) "
            "VALUES (gen_random_uuid(), $1, $2, 'b', 'sopimus')",
            pid,
            activity,
        )
        request = await create_request(
            pid,
            "erasure",
            actor=ACTOR,
            channel="self_service",
            requester_email=EMAIL,
            details=f"Poistakaa {NAME[1]}",
            received_on=date.today(),
        )
        request_id = request["id"] if isinstance(request, dict) else request
        bucket = current_tenant().bucket
        store.client.set_bucket_versioning(bucket, VersioningConfig(ENABLED))
    async with tenant_scope(slug):
        admin = await _admin()
        card_file = await attachments.upload(
            Owner("person", pid), Upload("sopimus.pdf", b"%PDF-1.7\nv1"), viewer=admin, actor=ACTOR
        )
        other_file = await attachments.upload(
            Owner("person", other), Upload("muu.pdf", b"%PDF-1.7\nmuu"), viewer=admin, actor=ACTOR
        )
        # A second and third version of the same object.
        for version in (b"%PDF-1.7\nv2", b"%PDF-1.7\nv3"):
            await store.put(card_file["object_key"], version, "application/pdf")
        bundle_key = f"bundles/{uuid.uuid4()}.zip"
        await store.put(bundle_key, b"bundle of " + EMAIL.encode(), "application/zip")
        await DB.current_connection().execute(
            "UPDATE data_subject_request SET bundle_key = $2 WHERE id = $1", request_id, bundle_key
        )
    versions = _versions(store, bucket, card_file["object_key"])
    assert len(versions) == 3, versions
    return {
        "pid": pid,
        "old": old,
        "other": other,
        "request_id": request_id,
        "bucket": bucket,
        "keys": [card_file["object_key"], bundle_key],
        "other_key": other_file["object_key"],
    }


def _versions(store, bucket, key) -> list:
    return [
        o.version_id
        for o in store.client.list_objects(bucket, prefix=key, include_version=True)
        if o.object_name == key
    ]


async def _traces(needles: list[str]) -> dict[str, int]:
    """table -> rows whose text contains any needle, over every table of the tenant schema."""
    conn = DB.current_connection()
    tables = [
        r["table_name"]
        for r in await conn.fetch(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    ]
    found = {}
    for table in tables:
        count = await conn.fetchval(
            f'SELECT count(*) FROM "{table}" t WHERE lower(t::text) LIKE ANY($1::text[])',
            [f"%{n.lower()}%" for n in needles],
        )
        if count:
            found[table] = count
    return found


async def test_erasure_leaves_no_trace_in_tables_objects_or_search(make_tenant, store):
    tenant = await make_tenant()
    made = await _everything(tenant.slug, store)
    pid = made["pid"]
    async with tenant_scope(tenant.slug):
        before = await _traces([NAME[1], EMAIL, EMAIL2, PHONE, HETU, REDIRECT_EMAIL])
        assert {"person", "person_email", "person_phone", "mail_message"} <= set(before)
        report = await erase_persons([pid], actor=ACTOR, request_id=made["request_id"])
    assert report["erased"] == [str(pid)] and report["held"] == []
    assert report["redirects_removed"] == 1
    assert report["objects_removed"] == 2 and report["suppressed"] == 4
    for table in ("person_email", "consent_event", "attachment", "content_link", "person_merge"):
        assert report["tables"][table] >= 1, table

    async with tenant_scope(tenant.slug):
        name_needles = [NAME[0], NAME[1], EMAIL, EMAIL2, PHONE, HETU, REDIRECT_EMAIL]
        assert await _traces(name_needles) == {}
        # Rows linked by id: only the id-value tables named above keep the id.
        id_rows = await _traces([str(pid), str(made["old"])])
        assert set(id_rows) <= ID_VALUE_ONLY, id_rows
        conn = DB.current_connection()
        assert await conn.fetchval("SELECT count(*) FROM name_word WHERE word = 'vesiheina'") == 0
        for query in (NAME[1], "Vesihena", EMAIL, PHONE, "040 111 2233", HETU):
            assert (await search(query)).total == 0, query
        # The second person is intact, with their file.
        assert (await search("toinen@example.fi")).total == 1
        assert await conn.fetchval("SELECT count(*) FROM content_link") == 1
        events = await audit.events(action_prefix="person.erased")
        assert len(events) == 1 and events[0]["detail"]["persons"] == [str(pid)]
        assert NAME[1] not in str(events[0]["detail"])
    for key in made["keys"]:
        assert _versions(store, made["bucket"], key) == [], key
    assert _versions(store, made["bucket"], made["other_key"])

    # Re-creating or re-importing the same address is caught.
    async with tenant_scope(tenant.slug):
        hits = await suppression.find_suppressed([EMAIL, "new@example.fi"], [PHONE])
        assert sorted(h["value"] for h in hits) == sorted([EMAIL, PHONE])


async def test_held_person_is_kept_with_the_reason_and_others_go(make_tenant):
    tenant = await make_tenant()
    async with tenant_scope(tenant.slug):
        held = await create_person(PersonInput(first_name="Pidetty", last_name="Lasku"))
        ended = await create_person(PersonInput(first_name="Päättynyt", last_name="Pito"))
        free = await create_person(PersonInput(first_name="Vapaa", last_name="Lähtijä"))
        until = date.today() + timedelta(days=30)
        await legal_holds.create_hold(held, "open_invoice", "Lasku 123 auki", until, by="a")
        old = await legal_holds.create_hold(ended, "litigation", "Riita", None, by="a")
        await legal_holds.end_hold(ended, old["id"])
        # An end date in the past no longer holds (written directly: the form refuses it).
        await DB.current_connection().execute(
            "INSERT INTO legal_hold (id, person, reason_kind, reason, until) "
            "VALUES (gen_random_uuid(), $1, 'bookkeeping', 'vanha', current_date - 1)",
            free,
        )
        report = await erase_persons([held, ended, free], actor=ACTOR)
    assert sorted(report["erased"]) == sorted([str(ended), str(free)])
    assert report["held"] == [
        {
            "person_id": str(held),
            "holds": [
                {
                    "id": report["held"][0]["holds"][0]["id"],
                    "reason_kind": "open_invoice",
                    "reason": "Lasku 123 auki",
                    "until": until.isoformat(),
                }
            ],
        }
    ]
    async with tenant_scope(tenant.slug):
        ids = await DB.current_connection().fetch("SELECT id FROM person")
        assert [r["id"] for r in ids] == [held]


async def test_anonymise_keeps_an_unlinked_row_without_identity(make_tenant):
    tenant = await make_tenant()
    async with tenant_scope(tenant.slug):
        admin = await _admin()
        pid = await create_person(
            PersonInput(first_name="Anna", last_name="Anonyymi", emails=["anna@example.fi"])
        )
        item = await create_item(admin, ContentInput(kind="meeting", title="Tapaaminen"))
        await link_person(admin, item, pid, "participant")
        report = await erase_persons([pid], actor=ACTOR, mode="anonymise")
        again = await erase_persons(report["anonymised"]["new_ids"], actor=ACTOR, mode="anonymise")
        assert (
            again["erased"] == [] and again["already_anonymised"] == report["anonymised"]["new_ids"]
        )
        conn = DB.current_connection()
        row = await conn.fetchrow("SELECT * FROM person")
        assert str(row["id"]) != str(pid) and row["updated_by"] == ANONYMISED_MARK
        assert await _traces(["Anonyymi", "anna@example.fi"]) == {}
        assert set(await _traces([str(pid)])) <= {"audit_event"}
        assert await conn.fetchval("SELECT person FROM content_link") == row["id"]


async def _erasure_request(pid, email):
    from core import requests

    request = await create_request(
        pid, "erasure", actor=ACTOR, requester_email=email, received_on=date.today()
    )
    await requests.verify_manually(request["id"], "henkilökortti", actor=ACTOR)
    await requests.start(request["id"], actor=ACTOR)
    return request["id"]


async def test_request_with_a_hold_keeps_restricted_card_and_tells_why(make_tenant):
    from core import erasure_requests, requests

    tenant = await make_tenant()
    async with tenant_scope(tenant.slug):
        conn = DB.current_connection()
        pid = await create_person(
            PersonInput(
                first_name="Heikki",
                last_name="Pidätetty",
                emails=["heikki@example.fi"],
                description="Pitää purjehduksesta",
            )
        )
        until = date.today() + timedelta(days=60)
        await legal_holds.create_hold(pid, "debt_collection", "Perintä 42 kesken", until, by="a")
        request_id = await _erasure_request(pid, "heikki@example.fi")
        seen = await erasure_requests.preview(request_id)
        assert seen["holds"][0]["reason"] == "Perintä 42 kesken" and seen["rows"]["person"] == 1
        report = await erasure_requests.fulfil(request_id, actor=ACTOR)
        assert report["outcome"] == "held" and report["held"][0]["until"] == until.isoformat()
        card = await conn.fetchrow("SELECT * FROM person WHERE id = $1", pid)
        assert card["restricted_at"] is not None and card["description"] == ""
        stored = await requests.get_request(request_id)
        assert stored["status"] == "completed"
        assert stored["details"]["erasure"]["held"][0]["reason_kind"] == "debt_collection"
        mail = await conn.fetchrow("SELECT * FROM mail_message WHERE kind = 'request_erasure'")
        assert mail["recipient"] == "heikki@example.fi" and "Perintä 42 kesken" in mail["body"]
        assert until.isoformat() in mail["body"]


async def test_request_without_hold_erases_and_suppresses_recreation(make_tenant):
    from core import erasure_requests, requests
    from core.validation import ValidationFailed

    tenant = await make_tenant()
    async with tenant_scope(tenant.slug):
        pid = await create_person(
            PersonInput(first_name="Eero", last_name="Poistettava", emails=["eero@example.fi"])
        )
        await DB.current_connection().execute(
            "INSERT INTO transfer (id, at, person_id, processor, recipient, external_ref) "
            "VALUES (gen_random_uuid(), now(), $1, 'Uutiskirjepalvelu', 'eero@example.fi', "
            "'sub-42')",
            pid,
        )
        request_id = await _erasure_request(pid, "eero@example.fi")
        report = await erasure_requests.fulfil(request_id, actor=ACTOR)
        assert report["outcome"] == "erased" and report["erased"] == [str(pid)]
        # Art. 19: the newsletter service that received the card is told (a manual task, no
        # plugin handles it), and the task no longer holds the person's address.
        assert report["recipients_notified"] == 1
        task = await DB.current_connection().fetchrow(
            "SELECT * FROM recipient_notification WHERE request = $1", request_id
        )
        assert (task["processor"], task["method"], task["status"]) == (
            "Uutiskirjepalvelu",
            "manual",
            "open",
        )
        assert task["recipient"] != "eero@example.fi" and task["person_id"] == pid
        stored = await requests.get_request(request_id)
        assert stored["status"] == "completed" and stored["requester_email"] == ""
        assert stored["details"]["erasure"]["tables"]["person_email"] == 1
        try:
            await create_person(
                PersonInput(first_name="Eero", last_name="Uusi", emails=["EERO@example.fi"])
            )
        except ValidationFailed as exc:
            assert exc.errors["emails"][0] == "suppressed"
        else:
            raise AssertionError("a suppressed e-mail created a card")
        again = await create_person(
            PersonInput(first_name="Eero", last_name="Uusi", emails=["eero@example.fi"]),
            suppression_override=True,
        )
        assert again
