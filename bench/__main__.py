"""`python -m bench [provisioning|migrate|scope|memory|auth|register|pages|search|fragments ...]`.

Without a name: the five platform benchmarks. `register` = pages, search and fragments (the
register's benchmarks: ~9 min more, so not in the default run), plus search-1m with
KORTISTO_BENCH_FULL=1. `content` (a person page with 1,000 linked items), `upload` (a
10 MiB attachment through the web route) and `audit` (the person page with and without read
auditing), `retention` (the retention sweep over 100k cards against one DELETE) and `bundle`
(the access copy of a card with 1,000 linked items) run when named.

One private embedded stack serves the whole run and is always stopped and removed at the end.
Figures are printed and written to bench/RESULTS.md (via bench/results.json).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import traceback
from datetime import UTC, datetime

import psutil

from bench.common import FULL, ROOT, Result, close_pools, machine, private_stack, server_version

BENCHES = ("provisioning", "migrate", "memory", "scope", "auth")
REGISTER = ("pages", "search", "fragments")
ALL = BENCHES + REGISTER + ("search-1m", "content", "upload", "audit", "retention", "bundle")
GROUPS = {"register": REGISTER + (("search-1m",) if FULL else ())}
NEEDS_POPULATION = {"migrate", "memory"}


def _runner(name: str):
    if name == "provisioning":
        from bench.provisioning import run_provisioning

        return run_provisioning
    if name == "migrate":
        from bench.migrate import run_migrate

        return run_migrate
    if name == "scope":
        from bench.scope import run_scope

        return run_scope
    if name == "auth":
        from bench.auth import run_auth

        return run_auth
    if name == "pages":
        from bench.register_pages import run_pages

        return run_pages
    if name == "fragments":
        from bench.register_fragments import run_fragments

        return run_fragments
    if name == "search":
        from bench.register_search import run_search

        return run_search
    if name == "content":
        from bench.content_page import run_content

        return run_content
    if name == "upload":
        from bench.attachments import run_upload

        return run_upload
    if name == "audit":
        from bench.audit import run_audit

        return run_audit
    if name == "retention":
        from bench.retention import run_retention

        return run_retention
    if name == "bundle":
        from bench.bundle import run_bundle

        return run_bundle
    if name == "search-1m":
        from bench.register_search import run_search_1m

        return run_search_1m
    from bench.memory import run_memory

    return run_memory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"one or more of {', '.join(ALL)}, or register (= {', '.join(REGISTER)}, and "
        "search-1m with KORTISTO_BENCH_FULL=1); "
        f"default: {', '.join(BENCHES)}",
    )
    parser.add_argument(
        "--tenants",
        type=int,
        default=int(os.environ.get("KORTISTO_BENCH_TENANTS", "1000")),
        help="size of the shared population for migrate and memory (1000)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; keep RESULTS.md")
    args = parser.parse_args(argv)
    argv_used = sys.argv[1:] if argv is None else argv
    unknown = set(args.names) - set(ALL) - set(GROUPS)
    if unknown:
        parser.error(
            f"unknown benchmark {', '.join(sorted(unknown))}; choose from {ALL + tuple(GROUPS)}"
        )
    wanted = {m for n in args.names for m in GROUPS.get(n, (n,))} or set(BENCHES)
    names = [n for n in ALL if n in wanted]

    xdg = ROOT / ".kortisto" / "xdg"
    xdg.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(xdg))

    from bench import report

    results: list[Result] = []
    errors: dict[str, str] = {}
    started = time.perf_counter()
    with private_stack() as stack:
        app_role = stack.settings.database.app_role

        async def setup() -> str:
            from tenants.migrate import migrate_platform

            await migrate_platform(app_role)
            version = await server_version()
            await close_pools()
            return version

        info = machine(asyncio.run(setup()))
        print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()), flush=True)
        population_note = ""
        for name in names:
            idle_busy = _wait_for_quiet()
            t0 = time.perf_counter()
            try:
                if name in NEEDS_POPULATION and not stack.tenants:
                    population_note = _populate(stack, args.tenants)
                result = asyncio.run(_run(name, stack))
            except Exception as exc:  # one broken benchmark must not hide the others
                traceback.print_exc()
                errors[name] = f"{type(exc).__name__}: {exc}"
                print(f"ERROR  {name}: {errors[name]}", flush=True)
                continue
            if population_note and name in NEEDS_POPULATION:
                result.notes.insert(0, population_note)
            result.notes.append(
                f"machine busy {idle_busy:.0f}% in the second before this benchmark (other "
                f"processes, the stack idle; waited up to 20 s for < 40%); after it: 1-min load "
                f"average {os.getloadavg()[0]:.1f}, {_io_pressure()}"
            )
            result.seconds = time.perf_counter() - t0
            result.busy = idle_busy
            result.print()
            results.append(result)

    print(f"\nall done in {time.perf_counter() - started:.0f} s (stack stopped)")
    for r in results:
        for t in r.targets:
            print(f"  {r.name:13} {t.line()}")
    for name, err in errors.items():
        print(f"  {name:13} ERROR {err}")

    if not args.no_write:
        entries = report.load()
        for r in results:
            entry = r.as_dict()
            entry["machine"] = info
            entry["full"] = FULL
            entry["command"] = " ".join(["python -m bench", *argv_used])
            entries[r.name] = entry
        for name, err in errors.items():
            entries[name] = {
                "name": name,
                "error": err,
                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            }
        report.save(entries)
        print(f"wrote {report.MD_PATH.relative_to(ROOT)}")
    return 1 if errors else 0


def _wait_for_quiet(limit: float = 40.0, patience: float = 60.0 if FULL else 20.0) -> float:
    """CPU busy % of the machine while we are idle (other processes); waits a little for it
    to drop below `limit` %, since the machine may be shared. Returns the last reading."""
    deadline = time.monotonic() + patience
    busy = psutil.cpu_percent(interval=1.0)
    while busy > limit and time.monotonic() < deadline:
        busy = psutil.cpu_percent(interval=1.0)
    return busy


def _io_pressure() -> str:
    """Linux PSI: share of the last 60 s in which some task waited for I/O."""
    try:
        with open("/proc/pressure/io") as fh:
            line = fh.readline()  # "some avg10=.. avg60=.. avg300=.. total=.."
    except OSError:
        return "I/O pressure unknown"
    fields = dict(part.split("=") for part in line.split()[1:])
    return f"I/O pressure {float(fields['avg60']):.0f}% (some, 60 s)"


async def _run(name: str, stack) -> Result:
    try:
        return await _runner(name)(stack)
    finally:
        await close_pools()


def _populate(stack, n: int) -> str:
    from bench.population import create_population

    async def go() -> float:
        try:
            slugs, seconds = await create_population(n, stack.settings.database.app_role)
        finally:
            await close_pools()
        stack.tenants = slugs
        return seconds

    seconds = asyncio.run(go())
    note = (
        f"population: {n:,} tenants (catalog row, role, schema, tables, migration rows; no "
        f"bucket) created in {seconds:.1f} s ({n / seconds:.0f} tenants/s) with provisioning's "
        "own SQL, 50 per transaction, 2 transactions at a time"
    )
    print(note, flush=True)
    return note


if __name__ == "__main__":
    sys.exit(main())
