"""The measuring half of the search benchmark (bench/register_search.py runs and reports it).

Query plans per kind (names, exact e-mail and phone in six formats) drawn from the loaded
sample; `core.search.search()` and `core.duplicates.find_duplicates` timed inside
`tenant_scope`, round-robin over the kinds; EXPLAIN ANALYZE summaries of the product's own
statements; autovacuum and ANALYZE of the benchmark tenant's tables (as the owner).
"""

from __future__ import annotations

import contextlib
import json
import random
import time

import phonenumbers

from core.db import DB, as_admin

SLUG = "searchbench"
SCHEMA = f"t_{SLUG}"
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


# -- the tables: autovacuum and ANALYZE (as the owner) ------------------------------------


async def set_autovacuum(enabled: bool) -> None:
    async with _owner() as conn:
        for table in TABLES:
            if enabled:
                await conn.execute(f"ALTER TABLE {SCHEMA}.{table} RESET (autovacuum_enabled)")
            else:
                await conn.execute(f"ALTER TABLE {SCHEMA}.{table} SET (autovacuum_enabled = false)")


async def analyze_tables() -> float:
    t0 = time.perf_counter()
    async with _owner() as conn:
        await conn.execute("ANALYZE " + ", ".join(f"{SCHEMA}.{t}" for t in TABLES))
    return time.perf_counter() - t0


async def never_analyzed() -> bool:
    async with _owner() as conn:
        rows = await conn.fetch(
            "SELECT relname, last_analyze, last_autoanalyze FROM pg_stat_user_tables "
            "WHERE schemaname = $1",
            SCHEMA,
        )
    return all(r["last_analyze"] is None and r["last_autoanalyze"] is None for r in rows)


# -- card reads, for reference ------------------------------------------------------------


async def measure_card_reads(sample: list[dict], rng: random.Random) -> dict[str, dict]:
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
