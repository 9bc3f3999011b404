"""Processing activities, a person's lawful bases, consents and objections as append-only
histories, provenance, and the single contact gate (core.contact_gate.may_contact)."""

import uuid

import asyncpg
import pytest

from core import audit
from core.consents import (
    ConsentInput,
    consent_history,
    current_consents,
    give_consent,
    record_consent,
    withdraw_consent,
)
from core.contact_gate import Decision, may_contact, may_contact_many
from core.customer_preferences import PreferenceInput, add_preference
from core.db import DB
from core.lawful_bases import BasisInput, add_basis, end_basis, list_bases
from core.objections import active_objections, lift_objection, object_to, objection_history
from core.persons import PersonInput, create_person
from core.processing import (
    DEFAULT_ACTIVITIES,
    ActivityInput,
    create_activity,
    ensure_default_activities,
    list_activities,
    set_active,
    update_activity,
)
from core.provenance import ProvenanceInput, add_provenance, list_provenance
from core.validation import ValidationFailed
from tenants.scope import tenant_scope

ACTOR = audit.Actor("user", str(uuid.uuid4()), "kirjaaja@yritys.example")


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def _person() -> uuid.UUID:
    return await create_person(PersonInput(first_name="Liisa", last_name="Järvinen"))


def _codes(exc: ValidationFailed) -> dict[str, str]:
    return {f: c for f, (c, _m) in exc.errors.items()}


async def test_activity_validation_and_lifecycle(tenant):
    async with tenant_scope(tenant.slug):
        with pytest.raises(ValidationFailed) as err:
            await create_activity(
                ActivityInput(name="", lawful_basis="g", data_categories=["dna"]), actor=ACTOR
            )
        assert _codes(err.value) == {
            "name": "required",
            "lawful_basis": "invalid",
            "data_categories": "invalid",
            "purpose": "required",
        }
        with pytest.raises(ValidationFailed) as err:
            await create_activity(
                ActivityInput(name="X", lawful_basis="a", purpose="p", data_categories=[]),
                actor=ACTOR,
            )
        assert _codes(err.value) == {"data_categories": "required"}
        good = ActivityInput(
            name="Uutiskirje",
            lawful_basis="a",
            purpose="Uutiskirjeet",
            data_categories=["consents", "contact", "contact"],
        )
        activity = await create_activity(good, actor=ACTOR)
        with pytest.raises(ValidationFailed) as err:
            await create_activity(
                ActivityInput(
                    name="uutiskirje", lawful_basis="f", purpose="p", data_categories=["contact"]
                ),
                actor=ACTOR,
            )
        assert _codes(err.value) == {"name": "duplicate"}
        [row] = await list_activities()
        assert row["data_categories"] == ["contact", "consents"]  # vocabulary order, once
        good.lawful_basis = "f"
        assert await update_activity(activity, good, actor=ACTOR) == ["lawful_basis"]
        assert await update_activity(activity, good, actor=ACTOR) == []
        assert await set_active(activity, False, actor=ACTOR)
        assert not await set_active(activity, False, actor=ACTOR)
        assert await list_activities(active_only=True) == []
        # An existing activity (even inactive) means the register chose: no defaults added.
        assert await ensure_default_activities() == 0
        actions = [e["action"] for e in await audit.events(action_prefix="activity.")]
        assert actions == ["activity.deactivate", "activity.update", "activity.create"]


async def test_defaults_are_added_once(tenant):
    async with tenant_scope(tenant.slug):
        assert await ensure_default_activities() == len(DEFAULT_ACTIVITIES)
        assert await ensure_default_activities() == 0
        rows = await list_activities()
        assert len(rows) == len(DEFAULT_ACTIVITIES)
        assert {r["lawful_basis"] for r in rows} == {"a", "b", "c", "f"}


