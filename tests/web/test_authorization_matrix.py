"""The authorization matrix (web/authorization_matrix.csv) against the running app.

1. Every route the app registers is in the matrix, and every matrix row is a registered route.
2. Every route is requested as every role against a real tenant, path parameters filled with
   real ids of that tenant, and answers as the matrix says.
3. Owner checks: an admin and a staff member of tenant A asking for tenant B's objects by their
   real ids get 404 (or the refusal the matrix gives their role), never B's data.

State-changing requests carry the CSRF token and an empty body, so an allowed one fails
validation or changes nothing; requests that use their target up get a fresh one
(tests/support/authorization_world.py), and signing out comes last.
"""

from __future__ import annotations

import csv
import re
import uuid
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from core import break_glass
from core.business_areas import get_area
from core.db import DB
from core.redis_client import redis_for_current_loop
from core.settings import get_settings
from core.storage import ObjectStore
from tenants.provisioning import create_tenant, delete_tenant, set_tenant_status
from tenants.scope import platform_transaction, tenant_scope
from tests.conftest import _add_test_users, unique_slug
from tests.support.auth_client import SignedInClient
from tests.support.authorization_world import World, build_world, end_grants
from tests.support.operator_client import create_operator, sign_in_operator
from web.app import create_app

MATRIX = Path(__file__).resolve().parents[2] / "web" / "authorization_matrix.csv"
ROLES = ("anonymous", "self", "staff", "admin", "operator")
OUTCOMES = ("allow", "deny")

# Registered by Litestar but deliberately not in the matrix (nothing else is left out):
NOT_IN_MATRIX = {
    "OPTIONS": "Litestar answers OPTIONS on every path itself (CORS preflight); no handler of "
    "ours runs and nothing is read",
}

# Where a parameter's value comes from when its name alone is ambiguous.
PARAMETER_SOURCE = {
    ("/t/{tenant:str}/admin/operator-access/archives/{name:str}", "name"): "archive",
    # Exporting an active tenant queues a job for the whole run's worker queue; a suspended
    # tenant's export is refused (409) after the operator check, which is what the walk needs.
    ("/operator/tenants/{slug:str}/export", "slug"): "suspended_slug",
}
# Customer-data records: which record (and section) each route finds (authorization_world).
_RECORDS = "/records/{section:str}/{record_id:str}"
for _prefix, _source in (
    ("/t/{tenant:str}/persons/{person_id:str}", "person_record_id"),
    ("/t/{tenant:str}/organizations/{org_id:str}", "org_record_id"),
    ("/t/{tenant:str}/content/{item_id:str}", "item_comment_id"),
):
    PARAMETER_SOURCE[(_prefix + _RECORDS + "/delete", "record_id")] = _source
for _path in ("/records/{section:str}", _RECORDS + "/delete"):
    PARAMETER_SOURCE[("/t/{tenant:str}/content/{item_id:str}" + _path, "section")] = "item_section"
_END = "/t/{tenant:str}/persons/{person_id:str}" + _RECORDS + "/end"
PARAMETER_SOURCE[(_END, "section")] = "preference_section"
PARAMETER_SOURCE[(_END, "record_id")] = "preference_id"
PARAMETER_SOURCE[("/t/{tenant:str}/sellers/{seller_id:str}/delete", "seller_id")] = "seller_id"
for _path in ("/status", "/download"):  # the end customer's own request's access copy
    _route = "/t/{tenant:str}/me/requests/{request_id:str}/bundle" + _path
    PARAMETER_SOURCE[(_route, "request_id")] = "own_request_id"

