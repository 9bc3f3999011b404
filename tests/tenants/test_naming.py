import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenants.naming import InvalidSlugError, quote_ident, tenant_names, validate_slug


@pytest.mark.parametrize(
    "slug",
    [
        "pg-stuff",
        "pgadmin",
        "Acme",
        "ACME",
        "acme oy",
        "acme_oy",
        "a" * 41,
        "x" * 64,
        "",
        "a",
        "1acme",
        "-acme",
        "acme-",
        "acme--oy",
        "platform",
        "public",
        "static",
        "t",
        "xn--acme",
        "äcme",
        "acme;drop",
        "acme.oy",
    ],
)
def test_invalid_slugs_are_rejected_with_a_reason(slug):
    with pytest.raises(InvalidSlugError) as err:
        validate_slug(slug)
    assert str(err.value)


@pytest.mark.parametrize("slug", ["acme", "acme-oy", "demo", "a1", "gemilo-2026"])
def test_valid_slugs(slug):
    assert validate_slug(slug) == slug


def test_names_derived_from_slug():
    names = tenant_names("acme-oy")
    assert names.schema == "t_acme_oy"
    assert names.role == "t_acme_oy_rw"
    assert names.bucket == "kortisto-acme-oy"


@given(st.text(max_size=80))
def test_anything_accepted_is_safe_everywhere(text):
    try:
        names = tenant_names(text)
    except InvalidSlugError:
        return
    # Whatever passes must be usable as a quoted SQL identifier and an S3 bucket name.
    quote_ident(names.schema)
    quote_ident(names.role)
    assert 3 <= len(names.bucket) <= 63
    assert names.bucket == names.bucket.lower() and "_" not in names.bucket
    assert len(names.role) <= 63


def test_quote_ident_refuses_injection():
    with pytest.raises(InvalidSlugError):
        quote_ident('t_a"; DROP SCHEMA platform; --')