async def test_lawful_bases_default_to_the_activity_and_end_as_history(tenant):
    async with tenant_scope(tenant.slug):
        await ensure_default_activities()
        contract = next(a for a in await list_activities() if a["lawful_basis"] == "b")
        person = await _person()
        with pytest.raises(ValidationFailed) as err:
            await add_basis(person, BasisInput(activity_id="nope", since="32.1.2026"), actor=ACTOR)
        assert _codes(err.value) == {
            "activity_id": "required",
            "basis": "invalid",
            "since": "invalid",
            "source": "required",
        }
        basis = await add_basis(
            person, BasisInput(activity_id=contract["id"], source="Sopimus 2026/14"), actor=ACTOR
        )
        [row] = await list_bases(person, current_only=True)
        assert row["basis"] == "b" and row["activity_name"] == contract["name"]
        await end_basis(person, basis, actor=ACTOR)
        assert await list_bases(person, current_only=True) == []
        assert len(await list_bases(person)) == 1


async def test_consent_history_is_append_only_for_the_tenant_role(tenant):
    async with tenant_scope(tenant.slug):
        person = await _person()
        await give_consent(person, "email", "newsletter", actor=ACTOR, notice_version="2026-1")
    for statement in (
        "UPDATE consent_event SET given = true",
        "DELETE FROM consent_event",
        "UPDATE objection_event SET active = false",
        "DELETE FROM objection_event",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with tenant_scope(tenant.slug):
                await DB.current_connection().execute(statement)
    async with tenant_scope(tenant.slug):
        [event] = await consent_history(person)
        assert event["given"] and event["notice_version"] == "2026-1"


async def test_withdrawal_is_effective_immediately(tenant):
    async with tenant_scope(tenant.slug):
        person = await _person()
        assert await may_contact(person, "email", "newsletter") == Decision(False, "no_consent")
        await give_consent(person, "email", "newsletter", actor=ACTOR)
        assert await may_contact(person, "email", "newsletter") == Decision(True, "consent")
        await withdraw_consent(person, "email", "newsletter", method="self_service", actor=ACTOR)
        # Same transaction, right after: refused.
        assert await may_contact(person, "email", "newsletter") == Decision(
            False, "consent_withdrawn"
        )
        [state] = await current_consents(person)
        assert state["given"] is False and state["method"] == "self_service"
        assert [e["given"] for e in await consent_history(person)] == [False, True]
        actions = [e["action"] for e in await audit.events(action_prefix="consent.")]
        assert actions == ["consent.withdraw", "consent.give"]
    async with tenant_scope(tenant.slug):  # and in the next transaction too
        assert not await may_contact(person, "email", "newsletter")


async def test_consent_input_is_checked(tenant):
    async with tenant_scope(tenant.slug):
        person = await _person()
        with pytest.raises(ValidationFailed) as err:
            await record_consent(
                person,
                ConsentInput(channel="fax", purpose="spam", given=True, method="x"),
                actor=ACTOR,
            )
        assert set(_codes(err.value)) == {"channel", "purpose", "method"}


async def test_objection_per_channel_and_in_all_channels(tenant):
    async with tenant_scope(tenant.slug):
        person = await _person()
        # Phone and post: legitimate interest until the person objects.
        assert await may_contact(person, "phone", "direct_marketing") == Decision(
            True, "legitimate_interest"
        )
        await object_to(person, "direct_marketing", "phone", actor=ACTOR)
        assert await may_contact(person, "phone", "direct_marketing") == Decision(
            False, "objection"
        )
        assert await may_contact(person, "post", "direct_marketing") == Decision(
            True, "legitimate_interest"
        )
        await give_consent(person, "email", "direct_marketing", actor=ACTOR)
        assert await may_contact(person, "email", "direct_marketing")
        await object_to(person, "direct_marketing", "", actor=ACTOR)  # every channel
        for channel in ("email", "sms", "phone", "post"):
            assert await may_contact(person, channel, "direct_marketing") == Decision(
                False, "objection"
            )
            assert await may_contact(person, channel, "newsletter") == Decision(False, "objection")
        # Other objections refuse only their own purpose.
        assert await may_contact(person, "", "profiling") == Decision(True, "allowed")
        await object_to(person, "profiling", actor=ACTOR)
        assert await may_contact(person, "", "profiling") == Decision(False, "objection")
        assert await may_contact(person, "email", "customer_service") == Decision(True, "allowed")
        await lift_objection(person, "direct_marketing", "", actor=ACTOR)
        assert await may_contact(person, "email", "direct_marketing") == Decision(True, "consent")
        assert await may_contact(person, "phone", "direct_marketing") == Decision(
            False, "objection"
        )
        kinds = [(o["kind"], o["channel"]) for o in await active_objections(person)]
        assert kinds == [("direct_marketing", "phone"), ("profiling", "")]
        assert len(await objection_history(person)) == 4


async def test_restriction_and_customer_restrictions_refuse(tenant):
    async with tenant_scope(tenant.slug):
        person, other = await _person(), await _person()
        await give_consent(person, "email", "newsletter", actor=ACTOR)
        await DB.current_connection().execute(
            "UPDATE person SET restricted_at = now() WHERE id = $1", person
        )
        for channel, purpose in (
            ("email", "newsletter"),
            ("", "transfer"),
            ("", "export"),
            ("email", "customer_service"),
        ):
            assert await may_contact(person, channel, purpose) == Decision(False, "restricted")
        await add_preference(
            other, PreferenceInput(kind="restriction", topic="no_phone_calls"), actor=ACTOR
        )
        assert await may_contact(other, "phone", "direct_marketing") == Decision(
            False, "customer_restriction"
        )
        assert await may_contact(other, "post", "direct_marketing")
        unknown = uuid.uuid4()
        many = await may_contact_many([person, other, unknown], "", "transfer")
        assert many == {
            person: Decision(False, "restricted"),
            other: Decision(True, "allowed"),
            unknown: Decision(False, "unknown_person"),
        }
        with pytest.raises(ValueError):
            await may_contact(person, "pigeon", "newsletter")


async def test_provenance_added_by_staff_needs_a_vendor_for_a_purchased_list(tenant):
    async with tenant_scope(tenant.slug):
        person = await _person()
        with pytest.raises(ValidationFailed) as err:
            await add_provenance(person, ProvenanceInput("purchased_list"), actor=ACTOR)
        assert _codes(err.value) == {"source_detail": "required"}
        with pytest.raises(ValidationFailed) as err:
            await add_provenance(person, ProvenanceInput("import", "x", "shoe"), actor=ACTOR)
        assert _codes(err.value) == {"source_kind": "invalid", "field": "invalid"}
        await add_provenance(
            person, ProvenanceInput("purchased_list", "Listatalo Oy", "phones"), actor=ACTOR
        )
        await add_provenance(person, ProvenanceInput("public_register", "YTJ"), actor=ACTOR)
        rows = await list_provenance(person)
        assert [(r["source_kind"], r["source_detail"], r["field"]) for r in rows] == [
            ("public_register", "YTJ", ""),
            ("purchased_list", "Listatalo Oy", "phones"),
        ]


async def test_merge_copies_the_histories_to_the_survivor(tenant):
    from core.merge import merge_persons

    async with tenant_scope(tenant.slug):
        survivor, merged = await _person(), await _person()
        await give_consent(merged, "email", "newsletter", actor=ACTOR, notice_version="v1")
        await object_to(merged, "profiling", actor=ACTOR)
        result = await merge_persons(survivor, merged, actor="tester")
        assert result["moved"]["consent_event"] == 1 and result["moved"]["objection_event"] == 1
        [event] = await consent_history(survivor)
        assert event["given"] and event["notice_version"] == "v1"
        assert await may_contact(survivor, "email", "newsletter") == Decision(True, "consent")
        assert await may_contact(survivor, "", "profiling") == Decision(False, "objection")
        assert len(await consent_history(merged)) == 1  # the merged card's history stays
