"""Search latency with 100k persons in one tenant (1M with KORTISTO_BENCH_FULL=1).

The register is bulk-loaded with COPY (bench/register_data.py: the services' own derived
columns), with autovacuum off for its tables so that the first measurements really run
*before* ANALYZE: `core.duplicates.find_duplicates` (reported slow then) and the exact e-mail
and phone searches. Then ANALYZE (as the owner: the tenant role may not), and
`core.search.search()` inside `tenant_scope` — the real code path — for name queries (full
name, surname, the start of a surname, a full name with a typo), exact e-mail (as stored and in
capitals) and exact phone in six formats, round-robin so drift hits every kind alike. Each
kind runs up to N queries or until its time budget is spent (at least MIN).

The what-ifs this benchmark used to carry (an e-mail prefix index; a two-step name search:
every typed word through the trigram index, at most 500 candidates ranked, contacts for the
shown rows only) are the product now (core.search, migration 2026-11-22T08:10).
"""

from __future__ import annotations

import contextlib
import json
import random
import time

import phonenumbers

from bench.common import FULL, Result, Table, Target, percentile
from bench.register_data import Generator, LoadStats, load
from core.db import DB, as_admin

SLUG = "searchbench"
SCHEMA = f"t_{SLUG}"
PERSONS = 100_000
ORGANIZATIONS = 10_000
PERSONS_1M = 1_000_000
QUERIES = 400 if FULL else 200  # per kind
BUDGET_S = 60.0 if FULL else 25.0  # per kind
MIN_QUERIES = 20
BUDGET_1M_S = 90.0
MIN_1M = 8
BEFORE_QUERIES = 15  # exact searches before ANALYZE (informational)
DUP_BEFORE, DUP_AFTER = 25, 50  # per kind
NAME_P95_MS = 15.0
EXACT_P95_MS = 2.0
NAME_P95_1M_MS = 50.0
TABLES = ("organization", "person", "person_email", "person_phone", "employment")
NAME_KINDS = ("name: full name", "name: surname", "name: start of surname", "name: typo")
EXACT_KINDS = ("exact e-mail", "exact phone")
PHONE_FORMATS = (
    ("national", lambda n: phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.NATIONAL)),
    ("international", lambda n: phonenumbers.format_number(
        n, phonenumbers.PhoneNumberFormat.INTERNATIONAL)),
    ("E.164", lambda n: phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)),
    ("digits", lambda n: "0" + str(n.national_number)),
    ("dashes", lambda n: "0" + str(n.national_number)[:2] + "-" + str(n.national_number)[2:]),
    ("brackets", lambda n: f"(0{str(n.national_number)[:2]}) {str(n.national_number)[2:]}"),
)  # fmt: skip


# -- queries -------------------------------------------------------------------------------------


def _typo(rng: random.Random, word: str) -> str:
    letters = list(word)
    for _ in range(10):
        i = rng.randrange(1, max(2, len(letters) - 1))
        kind = rng.choice(("swap", "drop", "plain"))
        out = letters[:]
        if kind == "swap" and i + 1 < len(out):
            out[i], out[i + 1] = out[i + 1], out[i]
        elif kind == "drop":
            del out[i]
        else:
            out = [{"ä": "a", "ö": "o", "å": "a"}.get(ch, ch) for ch in out]
        if "".join(out) != word:
            return "".join(out)
    return word[:-1]


def queries(rng: random.Random, sample: list[dict], n: int) -> dict[str, list[tuple[str, object]]]:
    """(query text, card id it must find or None) per kind."""
    current = [p for p in sample if not p["departed"]]
    out: dict[str, list[tuple[str, object]]] = {k: [] for k in NAME_KINDS + EXACT_KINDS}
    for i in range(n):
        p = rng.choice(current)
        out["name: full name"].append((f"{p['first_name']} {p['last_name']}", None))
        p = rng.choice(current)
        out["name: surname"].append((p["last_name"], None))
        p = rng.choice(current)
        out["name: start of surname"].append((p["last_name"][: rng.randint(4, 6)].lower(), None))
        p = rng.choice(current)
        out["name: typo"].append((f"{p['first_name']} {_typo(rng, p['last_name'])}", None))
        p = rng.choice(current)
        email = rng.choice(p["emails"])
        out["exact e-mail"].append((email.upper() if i % 2 else email, p["id"]))
        p = rng.choice(current)
        number = phonenumbers.parse(rng.choice(p["phones"]), None)
        _label, formatter = PHONE_FORMATS[i % len(PHONE_FORMATS)]
        out["exact phone"].append((formatter(number), p["id"]))
    return out



