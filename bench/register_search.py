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

The measuring is in bench/register_search_measure.py; this module runs the benchmark and
reports it (tables, notes, targets).
"""

from __future__ import annotations

import contextlib
import random

from bench.common import FULL, Result, Table, Target, percentile
from bench.register_data import Generator, LoadStats, load
from bench.register_search_measure import (
    EXACT_KINDS,
    NAME_KINDS,
    PHONE_FORMATS,
    SLUG,
    analyze_tables,
    dup_inputs,
    explain,
    measure_card_reads,
    measure_dups,
    measure_kinds,
    never_analyzed,
    queries,
    set_autovacuum,
)

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


# -- tables ---------------------------------------------------------------------------------


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
        await set_autovacuum(False)
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
        untouched = await never_analyzed()
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
        if not await never_analyzed() or not untouched:
            result.notes.append("WARNING: the tables had statistics before ANALYZE was run")
        analyze_s = await analyze_tables()

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
        others = await measure_card_reads(sample, rng)

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
            await set_autovacuum(True)
        await delete_tenant(SLUG, store=store)
    return result


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
        analyze_s = await analyze_tables()
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