# Requests that use their target up: (parameter, kind of fresh object) made for each request.
FRESH = {
    ("POST", "/t/{tenant:str}/invite/{token:str}"): ("token", "token"),  # wrong codes count
    ("POST", "/t/{tenant:str}/import/{kind:str}/{import_id:uuid}/cancel"): ("import_id",) * 2,
    ("POST", "/t/{tenant:str}/admin/areas/{area_id:str}/archive"): ("area_id", "area_id"),
    ("POST", "/t/{tenant:str}/admin/operator-access/{grant_id:uuid}/revoke"): ("grant_id",) * 2,
    ("POST", "/t/{tenant:str}/account/sessions/{key:str}/end"): ("key", "key"),
    ("POST", "/t/{tenant:str}/attachment/{attachment_id:str}/delete"): ("attachment_id",) * 2,
    ("POST", "/operator/break-glass/{grant_id:uuid}/end"): ("grant_id", "own_grant_id"),
    # Customer data: each delete (or end) gets a record of its own.
    ("POST", "/t/{tenant:str}/persons/{person_id:str}" + _RECORDS + "/delete"): (
        "record_id",
        "person_record_id",
    ),
    ("POST", "/t/{tenant:str}/organizations/{org_id:str}" + _RECORDS + "/delete"): (
        "record_id",
        "org_record_id",
    ),
    ("POST", "/t/{tenant:str}/content/{item_id:str}" + _RECORDS + "/delete"): (
        "record_id",
        "item_comment_id",
    ),
    ("POST", _END): ("record_id", "preference_id"),
    ("POST", "/t/{tenant:str}/sellers/{seller_id:str}/delete"): ("seller_id", "seller_id"),
    # Deleting needs the item's owner: a fresh item owned by the requesting staff member/admin.
    ("GET", "/t/{tenant:str}/content/{item_id:str}/delete"): ("item_id", "item_id"),
    ("POST", "/t/{tenant:str}/content/{item_id:str}/delete"): ("item_id", "item_id"),
    ("DELETE", "/t/{tenant:str}/api/v1/content/{item_id:uuid}"): ("item_id", "item_id"),
    ("DELETE", "/t/{tenant:str}/api/v1/content/{item_id:uuid}/links/{link_id:uuid}"): (
        "link_id",
        "link_id",
    ),
}

# Signing out ends the walking client's session: these go last.
SIGN_OUT = {("POST", "/t/{tenant:str}/logout"), ("POST", "/operator/logout")}

# Path parameters that name an object of one tenant (owner checks swap in tenant B's).
OBJECT_PARAMETERS = frozenset(
    "person_id other_id org_id user_id area_id import_id grant_id key owner_id attachment_id "
    "item_id link_id record_id seller_id request_id".split()
)
ARCHIVE_ROUTE = "/t/{tenant:str}/admin/operator-access/archives/{name:str}"
# Owner checks send the API a valid body, so the answer is about the id, not the body.
VALID_API_BODY = {
    "organizations": {"name": "Omistajatesti Oy"},
    "persons": {"first_name": "Omistaja", "last_name": "Testi"},
    # One body for every content route: item fields, a link, a stage, participants.
    "content": {
        "title": "Omistajatesti",
        "person_id": "00000000-0000-4000-8000-000000000000",
        "role": "contact",
        "stage": "lead",
        "user_ids": [],
    },
}

_PARAMETER = re.compile(r"\{(\w+):\w+\}")


def registered_routes() -> set[tuple[str, str]]:
    app = create_app(prepare_runtime=False).app  # Litestar, inside the host-rewriting wrapper
    found = set()
    for route in app.routes:
        assert isinstance(route, HTTPRoute), f"a non-HTTP route needs a decision: {route.path}"
        for handler in route.route_handlers:
            for method in handler.http_methods:
                if method not in NOT_IN_MATRIX:
                    found.add((method, route.path))
    return found