async def _one_search(text: str):
    from core.search import search
    from tenants.scope import tenant_scope

    async with tenant_scope(SLUG):
        t0 = time.perf_counter()
        try:
            found = await search(text)
        except TimeoutError:
            return time.perf_counter() - t0, None
        return time.perf_counter() - t0, found


@contextlib.asynccontextmanager
async def _owner():
    with as_admin():
        async with DB.transaction() as txn:
            yield txn.connection


async def measure_kinds(
    plan: dict[str, list[tuple[str, object]]],
    *,
    limit: int,
    budget: float,
    minimum: int,
) -> dict[str, dict]:
    """Round-robin over the kinds; each stops after `limit` queries, or once `budget` seconds
    are spent and it has at least `minimum`. Times are of `search()` inside an open scope."""
    stats = {
        k: {"times": [], "totals": [], "found": 0, "must": 0, "timeouts": 0, "missed": []}
        for k in plan
    }
    active = [k for k in plan if plan[k]]
    spent = dict.fromkeys(plan, 0.0)
    i = 0
    while active:
        for kind in list(active):
            text, must = plan[kind][i % len(plan[kind])]
            seconds, found = await _one_search(text)
            s = stats[kind]
            s["times"].append(seconds)
            spent[kind] += seconds
            if found is None:
                s["timeouts"] += 1
            else:
                s["totals"].append(found.total)
                if must is not None:
                    s["must"] += 1
                    hit = any(item["id"] == must for item in found.items)
                    s["found"] += hit
                    if not hit:
                        s["missed"].append(f"`{text}` (answered as {found.matched_by})")
            n = len(s["times"])
            if n >= limit or (spent[kind] >= budget and n >= minimum):
                active.remove(kind)
        i += 1
    return stats


# -- plans ---------------------------------------------------------------------------------------


def _walk(node: dict, out: list[str]) -> None:
    kind = node.get("Node Type", "")
    if "Scan" in kind and kind not in ("Subquery Scan", "CTE Scan", "Function Scan"):
        name = node.get("Index Name") or node.get("Relation Name") or ""
        loops = node.get("Actual Loops", 1)
        rows = node.get("Actual Rows", 0) * loops
        removed = node.get("Rows Removed by Filter", 0) * loops
        text = f"{kind} {name}"
        if loops > 1:
            text += f" ×{loops:,}"
        text += f" ({rows:,.0f} rows"
        if removed:
            text += f", {removed:,.0f} filtered out"
        out.append(text + ")")
    for child in node.get("Plans", []):
        _walk(child, out)


class _Explaining:
    """Stands in for `DB` in a core module: its connection EXPLAIN ANALYZEs each fetch first."""

    def __init__(self) -> None:
        self.summaries: list[str] = []

    def current_connection(self):
        conn = DB.current_connection()
        outer = self

        class Conn:
            def __getattr__(self, name):
                return getattr(conn, name)

            async def fetch(self, query, *args):
                raw = await conn.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + query, *args)
                plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
                scans: list[str] = []
                _walk(plan["Plan"], scans)
                outer.summaries.append(
                    f"{plan['Execution Time']:.1f} ms: "
                    + "; ".join(scans[:6])
                    + ("; …" if len(scans) > 6 else "")
                )
                return await conn.fetch(query, *args)

        return Conn()


async def explain(module, call) -> str:
    from tenants.scope import tenant_scope

    shim = _Explaining()
    original = module.DB
    try:
        module.DB = shim
        async with tenant_scope(SLUG):
            await call()
    finally:
        module.DB = original
    return " | ".join(shim.summaries)


# -- duplicates ---------------------------------------------------------------------------------


