"""Restriction of processing (core.restriction): the single check, and the write paths of
core that call it (card edits, leaving, merging) refuse a restricted card until it is lifted."""

from datetime import date

import pytest

from core import restriction
from core.merge import merge_persons
from core.persons import PersonInput, create_person, mark_left, update_person
from core.restriction import ProcessingRestricted, ensure_not_restricted
from core.validation import ValidationFailed
from tenants.scope import tenant_scope


def test_reason_is_required():
    with pytest.raises(ValidationFailed):
        restriction.check_reason("", "")
    with pytest.raises(ValidationFailed):
        restriction.check_reason("other", " ")
    assert restriction.check_reason("legal_claims", "") == ("legal_claims", "")


async def test_restricted_card_refuses_edits_leaving_and_merging(make_tenant):
    tenant = await make_tenant(name="Rajoitus Oy")
    async with tenant_scope(tenant.slug):
        card = await create_person(PersonInput(first_name="Raili", last_name="Rajattu"))
        other = await create_person(PersonInput(first_name="Raili", last_name="Rajattu"))
        await ensure_not_restricted(card, "marketing")  # not restricted: passes
        assert await restriction.restrict(card)
        assert not await restriction.restrict(card)  # already
        assert await restriction.count_restricted() == 1
        with pytest.raises(ProcessingRestricted) as exc:
            await ensure_not_restricted(card, "transfer")
        assert exc.value.purpose == "transfer" and exc.value.since is not None
        with pytest.raises(ProcessingRestricted):
            await update_person(card, PersonInput(first_name="X", last_name="Y"))
        with pytest.raises(ProcessingRestricted):
            await mark_left(card, date(2026, 1, 1))
        for survivor, merged in ((card, other), (other, card)):
            with pytest.raises(ProcessingRestricted):
                await merge_persons(survivor, merged)
        # The person's own rectification (self-service) still goes through.
        changes = await update_person(
            card, PersonInput(first_name="Raili", last_name="Oikaistu"), rectification=True
        )
        assert changes["last_name"] == ("Rajattu", "Oikaistu")
        assert await restriction.lift(card)
        assert not await restriction.lift(card)
        await update_person(card, PersonInput(first_name="Raili", last_name="Vapaa"))
