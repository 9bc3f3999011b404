"""The transfer gate: restricted, objecting and non-consenting persons are refused with no
transfer row; a passing call leaves exactly one row (sent, with the reference, or failed with
the error); the row carries the processor's country, outside-EEA flag and safeguard."""

import uuid

import pytest

from core import audit, consents, objections, restriction
from core.db import DB
from core.persons import PersonInput, create_person
from core.processors import Processor
from core.transfer_gate import TransferRefused, transfer
from tenants.scope import tenant_scope

ADMIN = audit.Actor("user", str(uuid.uuid4()), "admin@rekisteri.example")
US_MAIL = Processor(
    key="mailer-us",
    name="Mailer Inc.",
    service="newsletter delivery",
    country="US",
    outside_eea=True,
    safeguard="scc_2021_914",
    categories=("name", "email"),
    plugin="mailer",
)


async def _rows(person_id) -> list[dict]:
    rows = await DB.current_connection().fetch(
        "SELECT processor, recipient, plugin, country, outside_eea, safeguard, purpose, "
        "categories, external_ref, status, error FROM transfer WHERE person_id = $1",
        person_id,
    )
    return [dict(r) for r in rows]


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def _person(name: str) -> uuid.UUID:
    return await create_person(
        PersonInput(first_name=name, last_name="Siirto", emails=[f"{name.lower()}@x.fi"])
    )


async def test_refused_for_restricted_objecting_and_non_consenting(tenant):
    calls = []

    async def send():
        calls.append(1)
        return "ref"

    async with tenant_scope(tenant.slug):
        restricted = await _person("Rajoitettu")
        await restriction.restrict(restricted)
        objecting = await _person("Kieltava")
        await consents.give_consent(objecting, "email", "newsletter", actor=ADMIN)
        await objections.object_to(objecting, "direct_marketing", "email", actor=ADMIN)
        silent = await _person("Hiljainen")
        withdrawn = await _person("Perunut")
        await consents.give_consent(withdrawn, "email", "newsletter", actor=ADMIN)
        await consents.withdraw_consent(withdrawn, "email", "newsletter", actor=ADMIN)
        cases = [
            (restricted, "transfer", None, "restricted"),
            (objecting, "newsletter", "email", "objection"),
            (silent, "newsletter", "email", "no_consent"),
            (withdrawn, "newsletter", "email", "no_consent"),
        ]
        for person_id, purpose, channel, reason in cases:
            with pytest.raises(TransferRefused) as refused:
                await transfer(
                    person_id,
                    processor=US_MAIL,
                    purpose=purpose,
                    categories=["email"],
                    channel=channel,
                    send=send,
                    actor=ADMIN,
                )
            assert refused.value.reason == reason
            assert await _rows(person_id) == []
        refusals = await audit.events(action_prefix="transfer.refused")
        assert len(refusals) == 4
    assert calls == []


async def test_one_row_per_success_with_the_processor_facts(tenant):
    async with tenant_scope(tenant.slug):
        person_id = await _person("Suostunut")
        await consents.give_consent(person_id, "email", "newsletter", actor=ADMIN)

        async def send():
            # The row is already there (pending) while the plugin talks to the service.
            assert [r["status"] for r in await _rows(person_id)] == ["pending"]
            return "msg-1"

        result = await transfer(
            person_id,
            processor=US_MAIL,
            purpose="newsletter",
            channel="email",
            categories=["name", "email", "email"],
            send=send,
            actor=ADMIN,
        )
        assert result["status"] == "sent"
        rows = await _rows(person_id)
    assert rows == [
        {
            "processor": "Mailer Inc.",
            "recipient": "mailer-us",
            "plugin": "mailer",
            "country": "US",
            "outside_eea": True,
            "safeguard": "scc_2021_914",
            "purpose": "newsletter",
            "categories": ["name", "email"],
            "external_ref": "msg-1",
            "status": "sent",
            "error": "",
        }
    ]


async def test_failed_send_marks_the_row_failed(tenant):
    async def send():
        raise ConnectionError("service said 503")

    async with tenant_scope(tenant.slug):
        person_id = await _person("Epäonni")
        result = await transfer(
            person_id,
            processor=US_MAIL,
            purpose="transfer",
            categories=["email"],
            send=send,
            actor=ADMIN,
        )
        rows = await _rows(person_id)
    assert result["status"] == "failed"
    assert [(r["status"], r["external_ref"]) for r in rows] == [("failed", "")]
    assert "service said 503" in rows[0]["error"]


async def test_unknown_category_is_a_programming_error(tenant):
    async with tenant_scope(tenant.slug):
        person_id = await _person("Kategoria")
        with pytest.raises(ValueError, match="shoe_size"):
            await transfer(
                person_id,
                processor=US_MAIL,
                purpose="transfer",
                categories=["shoe_size"],
                send=lambda: None,
                actor=ADMIN,
            )