def dup_inputs(rng: random.Random, sample: list[dict], n: int) -> dict[str, list]:
    from core.persons import PersonInput

    with_org = [p for p in sample if p["organization_id"] is not None]
    kinds = (
        "strong: same e-mail",
        "strong: same phone, other format",
        "weak: similar name, same organization",
        "no match",
    )
    out: dict[str, list] = {k: [] for k in kinds}
    for i in range(n):
        p = rng.choice(sample)
        out["strong: same e-mail"].append(
            (PersonInput(p["first_name"], p["last_name"], emails=[p["emails"][0]],
                         organization_id=p["organization_id"]), p["id"])
        )  # fmt: skip
        p = rng.choice(sample)
        number = phonenumbers.parse(p["phones"][0], None)
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        out["strong: same phone, other format"].append(
            (PersonInput(p["first_name"], p["last_name"], phones=[national]), p["id"])
        )
        p = rng.choice(with_org)
        out["weak: similar name, same organization"].append(
            (PersonInput(p["first_name"], _typo(rng, p["last_name"]),
                         organization_id=p["organization_id"]), None)
        )  # fmt: skip
        org = rng.choice(with_org)["organization_id"]
        out["no match"].append(
            (PersonInput("Uusi", f"Henkilö{i}", emails=[f"uusi.henkilo{i}@esimerkki.example"],
                         phones=[f"+358 40 {9_000_000 + i}"], organization_id=org), None)
        )  # fmt: skip
    return out


async def measure_dups(inputs: dict[str, list], per_kind: int) -> dict[str, dict]:
    from core.duplicates import find_duplicates
    from tenants.scope import tenant_scope

    stats = {k: {"times": [], "found": 0, "must": 0} for k in inputs}
    for i in range(per_kind):
        for kind, items in inputs.items():
            data, must = items[i % len(items)]
            async with tenant_scope(SLUG):
                t0 = time.perf_counter()
                found = await find_duplicates(data)
                stats[kind]["times"].append(time.perf_counter() - t0)
            if must is not None:
                stats[kind]["must"] += 1
                stats[kind]["found"] += any(d["id"] == must for d in found)
    return stats


# -- the run -------------------------------------------------------------------------------------


async def _set_autovacuum(enabled: bool) -> None:
    async with _owner() as conn:
        for table in TABLES:
            if enabled:
                await conn.execute(f"ALTER TABLE {SCHEMA}.{table} RESET (autovacuum_enabled)")
            else:
                await conn.execute(f"ALTER TABLE {SCHEMA}.{table} SET (autovacuum_enabled = false)")


async def _analyze() -> float:
    t0 = time.perf_counter()
    async with _owner() as conn:
        await conn.execute("ANALYZE " + ", ".join(f"{SCHEMA}.{t}" for t in TABLES))
    return time.perf_counter() - t0


async def _never_analyzed() -> bool:
    async with _owner() as conn:
        rows = await conn.fetch(
            "SELECT relname, last_analyze, last_autoanalyze FROM pg_stat_user_tables "
            "WHERE schemaname = $1",
            SCHEMA,
        )
    return all(r["last_analyze"] is None and r["last_autoanalyze"] is None for r in rows)


def _ms(values: list[float], p: float) -> float:
    return percentile(values, p) * 1000 if values else float("nan")


def _row_for(table: Table, kind: str, s: dict, extra: str = "") -> None:
    totals = s.get("totals", [])
    found = f"{s['found']}/{s['must']}" if s.get("must") else "—"
    table.add(
        kind, len(s["times"]), _ms(s["times"], 50), _ms(s["times"], 95),
        max(s["times"]) * 1000 if s["times"] else float("nan"),
        f"{statistics_mean(totals):,.0f}" if totals else "—", found,
        (f"{s['timeouts']} timeouts" if s.get("timeouts") else "")
        + ("not found: " + ", ".join(s["missed"][:3]) if s.get("missed") else "")
        + extra,
    )  # fmt: skip


def statistics_mean(values: list[float]) -> float:
    return sum(values) / len(values)


