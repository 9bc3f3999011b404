"""Audit overhead on the person page: the same product app, with and without read auditing.

The product's app (`web.app.create_app`, every middleware, the session, the real handler and
template) serves `GET /t/<slug>/persons/<id>` for a signed-in staff member, in-process through
httpx's ASGI transport. The two variants differ only in `web.read_audit.cards_read`:

    A  audited     the product as shipped: one person.read event per page (an INSERT that
                   takes the chain gate's shared lock, in the request's transaction)
    B  no audit    `cards_read` replaced by a no-op for that round

Throughput is measured with CONCURRENCY requests in flight (one event loop, the product's
pool), A and B alternating by round (ROUNDS rounds of ROUND_SECONDS each, the order flipped
every round), so drift hits both alike; a sealer (core.audit_chain.seal) runs every
SEAL_EVERY seconds throughout, as the scheduler would (more often). Also single-request
latency, alternating request by request. Target: A's throughput at most 15 % below B's, read
as the median over rounds of 1 - A/B of the round pair (as the content benchmark reads its
ratio: drift between rounds cancels out).
Afterwards the chain is sealed and verified (every audited page read is in it, intact).
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx

from bench.common import FULL, Result, Table, Target, median, ms, percentile
from core import audit, audit_chain
from core.db import DB
from core.storage import ObjectStore
from tenants.provisioning import create_tenant
from tenants.scope import tenant_scope

SLUG = "auditbench"
PASSWORD = "Bench-salasana-2026!"  # noqa: S105 - a throw-away tenant's password
CONCURRENCY = 8
ROUNDS = 12 if FULL else 6  # per variant
ROUND_SECONDS = 5.0 if FULL else 3.0
LATENCY_REQUESTS = 1500 if FULL else 600  # per variant, alternating
WARM_UP = 100
SEAL_EVERY = 2.0
OVERHEAD_LIMIT = 15.0  # % throughput


async def _setup(stack) -> tuple[str, str]:
    """The tenant, a staff member with a session, and a realistic card; (person id, session)."""
    from core.accounts import create_user
    from core.organizations import OrganizationInput, create_organization
    from core.persons import PersonInput, create_person
    from web.auth import session_store

    await create_tenant(
        SLUG,
        "Audit Bench Oy",
        store=ObjectStore.from_settings(stack.settings),
        app_role=stack.settings.database.app_role,
    )
    async with tenant_scope(SLUG):
        org = (await create_organization(OrganizationInput(name="Luettava Oy", city="Oulu")))["id"]
        person = await create_person(
            PersonInput(
                first_name="Liisa",
                last_name="Luettava",
                emails=["liisa.luettava@asiakas.example", "liisa@koti.example"],
                phones=["040 123 4567"],
                title="Hankintapäällikkö",
                organization_id=org,
                keywords=["vip", "messut"],
                description="Tavattu messuilla 2026.",
            )
        )
        user_id = await create_user(
            f"staff@{SLUG}.example", role="staff", display_name="Bench Staff", password=PASSWORD
        )
    session_id = await session_store().create(SLUG, str(user_id), user_agent="bench")
    return str(person), session_id


async def _no_audit(*_args, **_kwargs) -> None:
    return None


async def _reads() -> int:
    async with tenant_scope(SLUG):
        return await DB.current_connection().fetchval(
            "SELECT count(*) FROM audit_event WHERE action = $1", audit.READ_ACTION
        )


async def _sealer(stop: asyncio.Event, sealed: list[int]) -> None:
    while not stop.is_set():
        async with tenant_scope(SLUG):
            sealed.append((await audit_chain.seal()).sealed)
        try:
            await asyncio.wait_for(stop.wait(), timeout=SEAL_EVERY)
        except TimeoutError:
            pass


async def _measure(person: str, session_id: str) -> dict:
    from web import read_audit
    from web.app import create_app
    from web.auth import session_cookie_name

    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request is noise
    audited = read_audit.cards_read
    variants = {"A": audited, "B": _no_audit}
    url = f"/t/{SLUG}/persons/{person}"
    app = create_app(prepare_runtime=False)
    transport = httpx.ASGITransport(app=app)
    out: dict = {"rps": {"A": [], "B": []}, "lat": {"A": [], "B": []}, "counts": {}}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        client.cookies.set(session_cookie_name(SLUG), session_id)

        async def get() -> None:
            r = await client.get(url)
            if r.status_code != 200 or "Luettava" not in r.text:
                raise RuntimeError(f"{url} answered {r.status_code}")

        # Each variant reads the same page; the audited one leaves exactly one event.
        for name, fn in variants.items():
            read_audit.cards_read = fn
            before = await _reads()
            await get()
            out["counts"][name] = await _reads() - before
        if out["counts"] != {"A": 1, "B": 0}:
            raise RuntimeError(f"events per page: {out['counts']} (expected A 1, B 0)")
        read_audit.cards_read = audited
        for _ in range(WARM_UP):
            await get()

        stop, sealed = asyncio.Event(), []
        sealer = asyncio.create_task(_sealer(stop, sealed))
        try:
            order = list(variants)
            for i in range(ROUNDS):
                for name in order[i % 2 :] + order[: i % 2]:
                    read_audit.cards_read = variants[name]
                    done = 0
                    deadline = time.perf_counter() + ROUND_SECONDS

                    async def worker() -> None:
                        nonlocal done
                        while time.perf_counter() < deadline:
                            await get()
                            done += 1

                    t0 = time.perf_counter()
                    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
                    out["rps"][name].append(done / (time.perf_counter() - t0))
            for i in range(LATENCY_REQUESTS):
                for name in order[i % 2 :] + order[: i % 2]:
                    read_audit.cards_read = variants[name]
                    t0 = time.perf_counter()
                    await get()
                    out["lat"][name].append(time.perf_counter() - t0)
        finally:
            read_audit.cards_read = audited
            stop.set()
            await sealer
        out["sealed_during"] = sum(sealed)
    async with tenant_scope(SLUG):
        await audit_chain.seal()
        out["verify"] = await audit_chain.verify()
    await DB.close_pools_of_current_loop()
    return out


async def run_audit(stack) -> Result:
    result = Result("audit", "Audit of reads: person page with and without auditing")
    person, session_id = await _setup(stack)
    out = await _measure(person, session_id)
    rps, lat = out["rps"], out["lat"]
    labels = {"A": "A audited (as shipped)", "B": "B no read audit"}
    thr = Table(
        f"person page throughput in-process, {CONCURRENCY} requests in flight, {ROUNDS} rounds "
        f"of {ROUND_SECONDS:.0f} s per variant, A and B alternating (sealer every "
        f"{SEAL_EVERY:.0f} s throughout)",
        ["variant", "median req/s", "min req/s", "max req/s"],
    )
    for name in ("A", "B"):
        thr.add(labels[name], median(rps[name]), min(rps[name]), max(rps[name]))
    result.tables.append(thr)
    single = Table(
        f"one request at a time, {LATENCY_REQUESTS} each, alternating",
        ["variant", "p50 ms", "p95 ms", "p99 ms"],
    )
    for name in ("A", "B"):
        values = lat[name]
        single.add(
            labels[name],
            ms(median(values)),
            ms(percentile(values, 95)),
            ms(percentile(values, 99)),
        )
    result.tables.append(single)
    overhead = (1 - median(rps["A"]) / median(rps["B"])) * 100
    paired = median([(1 - a / b) * 100 for a, b in zip(rps["A"], rps["B"], strict=True)])
    verdict = out["verify"]
    result.notes.append(
        f"throughput A / B = {median(rps['A']) / median(rps['B']):.2f}x (overhead "
        f"{overhead:.1f} %, median of paired rounds {paired:.1f} %); single-request p50 added "
        f"{ms(median(lat['A']) - median(lat['B'])):.2f} ms"
    )
    result.notes.append(
        f"events per page: A {out['counts']['A']}, B {out['counts']['B']}; sealed during the "
        f"run {out['sealed_during']}; afterwards verify: "
        f"{'intact' if verdict.ok else 'BROKEN'} over {verdict.checked} events"
    )
    if not verdict.ok:
        raise RuntimeError(verdict.line(SLUG))
    result.targets.append(
        Target(
            "read-audit throughput overhead on the person page (median of paired rounds)",
            paired,
            OVERHEAD_LIMIT,
            "%",
        )
    )
    return result
