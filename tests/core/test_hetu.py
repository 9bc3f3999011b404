"""Personal identity codes (core.hetu): validation, masking, encryption and keyed lookup hashes,
per-tenant keys, the switch with its justification, and the key required in production."""

import uuid

import pytest

from core import hetu
from core.db import DB
from core.persons import PersonInput, create_person
from core.settings import load_settings
from core.validation import ValidationFailed
from tenants.scope import tenant_scope

CODE = "131052-308T"


def valid(date_part: str = "010190", sign: str = "-", individual: str = "123") -> str:
    check = "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(date_part + individual) % 31]
    return f"{date_part}{sign}{individual}{check}"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("131052-308U", "invalid_check"),
        ("321052-308T", "invalid_date"),
        ("131052308T", "invalid_format"),
        ("hello", "invalid_format"),
    ],
)
def test_invalid_codes_say_what_is_wrong(raw, code):
    with pytest.raises(ValidationFailed) as exc:
        hetu.canonical(raw)
    assert exc.value.errors["hetu"][0] == code


def test_canonical_and_mask():
    assert hetu.canonical(" 131052-308t ") == CODE
    assert hetu.mask(CODE) == "131052-****"
    assert hetu.canonical(valid()) == valid()


def test_sealed_with_a_key_per_tenant():
    sealed = hetu.seal(CODE, "alpha")
    assert CODE not in sealed
    assert hetu.open_sealed(sealed, "alpha") == CODE
    with pytest.raises(hetu.HetuCorruptError):
        hetu.open_sealed(sealed, "beta")
    assert hetu.lookup_hash(CODE, "alpha") == hetu.lookup_hash("131052-308t", "alpha")
    assert hetu.lookup_hash(CODE, "alpha") != hetu.lookup_hash(CODE, "beta")


def test_production_key_rules():
    base = {"KORTISTO_ENV": "production", "KORTISTO_SECRET_KEY": "x" * 40}
    assert load_settings(base).hetu_key == ""
    assert load_settings({**base, "KORTISTO_HETU_KEY": "k" * 40}).hetu_key == "k" * 40
    with pytest.raises(ValueError, match="KORTISTO_HETU_KEY"):
        load_settings({**base, "KORTISTO_HETU_KEY": "short"})


async def test_off_by_default_and_enabling_needs_a_justification(make_tenant):
    tenant = await make_tenant(name="Hetu Oy")
    async with tenant_scope(tenant.slug):
        person = await create_person(PersonInput(first_name="Hilkka", last_name="Hetu"))
        assert not await hetu.enabled()
        with pytest.raises(hetu.HetuDisabledError):
            await hetu.set_code(person, CODE)
        assert await hetu.search_hash(CODE) is None
        with pytest.raises(ValidationFailed) as exc:
            await hetu.set_enabled(True, " ", changed_by="admin")
        assert "hetu_justification" in exc.value.errors
        assert not await hetu.enabled()
        assert await hetu.set_enabled(True, "Laskutus vaatii yksilöinnin", changed_by="admin")
        status = await hetu.status()
        assert status["enabled"] and status["justification"] == "Laskutus vaatii yksilöinnin"
        assert status["changed_by"] == "admin" and status["changed_at"] is not None
        assert await hetu.set_code(person, CODE)
        assert not await hetu.set_code(person, CODE)  # same code: nothing changes
        stored = await DB.current_connection().fetchrow(
            "SELECT hetu_encrypted, hetu_hash FROM person WHERE id = $1", person
        )
        assert CODE not in stored["hetu_encrypted"] and "308T" not in stored["hetu_encrypted"]
        assert stored["hetu_hash"] == hetu.lookup_hash(CODE)
        assert await hetu.masked(person) == "131052-****"
        assert await hetu.reveal(person) == CODE
        # Disabling hides it and refuses new codes; the stored one stays sealed.
        await hetu.set_enabled(False, changed_by="admin")
        assert await hetu.masked(person) is None
        with pytest.raises(hetu.HetuDisabledError):
            await hetu.reveal(person)
        with pytest.raises(hetu.HetuDisabledError):
            await hetu.set_code(uuid.uuid4(), valid())
        assert await DB.current_connection().fetchval(
            "SELECT hetu_hash FROM person WHERE id = $1", person
        )