async def run_search(stack) -> Result:
    from core.storage import ObjectStore
    from tenants.provisioning import create_tenant, delete_tenant

    result = Result("search", f"Search at {PERSONS // 1000}k persons in one tenant")
    rng = random.Random(20261122)  # noqa: S311 - reproducible queries
    store = ObjectStore.from_settings(stack.settings)
    await create_tenant(
        SLUG, "Hakupenkki Oy", store=store, app_role=stack.settings.database.app_role
    )
    try:
        await _set_autovacuum(False)
        gen = Generator(seed=7)
        loaded = await load(SLUG, gen, PERSONS, ORGANIZATIONS, LoadStats())
        result.notes.append(
            f"loaded {loaded.persons:,} persons, {loaded.organizations:,} organizations, "
            f"{loaded.emails:,} e-mails, {loaded.phones:,} phones, {loaded.jobs:,} employment "
            f"rows: generated in {loaded.generate_s:.1f} s, COPY (as the tenant role, chunks of "
            f"25k, every product index in place) {loaded.copy_s:.1f} s; commonest surname "
            f"{gen.surname.items[0]} ~{gen.surname.share(gen.surname.items[0]):.1%} of cards, "
            f"{len(gen.surname.items)} surnames, {len(gen.first.items)} first names"
        )
        sample = gen.sample.persons
        plan = queries(rng, sample, QUERIES)
        dups = dup_inputs(rng, sample, DUP_AFTER)

        # -- before ANALYZE --------------------------------------------------------------
        untouched = await _never_analyzed()
        dup_before = await measure_dups(dups, DUP_BEFORE)
        exact_before = await measure_kinds(
            {k: plan[k] for k in EXACT_KINDS}, limit=BEFORE_QUERIES, budget=20.0, minimum=5
        )
        import core.duplicates
        import core.search

        strong = dups["strong: same e-mail"][0][0]
        dup_plan_before = await explain(
            core.duplicates, lambda: core.duplicates.find_duplicates(strong)
        )
        if not await _never_analyzed() or not untouched:
            result.notes.append("WARNING: the tables had statistics before ANALYZE was run")
        analyze_s = await _analyze()

        # -- after ANALYZE ---------------------------------------------------------------
        after = await measure_kinds(plan, limit=QUERIES, budget=BUDGET_S, minimum=MIN_QUERIES)
        dup_after = await measure_dups(dups, DUP_AFTER)
        dup_plan_after = await explain(
            core.duplicates, lambda: core.duplicates.find_duplicates(strong)
        )
        plans = {}
        for kind in NAME_KINDS + EXACT_KINDS:
            text = plan[kind][0][0]
            plans[kind] = (text, await explain(core.search, lambda t=text: core.search.search(t)))
        others = await _others(sample, rng)

        # -- tables ----------------------------------------------------------------------
        cols = ["query kind", "queries", "p50 ms", "p95 ms", "max ms", "avg matches",
                "found the card", "note"]  # fmt: skip
        t = Table(
            f"core.search.search() in tenant_scope, {PERSONS:,} persons, after ANALYZE "
            f"(round-robin; up to {QUERIES} per kind or {BUDGET_S:.0f} s, at least "
            f"{MIN_QUERIES})",
            cols,
        )
        for kind in NAME_KINDS + EXACT_KINDS:
            _row_for(t, kind, after[kind])
        _row_for(t, "get_person (card page data)", others["get_person"])
        _row_for(t, "list_persons, first page (no query)", others["list_persons"])
        result.tables.append(t)

        t = Table(
            "core.duplicates.find_duplicates in tenant_scope, before and after ANALYZE",
            ["input", "before: n", "before p50 ms", "before p95 ms", "after: n", "after p50 ms",
             "after p95 ms", "before / after p95", "found the card (after)"],
        )  # fmt: skip
        all_before, all_after = [], []
        for kind in dups:
            b, a = dup_before[kind], dup_after[kind]
            all_before += b["times"]
            all_after += a["times"]
            t.add(
                kind, len(b["times"]), _ms(b["times"], 50), _ms(b["times"], 95),
                len(a["times"]), _ms(a["times"], 50), _ms(a["times"], 95),
                _ms(b["times"], 95) / _ms(a["times"], 95),
                f"{a['found']}/{a['must']}" if a["must"] else "—",
            )  # fmt: skip
        t.add(
            "all", len(all_before), _ms(all_before, 50), _ms(all_before, 95), len(all_after),
            _ms(all_after, 50), _ms(all_after, 95), _ms(all_before, 95) / _ms(all_after, 95), "",
        )  # fmt: skip
        result.tables.append(t)

        t = Table("exact searches before ANALYZE (right after the bulk load; informational)", cols)
        for kind in EXACT_KINDS:
            _row_for(t, kind, exact_before[kind])
        result.tables.append(t)

        result.notes.append(
            f"before ANALYZE: autovacuum was off for the five tables from creation until "
            f"ANALYZE (pg_stat_user_tables confirmed no analyze had run: {untouched}); "
            f"ANALYZE of the five tables took {analyze_s:.1f} s, as the owner role — the tenant "
            "role cannot ANALYZE its own tables (not the owner), so after an import the app "
            "depends on autovacuum (threshold 50 + 10 % of the rows, checked every minute)"
        )
        result.notes.append(f"find_duplicates plan before ANALYZE: {dup_plan_before}")
        result.notes.append(f"find_duplicates plan after ANALYZE: {dup_plan_after}")
        for kind, (text, summary) in plans.items():
            result.notes.append(f"plan of {kind} `{text}`: {summary}")
        result.notes.append(
            "phone formats rotate: " + ", ".join(label for label, _f in PHONE_FORMATS)
            + "; e-mails alternate as stored / in capitals; departed cards are not queried "
            "(search hides them)"
        )  # fmt: skip
        for kind in NAME_KINDS:
            result.targets.append(
                Target(f"{kind} p95 at {PERSONS // 1000}k", _ms(after[kind]["times"], 95),
                       NAME_P95_MS, "ms")
            )  # fmt: skip
        for kind in EXACT_KINDS:
            result.targets.append(
                Target(f"{kind} p95 at {PERSONS // 1000}k", _ms(after[kind]["times"], 95),
                       EXACT_P95_MS, "ms")
            )  # fmt: skip

    finally:
        with contextlib.suppress(Exception):
            await _set_autovacuum(True)
        await delete_tenant(SLUG, store=store)
    return result


