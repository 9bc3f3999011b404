"""Customer data that accrues: validation per field, who wrote it, audit, org-only orders and
payments, restrictions in force, comments on items only for those who see the item, and the
person timeline that never carries a hidden item."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from core import audit
from core.comments import CommentTarget, add_comment, delete_comment, list_comments
from core.customer_data import (
    ContactInput,
    FeedbackInput,
    RecordNotFoundError,
    Subject,
    SubjectNotFoundError,
    add_contact_event,
    add_feedback,
    delete_contact_event,
    list_contact_events,
    list_feedback,
    satisfaction_summary,
)
from core.customer_preferences import (
    PreferenceInput,
    active_restrictions,
    add_preference,
    end_preference,
    list_preferences,
    restriction_topics_of,
)
from core.db import DB
from core.organization_orders import (
    OrderInput,
    PaymentInput,
    add_order,
    add_payment,
    delete_order,
    list_orders,
    list_payments,
)
from core.organizations import OrganizationInput, create_organization
from core.person_timeline import person_timeline
from core.persons import PersonInput, create_person
from core.seller_contacts import (
    SellerContactInput,
    add_seller_contact,
    delete_seller_contact,
    search_seller_contacts,
)
from core.validation import ValidationFailed
from core.visibility import Viewer, viewer_for_user
from tenants.scope import tenant_scope

ACTOR = audit.Actor("user", str(uuid.uuid4()), "kirjaaja@yritys.example")


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def _person(first="Liisa", last="Järvinen") -> uuid.UUID:
    return await create_person(PersonInput(first_name=first, last_name=last))


async def _org(name="Asiakas Oy") -> uuid.UUID:
    return (await create_organization(OrganizationInput(name=name)))["id"]


async def _user(role: str) -> uuid.UUID:
    return await DB.current_connection().fetchval(
        "SELECT id FROM app_user WHERE role = $1 LIMIT 1", role
    )


async def item(title: str, person: uuid.UUID, *, private=False, participant=None, role="chair"):
    """A content item written straight to its tables (the content service is not needed)."""
    conn = DB.current_connection()
    item_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO content_item (id, kind, title, private) VALUES ($1, 'meeting', $2, $3)",
        item_id,
        title,
        private,
    )
    await conn.execute(
        "INSERT INTO content_link (id, item, person, role) VALUES ($1, $2, $3, $4)",
        uuid.uuid4(),
        item_id,
        person,
        role,
    )
    if participant:
        await conn.execute(
            "INSERT INTO content_participant (id, item, app_user) VALUES ($1, $2, $3)",
            uuid.uuid4(),
            item_id,
            participant,
        )
    return item_id


async def test_contact_event_fields_are_checked_together_and_written_with_who(tenant):
    async with tenant_scope(tenant.slug):
        person = Subject.person(await _person())
        with pytest.raises(ValidationFailed) as err:
            await add_contact_event(
                person,
                ContactInput(channel="pigeon", direction="", summary="", happened_at="31.2.2026"),
                actor=ACTOR,
            )
        assert {f: c for f, (c, _m) in err.value.errors.items()} == {
            "channel": "invalid",
            "direction": "required",
            "summary": "required",
            "happened_at": "invalid",
        }
        with pytest.raises(ValidationFailed) as err:
            await add_contact_event(
                person,
                ContactInput("phone", "inbound", "x", happened_at="2999-01-01T10:00"),
                actor=ACTOR,
            )
        assert err.value.errors["happened_at"][0] == "future"
        event = await add_contact_event(
            person,
            ContactInput("phone", "inbound", "Kysyi tarjousta", happened_at="2026-01-15T09:30"),
            actor=ACTOR,
        )
        [row] = await list_contact_events(person)
        assert row["id"] == event and row["recorded_by"] == "kirjaaja@yritys.example"
        assert row["happened_at"] == dt.datetime(2026, 1, 15, 7, 30, tzinfo=dt.UTC)
        [logged] = await audit.events(action_prefix="contact_event.add")
        assert logged["object_id"] == str(person.id) and "Kysyi" not in str(logged["detail"])
        with pytest.raises(RecordNotFoundError):  # another card's event is not this card's
            await delete_contact_event(Subject.person(await _person()), event, actor=ACTOR)
        await delete_contact_event(person, event, actor=ACTOR)
        assert await list_contact_events(person) == []
        with pytest.raises(SubjectNotFoundError):
            await add_contact_event(
                Subject.person(uuid.uuid4()), ContactInput("email", "outbound", "x"), actor=ACTOR
            )


async def test_satisfaction_needs_a_score_0_to_10_and_feedback_needs_text(tenant):
    async with tenant_scope(tenant.slug):
        org = Subject.organization(await _org())
        for score, code in (("", "required"), ("11", "out_of_range"), ("hyvä", "invalid")):
            with pytest.raises(ValidationFailed) as err:
                await add_feedback(org, FeedbackInput("satisfaction", score=score), actor=ACTOR)
            assert err.value.errors["score"][0] == code
        with pytest.raises(ValidationFailed) as err:
            await add_feedback(org, FeedbackInput("feedback", score="5"), actor=ACTOR)
        assert {f: c for f, (c, _m) in err.value.errors.items()} == {
            "score": "not_for_feedback",
            "comment": "required",
        }
        await add_feedback(org, FeedbackInput("satisfaction", score="9"), actor=ACTOR)
        await add_feedback(org, FeedbackInput("satisfaction", score=6, comment="ok"), actor=ACTOR)
        await add_feedback(org, FeedbackInput("feedback", comment="Nopea toimitus"), actor=ACTOR)
        assert len(await list_feedback(org)) == 3
        summary = await satisfaction_summary(org)
        assert summary["answers"] == 2 and summary["average"] == Decimal("7.5")


async def test_an_active_restriction_is_shown_until_it_is_ended(tenant):
    async with tenant_scope(tenant.slug):
        person = await _person()
        with pytest.raises(ValidationFailed) as err:
            await add_preference(person, PreferenceInput("restriction", "other"), actor=ACTOR)
        assert err.value.errors == {"value": ("required", "value is required")}
        with pytest.raises(ValidationFailed) as err:
            await add_preference(person, PreferenceInput("restriction", "no_fax"), actor=ACTOR)
        assert err.value.errors["topic"][0] == "invalid"
        with pytest.raises(ValidationFailed) as err:
            await add_preference(person, PreferenceInput("personalisation", ""), actor=ACTOR)
        assert set(err.value.errors) == {"topic", "value"}
        calls = await add_preference(
            person, PreferenceInput("restriction", "no_phone_calls"), actor=ACTOR
        )
        await add_preference(
            person, PreferenceInput("personalisation", "Kieli", "ruotsi"), actor=ACTOR
        )
        assert [r["topic"] for r in await active_restrictions(person)] == ["no_phone_calls"]
        assert await restriction_topics_of([person]) == {person: ["no_phone_calls"]}
        await end_preference(person, calls, actor=ACTOR)
        assert await active_restrictions(person) == []
        ended = [p for p in await list_preferences(person) if p["id"] == calls]
        assert ended[0]["ended_on"] is not None and not ended[0]["active"]
        with pytest.raises(RecordNotFoundError):  # ended already
            await end_preference(person, calls, actor=ACTOR)


async def test_orders_and_payments_belong_to_an_organization_only(tenant):
    async with tenant_scope(tenant.slug):
        org, person = await _org(), await _person()
        with pytest.raises(ValidationFailed) as err:
            await add_order(org, OrderInput(amount="-5", currency="euro"), actor=ACTOR)
        assert {f: c for f, (c, _m) in err.value.errors.items()} == {
            "amount": "negative",
            "currency": "invalid",
        }
        with pytest.raises(ValidationFailed) as err:
            await add_order(org, OrderInput(amount="1,005", currency="XYZ"), actor=ACTOR)
        assert {f: c for f, (c, _m) in err.value.errors.items()} == {
            "amount": "too_precise",
            "currency": "invalid",
        }
        with pytest.raises(SubjectNotFoundError):  # a person's id is no organization
            await add_order(person, OrderInput(amount="10"), actor=ACTOR)
        order = await add_order(
            org, OrderInput(amount="1 234,50", currency="eur", reference="T-1"), actor=ACTOR
        )
        other_org = await _org("Toinen Oy")
        other_order = await add_order(other_org, OrderInput(amount="1"), actor=ACTOR)
        with pytest.raises(ValidationFailed) as err:  # another organization's order
            await add_payment(org, PaymentInput(amount="1", order_id=other_order), actor=ACTOR)
        assert err.value.errors["order_id"][0] == "unknown"
        await add_payment(org, PaymentInput(amount="234.50", order_id=order), actor=ACTOR)
        [row] = await list_orders(org)
        assert (row["amount"], row["currency"], row["paid"]) == (
            Decimal("1234.50"),
            "EUR",
            Decimal("234.50"),
        )
        [payment] = await list_payments(org)
        assert payment["order_reference"] == "T-1"
        await delete_order(org, order, actor=ACTOR)
        [payment] = await list_payments(org)  # the payment stays, without its order
        assert payment["order_id"] is None


async def test_seller_contacts_normalise_phone_and_email_and_search(tenant):
    async with tenant_scope(tenant.slug):
        with pytest.raises(ValidationFailed) as err:
            await add_seller_contact(
                SellerContactInput("", phone="12", email="ei-osoite"), actor=ACTOR
            )
        assert set(err.value.errors) == {"seller_name", "phone", "email", "subject"}
        seller = await add_seller_contact(
            SellerContactInput(
                "Myyjä Mikko",
                "Mainostoimisto Oy",
                phone="040 123 4567",
                email="Mikko@Mainos.example",
                subject="Mainoskampanja",
            ),
            actor=ACTOR,
        )
        rows, total = await search_seller_contacts("0401234567")
        assert total == 1 and rows[0]["phone_e164"] == "+358401234567"
        assert (await search_seller_contacts("mainos mikko"))[1] == 1
        assert (await search_seller_contacts("100%"))[1] == 0
        await delete_seller_contact(seller, actor=ACTOR)
        assert (await search_seller_contacts(""))[1] == 0


async def test_item_comments_and_the_timeline_follow_item_visibility(tenant):
    async with tenant_scope(tenant.slug):
        staff, admin = await _user("staff"), await _user("admin")
        outsider = await viewer_for_user(staff, "staff")
        person = await _person()
        public = await item("Avoin kokous", person)
        private = await item("Salainen yrityskauppa", person, private=True, participant=admin)
        await add_contact_event(
            Subject.person(person), ContactInput("phone", "inbound", "Soitti"), actor=ACTOR
        )
        await add_comment(outsider, CommentTarget("person", person), "Hyvä asiakas", actor=ACTOR)
        with pytest.raises(SubjectNotFoundError):
            await add_comment(outsider, CommentTarget("item", private), "Hei", actor=ACTOR)
        with pytest.raises(SubjectNotFoundError):
            await list_comments(outsider, CommentTarget("item", private))
        comment = await add_comment(outsider, CommentTarget("item", public), "Ok", actor=ACTOR)
        assert [c["id"] for c in await list_comments(outsider, CommentTarget("item", public))] == [
            comment
        ]
        admin_viewer = Viewer(user_id=admin, role="admin")
        secret_comment = await add_comment(
            admin_viewer, CommentTarget("item", private), "Sisäinen", actor=ACTOR
        )
        with pytest.raises(SubjectNotFoundError):
            await delete_comment(
                outsider, CommentTarget("item", private), secret_comment, actor=ACTOR
            )
        seen, more = await person_timeline(outsider, person)
        assert {e.kind for e in seen} == {"contact", "comment", "item"} and not more
        assert "Salainen yrityskauppa" not in {e.text for e in seen}
        assert "Avoin kokous" in {e.text for e in seen}
        everything, _more = await person_timeline(admin_viewer, person)
        assert "Salainen yrityskauppa" in {e.text for e in everything}
        nobody, _more = await person_timeline(Viewer(user_id=None, role="self"), person)
        assert all(e.kind != "item" for e in nobody)


async def test_timeline_pages_newest_first(tenant):
    async with tenant_scope(tenant.slug):
        person = Subject.person(await _person())
        start = dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC)
        for n in range(25):
            await add_contact_event(
                person,
                ContactInput("email", "outbound", f"viesti {n}", start + dt.timedelta(days=n)),
                actor=ACTOR,
            )
        viewer = Viewer(user_id=None, role="admin")
        first, more = await person_timeline(viewer, person.id)
        assert more and len(first) == 20 and first[0].text == "viesti 24"
        second, more = await person_timeline(viewer, person.id, page=2)
        assert not more and [e.text for e in second][-1] == "viesti 0"
