"""Randomised isolation: interleaved, concurrent work on several tenants never crosses over.

Hypothesis draws a plan of operations over three tenants; each batch runs concurrently, half
through the service layer and half through HTTP, on a small pool so connections are reused
across tenants. After every batch each tenant must see exactly its own rows.
"""

import asyncio
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.organizations import (
    OrganizationInput,
    create_organization,
    delete_organization,
    list_organizations,
)
from tenants.scope import tenant_scope

N_TENANTS = 3

operation = st.tuples(
    st.integers(0, N_TENANTS - 1),
    st.sampled_from(["create", "list", "delete"]),
    st.sampled_from(["service", "http"]),
    st.text(alphabet="abcdefåäö -", min_size=1, max_size=12),
)
plan = st.lists(st.lists(operation, min_size=1, max_size=12), min_size=1, max_size=5)


@pytest.fixture
async def three_tenants(make_tenant):
    return [await make_tenant() for _ in range(N_TENANTS)]


class Model:
    def __init__(self, slugs):
        self.rows = {slug: {} for slug in slugs}  # slug -> {id: name}


async def _service_op(slug, op, name, model):
    async with tenant_scope(slug):
        if op == "create":
            row = await create_organization(OrganizationInput(name=f"{slug}:{name}"))
            model.rows[slug][str(row["id"])] = row["name"]
        elif op == "delete" and model.rows[slug]:
            # Claim the victim before awaiting, so a concurrent delete picks another row.
            victim, _ = model.rows[slug].popitem()
            assert await delete_organization(uuid.UUID(victim))
        else:
            seen = await list_organizations(limit=500)
            assert all(r["name"].startswith(f"{slug}:") for r in seen), seen


async def _http_op(client, slug, op, name, model):
    url = f"/t/{slug}/api/v1/organizations/"
    if op == "create":
        r = await client.post(url, json={"name": f"{slug}:{name}"})
        assert r.status_code == 201, r.text
        model.rows[slug][r.json()["id"]] = r.json()["name"]
    else:
        r = await client.get(url, params={"limit": 500})
        assert r.status_code == 200
        assert all(o["name"].startswith(f"{slug}:") for o in r.json()), r.json()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=plan)
async def test_interleaved_concurrent_operations_stay_isolated(three_tenants, client, batches):
    slugs = [t.slug for t in three_tenants]
    model = Model(slugs)
    for slug in slugs:  # start each example from the tenant's actual rows
        async with tenant_scope(slug):
            model.rows[slug] = {str(r["id"]): r["name"] for r in await list_organizations(500)}
    for batch in batches:
        jobs = []
        for tenant_index, op, via, name in batch:
            slug = slugs[tenant_index]
            if via == "http" and op != "delete":
                jobs.append(_http_op(client, slug, op, name, model))
            else:
                jobs.append(_service_op(slug, op, name, model))
        await asyncio.gather(*jobs)
        for slug in slugs:
            async with tenant_scope(slug):
                actual = {str(r["id"]): r["name"] for r in await list_organizations(limit=500)}
            assert actual == model.rows[slug]