async def _others(sample: list[dict], rng: random.Random) -> dict[str, dict]:
    from core.persons import get_person, list_persons
    from tenants.scope import tenant_scope

    out = {"get_person": {"times": []}, "list_persons": {"times": []}}
    for i in range(200):
        p = rng.choice(sample)
        async with tenant_scope(SLUG):
            t0 = time.perf_counter()
            await get_person(p["id"])
            out["get_person"]["times"].append(time.perf_counter() - t0)
        if i % 5 == 0:
            async with tenant_scope(SLUG):
                t0 = time.perf_counter()
                await list_persons(limit=20)
                out["list_persons"]["times"].append(time.perf_counter() - t0)
    for s in out.values():
        s.update(found=0, must=0)
    return out


async def run_search_1m(stack) -> Result:
    """The name searches (and the exact ones) at 1,000,000 cards; opt-in: part of `register`
    only with KORTISTO_BENCH_FULL=1, or named alone (`python -m bench search-1m`)."""
    from core.storage import ObjectStore
    from tenants.provisioning import create_tenant, delete_tenant

    result = Result("search-1m", f"Search at {PERSONS_1M // 1_000_000}M persons in one tenant")
    rng = random.Random(20261123)  # noqa: S311 - reproducible queries
    store = ObjectStore.from_settings(stack.settings)
    await create_tenant(
        SLUG, "Hakupenkki Oy", store=store, app_role=stack.settings.database.app_role
    )
    try:
        gen = Generator(seed=11)
        loaded = await load(SLUG, gen, PERSONS_1M, ORGANIZATIONS * 10, LoadStats())
        analyze_s = await _analyze()
        plan = queries(rng, gen.sample.persons, QUERIES)
        stats = await measure_kinds(plan, limit=QUERIES, budget=BUDGET_1M_S, minimum=MIN_1M)
        import core.search

        plans = {}
        for kind in NAME_KINDS:
            text = plan[kind][0][0]
            plans[kind] = (text, await explain(core.search, lambda t=text: core.search.search(t)))
    finally:
        await delete_tenant(SLUG, store=store)
    cols = ["query kind", "queries", "p50 ms", "p95 ms", "max ms", "avg matches",
            "found the card", "note"]  # fmt: skip
    t = Table(
        f"core.search.search() in tenant_scope at {PERSONS_1M:,} persons, after ANALYZE (up to "
        f"{QUERIES} per kind or {BUDGET_1M_S:.0f} s, at least {MIN_1M})",
        cols,
    )
    for kind in NAME_KINDS + EXACT_KINDS:
        _row_for(t, kind, stats[kind])
    result.tables.append(t)
    result.notes.append(
        f"loaded {loaded.persons:,} persons, {loaded.organizations:,} organizations, "
        f"{loaded.emails:,} e-mails, {loaded.phones:,} phones, {loaded.jobs:,} employment rows "
        f"as in the 100k benchmark (generated {loaded.generate_s:.0f} s, COPY "
        f"{loaded.copy_s:.0f} s, every product index in place), ANALYZE {analyze_s:.1f} s"
    )
    for kind, (text, summary) in plans.items():
        result.notes.append(f"plan of {kind} `{text}`: {summary}")
    for kind in NAME_KINDS:
        result.targets.append(
            Target(f"{kind} p95 at 1M", _ms(stats[kind]["times"], 95), NAME_P95_1M_MS, "ms")
        )
    return result