def load_matrix() -> dict[tuple[str, str], dict[str, str]]:
    rows: dict[tuple[str, str], dict[str, str]] = {}
    with MATRIX.open(encoding="utf-8") as f:
        lines = [line for line in f if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(lines, skipinitialspace=True)
    for row in reader:
        row = {k.strip(): (v or "").strip() for k, v in row.items()}
        key = (row["method"], row["path"])
        assert key not in rows, f"listed twice in the matrix: {key}"
        bad = {role: row.get(role) for role in ROLES if row.get(role) not in OUTCOMES}
        assert not bad, f"{key}: every role needs one of {OUTCOMES}, got {bad}"
        rows[key] = {role: row[role] for role in ROLES}
    return rows


def test_matrix_lists_every_registered_route_and_nothing_else():
    registered, listed = registered_routes(), set(load_matrix())
    missing = sorted(registered - listed)
    stale = sorted(listed - registered)
    assert not missing and not stale, (
        "web/authorization_matrix.csv is out of date.\n"
        + "".join(f"  missing: {m} {p}\n" for m, p in missing)
        + "".join(f"  no longer registered: {m} {p}\n" for m, p in stale)
    )


# --- the walk ------------------------------------------------------------------------------


def outcome(response, slug: str) -> str:
    """What the client saw: allowed (served, even if the empty form did not validate) or
    denied (401/403/404, or sent to a sign-in page because of who it is). A sign-in page that
    sends the browser back to its start (no pending sign-in) is that page working."""
    status = response.status_code
    if status >= 500:
        return f"error {status}"
    if response.request.url.path.startswith((f"/t/{slug}/login", "/operator/login")):
        return "deny" if status in (401, 403, 404) else "allow"
    if status in (401, 403, 404):
        return "deny"
    if status in (301, 302, 303, 307, 308):
        location = response.headers.get("location", "")
        signed_out = "max-age=0" in response.headers.get("set-cookie", "").lower()
        if location.startswith(f"/t/{slug}/login?next="):
            return "deny"
        if location == "/operator/login" and not signed_out:
            return "deny"
    return "allow"


def walk_order(routes):
    return sorted(routes, key=lambda r: (r in SIGN_OUT, r[1], r[0]))


async def fill(method: str, path: str, world: World, role: str, operator, ids=None) -> str:
    ids = ids or world.ids

    async def value(name: str) -> str:
        param, kind = FRESH.get((method, path), ("", ""))
        if param == name:
            return await world.fresh(kind, role=role, operator=operator)
        return ids[PARAMETER_SOURCE.get((path, name), name)]

    parts, last = [], 0
    for match in _PARAMETER.finditer(path):
        parts += [path[last : match.start()], await value(match.group(1))]
        last = match.end()
    return "".join(parts + [path[last:]])


async def send(client, method: str, url: str, *, valid_api_body: bool = False):
    token = client.cookies.get("kortisto_csrf", "")
    kwargs: dict = {"headers": {"x-csrf-token": token}, "follow_redirects": False}
    if method not in ("GET", "HEAD"):
        if "/api/" in url:
            resource = url.split("/api/v1/")[1].split("/")[0]
            kwargs["json"] = VALID_API_BODY[resource] if valid_api_body else {}
        else:
            kwargs["data"] = {"_csrf_token": token}
    return await client.request(method, url, **kwargs)


async def _tenant(settings, store, label: str) -> World:
    slug = unique_slug("am")
    await create_tenant(slug, f"{label} Oy", store=store, app_role=settings.database.app_role)
    await _add_test_users(slug)
    return await build_world(slug, label=label)


@pytest.fixture(scope="module")
async def worlds(settings, store):
    """Tenant A (walked) and tenant B (whose ids A must not reach), once for the module."""

    a = await _tenant(settings, store, "Aalto")
    b = await _tenant(settings, store, "Bertta")
    suspended = unique_slug("am")
    await create_tenant(suspended, "Tauko Oy", store=store, app_role=settings.database.app_role)
    await set_tenant_status(suspended, "suspended")
    a.ids["suspended_slug"] = b.ids["suspended_slug"] = suspended
    yield a, b
    for world in (a, b):
        await end_grants(world.helper_operator, world.slug)
        await delete_tenant(world.slug, store=store)
    await delete_tenant(suspended, store=store)


@pytest.fixture(scope="module")
def app(settings):
    return create_app(prepare_runtime=False)


async def signed_in(app, role: str, slug: str):
    """A client signed in as `role` (anonymous: only the CSRF cookie); `.operator` if one."""
    client = AsyncTestClient(app=app)
    await client.__aenter__()
    client.operator = None
    await client.get("/healthz")  # the CSRF cookie
    if role == "operator":
        client.operator = await create_operator(name="Matriisi Operaattori")
        await sign_in_operator(client, client.operator)
    elif role != "anonymous":
        r = await SignedInClient(client).sign_in(slug, role=role)
        assert r.status_code == 303, (role, r.status_code, r.text[:300])
    return client


async def _jobs_waiting(slug: str) -> int:
    """Jobs in the tenant's outbox: relayed to the run's broker whenever one is about."""
    async with tenant_scope(slug):
        return await DB.current_connection().fetchval("SELECT count(*) FROM outbox_message")


@asynccontextmanager
async def operator_throttle_kept():
    """The walk's empty operator sign-in forms count as failures of the shared "testclient"
    address and the empty account (realm "operator", not per tenant): put the counters back,
    so later tests in the run start from where they would have."""
    redis = redis_for_current_loop(get_settings().redis_url.reveal())
    keys = [
        "kortisto:fail:operator:acct:",
        "kortisto:lock:operator:acct:",
        "kortisto:fail:operator:addr:testclient",
    ]
    saved = [(key, await redis.get(key), await redis.ttl(key)) for key in keys]
    try:
        yield
    finally:
        for key, value, ttl in saved:
            if value is None:
                await redis.delete(key)
            else:
                await redis.set(key, value, ex=ttl if ttl > 0 else None)


async def test_every_route_answers_every_role_as_the_matrix_says(app, worlds):
    a, _b = worlds
    matrix = load_matrix()
    mismatches, walked = [], 0
    redis = redis_for_current_loop(get_settings().redis_url.reveal())
    queued = (await redis.llen("dramatiq:default"), await _jobs_waiting(a.slug))
    async with operator_throttle_kept():
        for role in ROLES:
            client = await signed_in(app, role, a.slug)
            try:
                for method, path in walk_order(matrix):
                    url = await fill(method, path, a, role, client.operator)
                    r = await send(client, method, url)
                    got, expected = outcome(r, a.slug), matrix[(method, path)][role]
                    walked += 1
                    if got != expected:
                        mismatches.append(
                            f"{role:9} {method:6} {path}: matrix says {expected}, got {got} "
                            f"({r.status_code} {r.headers.get('location', '')})"
                        )
                    # Only staff and admins ever see the register's cards (self: their own).
                    if role not in ("staff", "admin"):
                        leaked = [x for x in a.secrets if x in r.text]
                        if leaked:
                            mismatches.append(f"{role} {method} {url} shows {leaked}")
            finally:
                if client.operator:
                    await end_grants(client.operator, a.slug)
                await client.__aexit__(None, None, None)
    assert walked == len(matrix) * len(ROLES)
    # The walk changes nothing that lasts: in particular it leaves no job for later tests.
    assert (await redis.llen("dramatiq:default"), await _jobs_waiting(a.slug)) == queued
    assert not mismatches, "answers differ from the matrix:\n" + "\n".join(mismatches)


async def test_tenant_a_never_reaches_tenant_b_objects_by_id(app, worlds):
    a, b = worlds
    matrix = load_matrix()
    b_ids = dict(b.ids, key=await b.fresh("key", role="staff", operator=None))
    checked, failures = 0, []
    for role in ("staff", "admin"):
        client = await signed_in(app, role, a.slug)
        try:
            for method, path in walk_order(matrix):
                if (method, path) in SIGN_OUT:
                    continue
                names = [n for n in _PARAMETER.findall(path) if n in OBJECT_PARAMETERS]
                if path == ARCHIVE_ROUTE:
                    names = ["name"]
                for name in names:
                    source = PARAMETER_SOURCE.get((path, name), name)
                    ids = dict(a.ids, **{source: b_ids[source]})
                    url = await _fill_plain(path, ids)
                    r = await send(client, method, url, valid_api_body=True)
                    checked += 1
                    if matrix[(method, path)][role] == "allow":
                        right = r.status_code == 404
                    else:  # refused for the role anyway, before any lookup
                        right = outcome(r, a.slug) == "deny"
                    leaked = [s for s in b.secrets if s in r.text]
                    if not right or leaked:
                        failures.append(
                            f"{role} {method} {url} with B's {name}: {r.status_code} "
                            f"{r.headers.get('location', '')} {leaked or ''}"
                        )
        finally:
            await client.__aexit__(None, None, None)
    # An operator cannot end another operator's grant either.
    console = await signed_in(app, "operator", a.slug)
    try:
        r = await send(console, "POST", f"/operator/break-glass/{b.ids['grant_id']}/end")
        if r.status_code != 404:
            failures.append(f"operator ends another operator's grant: {r.status_code}")
    finally:
        await console.__aexit__(None, None, None)
    assert checked > 40
    assert not failures, "tenant B's ids must be 404 in tenant A:\n" + "\n".join(failures)
    # And nothing of B's was used up by A's requests.
    async with platform_transaction():
        assert await break_glass.active_grant(b.helper_operator["id"], b.slug)
    async with tenant_scope(b.slug):
        assert not (await get_area(uuid.UUID(b.ids["area_id"])))["archived"]
        store = ObjectStore.from_settings(get_settings())
        assert await store.stat(f"imports/{b.ids['import_id']}.csv") is not None


async def _fill_plain(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        return ids[PARAMETER_SOURCE.get((path, match.group(1)), match.group(1))]

    return _PARAMETER.sub(value, path)
