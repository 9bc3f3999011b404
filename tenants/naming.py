"""Tenant slugs and the names derived from them, validated before any of them reaches SQL.

A slug is what appears in URLs (`/t/acme-oy/`). From it: schema `t_acme_oy`, database role
`t_acme_oy_rw`, bucket `kortisto-acme-oy`. Hyphens become underscores in SQL names; slugs may
not contain underscores, so the mapping is one-to-one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SLUG_MAX = 40
_SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_SQL_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# Path segments and names that would be confusing or dangerous as tenants.
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "api",
        "app",
        "assets",
        "default",
        "healthz",
        "information-schema",
        "kortisto",
        "login",
        "logout",
        "operator",
        "platform",
        "public",
        "readyz",
        "root",
        "static",
        "system",
        "t",
        "template",
        "www",
    }
)


class InvalidSlugError(ValueError):
    """The slug cannot name a tenant; the message says why and what is allowed."""


@dataclass(frozen=True)
class TenantNames:
    slug: str
    schema: str
    role: str
    bucket: str


def validate_slug(slug: str) -> str:
    """Return `slug` if it may name a tenant, else raise InvalidSlugError saying why."""
    if not isinstance(slug, str) or not slug:
        raise InvalidSlugError("the tenant slug is empty")
    if len(slug) < 2 or len(slug) > SLUG_MAX:
        raise InvalidSlugError(f"the slug must be 2–{SLUG_MAX} characters long, got {len(slug)}")
    if slug != slug.lower():
        raise InvalidSlugError("the slug must be lower case (a–z, 0–9 and hyphens)")
    if not _SLUG_RE.match(slug):
        raise InvalidSlugError(
            "the slug may contain only a–z, 0–9 and single hyphens between them, "
            "and must start with a letter"
        )
    if slug.startswith("pg") or slug.startswith("xn--"):
        raise InvalidSlugError("slugs starting with 'pg' or 'xn--' are reserved")
    if slug in RESERVED_SLUGS:
        raise InvalidSlugError(f"'{slug}' is reserved; choose another slug")
    return slug


def tenant_names(slug: str, bucket_prefix: str = "kortisto-") -> TenantNames:
    """All the names a tenant's resources go by."""
    validate_slug(slug)
    sql = slug.replace("-", "_")
    names = TenantNames(
        slug=slug, schema=f"t_{sql}", role=f"t_{sql}_rw", bucket=f"{bucket_prefix}{slug}"
    )
    if not (3 <= len(names.bucket) <= 63):
        raise InvalidSlugError(f"the bucket name {names.bucket!r} would be too long")
    return names


def quote_ident(name: str) -> str:
    """Quote a SQL identifier we generated ourselves; refuses anything outside our pattern."""
    if not _SQL_NAME_RE.match(name):
        raise InvalidSlugError(f"refusing to use {name!r} as a SQL name")
    return f'"{name}"'
