"""bench/results.json keeps each benchmark's latest figures; RESULTS.md is rendered from it."""

from __future__ import annotations

import json
from pathlib import Path

from bench.common import Table, fmt

HERE = Path(__file__).resolve().parent
JSON_PATH = HERE / "results.json"
MD_PATH = HERE / "RESULTS.md"
ORDER = (
    "provisioning",
    "migrate",
    "scope",
    "memory",
    "auth",
    "pages",
    "search",
    "search-1m",
    "fragments",
)


def load() -> dict[str, dict]:
    if JSON_PATH.exists():
        return json.loads(JSON_PATH.read_text())
    return {}


def save(entries: dict[str, dict]) -> None:
    JSON_PATH.write_text(json.dumps(entries, indent=2, ensure_ascii=False) + "\n")
    MD_PATH.write_text(render(entries))


def _machine_line(m: dict) -> str:
    return (
        f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('ram', '?')} RAM, "
        f"{m.get('os', '?')}, Python {m.get('python', '?')}, PostgreSQL {m.get('postgresql', '?')}"
    )


def render(entries: dict[str, dict]) -> str:
    names = [n for n in ORDER if n in entries] + sorted(set(entries) - set(ORDER))
    out = [
        "# Benchmark results",
        "",
        "Written by `python -m bench` (`make bench`); each section is replaced when its benchmark",
        'runs again. What each one measures and how: [README.md](README.md). "Machine busy" is',
        "the CPU other processes used in the second before the benchmark started (the machine is",
        "shared); absolute times on a busy machine run high, same-run ratios much less so.",
        "",
        "## Targets",
        "",
        "| benchmark | target | measured | limit | verdict | run | machine busy before |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in names:
        e = entries[name]
        if "error" in e:
            out.append(f"| {name} | — | — | — | ERROR | {e['date']} | |")
            continue
        busy = f"{e['busy']} %" if "busy" in e else "?"
        for t in e["targets"]:
            verdict = "PASS" if t["passed"] else "**MISS**"
            out.append(
                f"| {name} | {t['name']} | {fmt(t['value'])} {t['unit']} | {t['op']} "
                f"{fmt(t['limit'])} {t['unit']} | {verdict} | {e['date']} | {busy} |"
            )
    machines = {_machine_line(entries[n]["machine"]) for n in names if "machine" in entries[n]}
    out += ["", "## Machine", ""]
    out += [f"- {m}" for m in sorted(machines)]
    for name in names:
        e = entries[name]
        out += ["", f"## {e.get('title', name)}", ""]
        if "error" in e:
            out += [f"Run {e['date']} failed: `{e['error']}`"]
            continue
        out += [
            f"Run {e['date']} in {e['seconds']:.0f} s (`{e.get('command', 'python -m bench')}`"
            f"{', KORTISTO_BENCH_FULL=1' if e.get('full') else ''}) on "
            f"{_machine_line(e['machine'])}.",
            "",
        ]
        for t in e["tables"]:
            out.append(Table(t["title"], t["columns"], t["rows"]).render_markdown())
            out.append("")
        for n in e["notes"]:
            out.append(f"- {n}")
        if e["notes"]:
            out.append("")
        for t in e["targets"]:
            verdict = "PASS" if t["passed"] else "MISS"
            out.append(
                f"- {verdict} — {t['name']}: {fmt(t['value'])} {t['unit']} "
                f"(target {t['op']} {fmt(t['limit'])} {t['unit']})"
            )
    return "\n".join(out).rstrip() + "\n"
