"""JSON API v1 for content: CRUD, links and participants, 422 field details, the role
vocabulary, and the visibility matrix — staff of area A vs B, participant vs non-participant
of a private item, admin, end customer — with every JSON body scanned for titles its reader
may not see. Exports are checked too: they hold no content at all."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from litestar.testing import AsyncTestClient

from core.business_areas import add_area, set_user_areas
from core.content import ContentInput, create_item, link_person, set_participants
from core.content_kinds import KINDS
from core.db import DB
from core.persons import PersonInput, create_person
from core.visibility import Viewer
from tenants.scope import tenant_scope
from tests.conftest import _PASSWORD_HASH, add_self_user
from tests.support.auth_client import SignedInClient, user_email
from web.app import create_app

# --- CRUD as an admin ------------------------------------------------------------------------


@pytest.fixture
async def api(make_tenant):
    tenant = await make_tenant()
    async with tenant_scope(tenant.slug):
        person = await create_person(PersonInput(first_name="Ääni", last_name="Öljynen"))
    return tenant, f"/t/{tenant.slug}/api/v1", person


async def test_item_crud_put_patch_stage_and_delete(client, api):
    tenant, base, person = api
    org = (await client.post(f"{base}/organizations", json={"name": "Kauppa Oy"})).json()
    r = await client.post(
        f"{base}/content",
        json={
            "kind": "deal",
            "title": "  Uusi   kauppa ",
            "organization_id": org["id"],
            "starts_on": "2026-03-01",
            "details": {"value": "1500,50", "probability": "40"},
        },
    )
    assert r.status_code == 201, r.text
    item = r.json()
    assert r.headers["location"] == f"{base}/content/{item['id']}"
    assert item["title"] == "Uusi kauppa" and item["stage"] == "lead"  # the first stage
    assert item["details"] == {"value": "1500.50", "probability": 40}
    assert item["organization_name"] == "Kauppa Oy" and item["created_by"] == user_email(
        tenant.slug, "admin"
    )
    assert [p["display_name"] for p in item["participants"]] == ["Test admin"]  # its creator
    url = r.headers["location"]

    r = await client.patch(url, json={"status": "done", "details": {"value": "99"}})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "done" and r.json()["details"] == {"value": "99"}
    assert r.json()["title"] == "Uusi kauppa" and r.json()["starts_on"] == "2026-03-01"

    r = await client.put(f"{url}/stage", json={"stage": "negotiation"})
    assert r.status_code == 200 and r.json()["stage"] == "negotiation"

    # PUT replaces: what is left out gets its default (a pipeline's first stage included).
    r = await client.put(url, json={"title": "Korvattu kauppa"})
    assert r.status_code == 200
    body = r.json()
    assert body["organization_id"] is None and body["status"] == "open"
    assert body["stage"] == "lead" and body["details"] == {} and body["kind"] == "deal"

    r = await client.get(f"{base}/content", params={"kind": "deal", "q": "korvattu"})
    assert [i["title"] for i in r.json()] == ["Korvattu kauppa"]
    assert r.headers["x-total-count"] == "1"

    # Links and participants.
    r = await client.post(f"{url}/links", json={"person_id": str(person), "role": "contact"})
    assert r.status_code == 201, r.text
    link = r.json()
    assert link["role"] == "contact" and link["last_name"] == "Öljynen"
    assert (await client.get(f"{url}/links")).json() == [link]
    r = await client.get(f"{base}/content", params={"person_id": str(person)})
    assert [i["link_count"] for i in r.json()] == [1]
    r = await client.get(f"{base}/persons/{person}/content")
    assert r.status_code == 200
    assert r.json()["groups"] == [
        {
            "kind": "deal",
            "items": [
                {
                    "id": item["id"],
                    "kind": "deal",
                    "title": "Korvattu kauppa",
                    "status": "open",
                    "stage": "lead",
                    "starts_on": None,
                    "ends_on": None,
                    "private": False,
                    "roles": ["contact"],
                }
            ],
        }
    ]
    r = await client.delete(f"{url}/links/{link['id']}")
    assert r.status_code == 204
    assert (await client.get(f"{url}/links")).json() == []
    assert (await client.delete(f"{url}/links/{link['id']}")).status_code == 404

    participants = (await client.get(f"{url}/participants")).json()
    r = await client.put(f"{url}/participants", json={"user_ids": []})
    assert r.status_code == 200 and r.json() == []
    r = await client.put(f"{url}/participants", json={"user_ids": [participants[0]["id"]]})
    assert r.json() == participants

    assert (await client.delete(url)).status_code == 204
    assert (await client.get(url)).status_code == 404
    assert (await client.get(f"{base}/content")).headers["x-total-count"] == "0"


async def test_parts_and_parent(client, api):
    _, base = api[:2]
    course = await client.post(f"{base}/content", json={"kind": "course", "title": "Kurssi"})
    course_id = course.json()["id"]
    r = await client.post(
        f"{base}/content", json={"kind": "lecture", "title": "Luento 1", "parent_id": course_id}
    )
    assert r.status_code == 201 and r.json()["parent"]["title"] == "Kurssi"
    parts = (await client.get(f"{base}/content/{course_id}")).json()["parts"]
    assert [p["title"] for p in parts] == ["Luento 1"]
    r = await client.post(f"{base}/content", json={"kind": "lecture", "title": "Orpo"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parent_id"


# --- 422 with field details ------------------------------------------------------------------


def _fields(response) -> dict[str, dict]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["status"] == 422 and body["detail"] == "validation failed"
    return {e["field"]: e for e in body["errors"]}


async def test_every_field_error_at_once_and_nothing_saved(client, api):
    _, base, _person = api
    r = await client.post(f"{base}/content", json={"kind": "laiva", "title": "X"})
    assert _fields(r)["kind"]["code"] == "unknown"
    r = await client.post(
        f"{base}/content",
        json={
            "kind": "meeting",
            "title": " ",
            "status": "kesken",
            "stage": "lead",
            "starts_on": "2026-05-02",
            "ends_on": "2026-05-01",
            "area_id": str(uuid.uuid4()),
            "organization_id": str(uuid.uuid4()),
            "details": {"place": "Sali", "colour": "red"},
        },
    )
    errors = _fields(r)
    assert set(errors) == {
        "title", "status", "stage", "ends_on", "area_id", "organization_id", "details.colour",
    }  # fmt: skip
    assert errors["stage"]["code"] == "no_pipeline" and errors["title"]["message"]
    # Litestar's own body checks come in the same shape.
    r = await client.post(f"{base}/content", json={"kind": "task"})
    assert "`title`" in str(_fields(r))
    r = await client.post(f"{base}/content", json={"kind": "task", "title": "T", "private": "x"})
    assert "private" in str(_fields(r))
    r = await client.get(f"{base}/content", params={"kind": "laiva"})
    assert "kind" in _fields(r)
    assert (await client.get(f"{base}/content")).headers["x-total-count"] == "0"

    deal = (await client.post(f"{base}/content", json={"kind": "deal", "title": "K"})).json()
    url = f"{base}/content/{deal['id']}"
    assert _fields(await client.put(url, json={"title": "K", "kind": "idea"}))["kind"]
    assert _fields(await client.patch(url, json={"details": {"value": "-1"}}))["details.value"]
    assert _fields(await client.put(f"{url}/stage", json={"stage": "valmis"}))["stage"]
    r = await client.put(f"{url}/participants", json={"user_ids": [str(uuid.uuid4())]})
    assert _fields(r)["participants"]["code"] == "unknown"
    r = await client.post(f"{url}/links", json={"person_id": str(uuid.uuid4()), "role": "contact"})
    assert _fields(r)["person_id"]["code"] == "unknown"
    assert (await client.get(url)).json()["title"] == "K"

    private = await client.post(
        f"{base}/content", json={"kind": "meeting", "title": "Y", "private": True}
    )
    r = await client.put(f"{base}/content/{private.json()['id']}/participants",
                         json={"user_ids": []})  # fmt: skip
    assert _fields(r)["participants"]["code"] == "empty"


async def test_roles_outside_each_kinds_vocabulary_are_refused(client, api):
    _, base, person = api
    parents: dict[str, str] = {}
    every_role = {role for kind in KINDS.values() for role in kind.roles}
    for code, kind in KINDS.items():
        body = {"kind": code, "title": f"{code} ä"}
        if kind.parent_kinds:
            body["parent_id"] = parents[kind.parent_kinds[0]]
        r = await client.post(f"{base}/content", json=body)
        assert r.status_code == 201, r.text
        parents[code] = r.json()["id"]
        links = f"{base}/content/{parents[code]}/links"
        for role in sorted(every_role - set(kind.roles)) + ["", "Chair", "hacker"]:
            errors = _fields(
                await client.post(links, json={"person_id": str(person), "role": role})
            )
            assert errors["role"]["code"] == "not_in_vocabulary", (code, role)
            assert kind.roles[0] in errors["role"]["message"]  # it names the allowed roles
        for role in kind.roles:
            r = await client.post(links, json={"person_id": str(person), "role": role})
            assert r.status_code == 201, (code, role, r.text)
        r = await client.post(links, json={"person_id": str(person), "role": kind.roles[0]})
        assert _fields(r)["role"]["code"] == "duplicate"
        assert sorted(lnk["role"] for lnk in (await client.get(links)).json()) == sorted(kind.roles)
    groups = (await client.get(f"{base}/persons/{person}/content")).json()["groups"]
    assert [g["kind"] for g in groups] == list(KINDS)
    assert all(g["items"][0]["roles"] == sorted(KINDS[g["kind"]].roles) for g in groups)


async def test_openapi_documents_the_content_api(client, api):
    r = await client.get("/schema/openapi.json")
    paths = r.json()["paths"]
    assert "/t/{tenant}/api/v1/content" in paths
    assert {"get", "put", "patch", "delete"} <= set(paths["/t/{tenant}/api/v1/content/{item_id}"])
    assert "/t/{tenant}/api/v1/persons/{person_id}/content" in paths
    assert "422" in paths["/t/{tenant}/api/v1/content"]["post"]["responses"]


# --- the visibility matrix -------------------------------------------------------------------

SECRET = "SALAISUUS"  # every title carries it, so one scan finds any of them


@dataclass
class Matrix:
    slug: str
    person: uuid.UUID
    items: dict[str, uuid.UUID]  # name -> id
    titles: dict[str, str]
    users: dict[str, uuid.UUID]

    @property
    def base(self) -> str:
        return f"/t/{self.slug}/api/v1"


# Who may see which item (DESIGN §1): staff their areas' and area-less items, private items
# only as participants; admins everything; the end customer nothing (and no API at all).
SEES = {
    "staff_a": {"area_a", "no_area", "private_a_with_a"},
    "staff_b": {"area_b", "no_area"},
    "insider_b": {"area_b", "no_area", "private_a_with_insider", "private_none_with_insider"},
    "admin": {
        "area_a",
        "area_b",
        "no_area",
        "private_a_with_a",
        "private_a_with_insider",
        "private_none_with_insider",
    },  # fmt: skip
    "self": set(),
}


async def _user(slug: str, name: str, role: str, areas: list[uuid.UUID]) -> uuid.UUID:
    user_id = uuid.uuid4()
    await DB.current_connection().execute(
        "INSERT INTO app_user (id, email, display_name, role, password_hash) "
        "VALUES ($1, $2, $3, $4, $5)",
        user_id,
        user_email(slug, name),
        name,
        role,
        _PASSWORD_HASH[0],
    )
    await set_user_areas(user_id, areas)
    return user_id


@pytest.fixture
async def matrix(make_tenant) -> Matrix:
    tenant = await make_tenant()
    slug = tenant.slug
    await add_self_user(slug)
    async with tenant_scope(slug):
        conn = DB.current_connection()
        area_a, area_b = await add_area("Alue A"), await add_area("Alue B")
        users = {
            "staff_a": await _user(slug, "staff_a", "staff", [area_a]),
            "staff_b": await _user(slug, "staff_b", "staff", [area_b]),
            "insider_b": await _user(slug, "insider_b", "staff", [area_b]),
        }
        admin_id = await conn.fetchval(
            "SELECT id FROM app_user WHERE email = $1", user_email(slug, "admin")
        )
        users["admin"] = admin_id
        admin = Viewer(admin_id, "admin")
        person = await create_person(PersonInput(first_name="Näkyvä", last_name="Henkilö"))
        # The end customer's own card is linked to everything too.
        self_card = await conn.fetchval(
            "SELECT person FROM app_user WHERE email = $1", user_email(slug, "self")
        )
        specs = {
            "area_a": ("deal", area_a, False, None),
            "area_b": ("contract", area_b, False, None),
            "no_area": ("event", None, False, None),
            "private_a_with_a": ("meeting", area_a, True, "staff_a"),
            "private_a_with_insider": ("meeting", area_a, True, "insider_b"),
            "private_none_with_insider": ("project", None, True, "insider_b"),
        }
        items, titles = {}, {}
        for name, (kind, area, private, participant) in specs.items():
            titles[name] = f"{SECRET} {name.replace('_', ' ')} otsikko"
            item = await create_item(
                admin,
                ContentInput(kind=kind, title=titles[name], area_id=area, private=private),
            )
            if participant:  # the participant alone (the creating admin leaves it)
                await set_participants(admin, item, [users[participant]])
            for card in (person, self_card):
                await link_person(admin, item, card, "contact")
            items[name] = item
    return Matrix(slug, person, items, titles, users)


async def _client_as(app, slug: str, name: str) -> SignedInClient:
    raw = AsyncTestClient(app=app)
    await raw.__aenter__()
    client = SignedInClient(raw)
    r = await client.sign_in(slug, role=name)
    assert r.status_code == 303, (name, r.status_code)
    return client


def _hidden_titles(m: Matrix, viewer: str) -> list[str]:
    return [m.titles[name] for name in m.items if name not in SEES[viewer]]


@pytest.mark.parametrize("viewer", list(SEES))
async def test_visibility_matrix_on_every_read_and_write(settings, matrix, viewer):
    m = matrix
    app = create_app(prepare_runtime=False)
    client = await _client_as(app, m.slug, viewer if viewer != "admin" else "admin")
    hidden = _hidden_titles(m, viewer)
    bodies: list[tuple[str, str]] = []

    async def call(method: str, url: str, **kw):
        r = await client.request(method, url, **kw)
        bodies.append((f"{method} {url} → {r.status_code}", r.text))
        return r

    try:
        allowed_api = viewer != "self"
        lists = [
            (f"{m.base}/content", {"limit": 500}),
            (f"{m.base}/content", {"person_id": str(m.person)}),
            (f"{m.base}/content", {"q": SECRET.lower()}),
            (f"{m.base}/content", {"kind": "meeting"}),
        ]
        for url, params in lists:
            r = await call("GET", url, params=params)
            if not allowed_api:
                assert r.status_code in (401, 403)
                continue
            assert r.status_code == 200
            seen = {i["title"] for i in r.json()}
            assert seen <= {m.titles[n] for n in SEES[viewer]}
        if allowed_api:
            r = await call("GET", f"{m.base}/content", params={"limit": 500})
            assert {i["title"] for i in r.json()} == {m.titles[n] for n in SEES[viewer]}
            assert r.headers["x-total-count"] == str(len(SEES[viewer]))

        r = await call("GET", f"{m.base}/persons/{m.person}/content")
        if allowed_api:
            titles = {i["title"] for g in r.json()["groups"] for i in g["items"]}
            assert titles == {m.titles[n] for n in SEES[viewer]}
            assert all(i["roles"] == ["contact"] for g in r.json()["groups"] for i in g["items"])
        else:
            assert r.status_code in (401, 403)
        await call("GET", f"{m.base}/persons/{m.person}")

        missing = await call("GET", f"{m.base}/content/{uuid.uuid4()}")
        for name, item in m.items.items():
            url = f"{m.base}/content/{item}"
            reads = [await call("GET", url), await call("GET", f"{url}/links"),
                     await call("GET", f"{url}/participants")]  # fmt: skip
            visible = name in SEES[viewer]
            for r in reads:
                if not allowed_api:
                    assert r.status_code in (401, 403)
                elif visible:
                    assert r.status_code == 200, (name, r.text)
                else:  # exactly like an item that does not exist: 404, never 403
                    assert (r.status_code, r.text) == (404, missing.text), name
            if visible and allowed_api:
                assert reads[0].json()["title"] == m.titles[name]
            if visible:
                continue
            # Writes to an unseen item: 404 too, and nothing changes.
            writes = [
                ("PATCH", url, {"title": "Kaapattu"}),
                ("PUT", url, {"title": "Kaapattu"}),
                ("PUT", f"{url}/stage", {"stage": "won"}),
                ("POST", f"{url}/links", {"person_id": str(m.person), "role": "participant"}),
                ("PUT", f"{url}/participants", {"user_ids": [str(m.users["staff_a"])]}),
                ("DELETE", f"{url}/links/{uuid.uuid4()}", None),
                ("DELETE", url, None),
            ]
            for method, target, body in writes:
                r = await call(method, target, json=body)
                expected = (401, 403) if not allowed_api else (404,)
                assert r.status_code in expected, (name, method, target, r.status_code)
    finally:
        await client.__aexit__(None, None, None)

    leaks = [(what, t) for what, text in bodies for t in hidden if t in text]
    assert not leaks, f"{viewer} was shown titles it may not see: {leaks}"
    async with tenant_scope(m.slug):
        stored = await DB.current_connection().fetch("SELECT title FROM content_item")
    assert sorted(r["title"] for r in stored) == sorted(m.titles.values())  # nothing written


async def test_exports_hold_no_content_items(settings, matrix):
    """The CSV exports (persons, organizations) hold no content at all, so no title can leak
    through them; if one ever adds content it must read it through core.visibility."""
    m = matrix
    app = create_app(prepare_runtime=False)
    for viewer in ("staff_a", "admin"):
        client = await _client_as(app, m.slug, viewer)
        try:
            for what in ("persons", "organizations"):
                r = await client.get(f"/t/{m.slug}/export/{what}.csv")
                assert r.status_code == 200
                assert SECRET not in r.text
        finally:
            await client.__aexit__(None, None, None)


async def test_staff_sees_but_may_not_delete_or_reshuffle_others_items(settings, matrix):
    m = matrix
    client = await _client_as(create_app(prepare_runtime=False), m.slug, "staff_a")
    try:
        url = f"{m.base}/content/{m.items['area_a']}"
        r = await client.delete(url)
        assert r.status_code == 403 and r.json()["detail"] == "forbidden"
        assert (await client.get(url)).status_code == 200
        # A participant of a private item decides its participants (and may hand it over).
        private = f"{m.base}/content/{m.items['private_a_with_a']}"
        r = await client.put(f"{private}/participants",
                             json={"user_ids": [str(m.users["staff_b"])]})  # fmt: skip
        assert r.status_code == 200 and [p["display_name"] for p in r.json()] == ["staff_b"]
        assert (await client.get(private)).status_code == 404  # no longer theirs to see
        # Staff create only in their own areas.
        r = await client.post(
            f"{m.base}/content",
            json={"kind": "task", "title": "Väärä alue", "area_id": str(uuid.uuid4())},
        )
        assert _fields(r)["area_id"]["code"] == "unknown"
    finally:
        await client.__aexit__(None, None, None)
