"""HTMX fragments vs whole pages on the register (`python -m bench fragments`).

On the shared demo tenant (bench/register.py), signed in, against the product under uvicorn:
bytes (plain, gzip, as sent), HTTP response time and Jinja-only render time of each fragment
and of the page it is part of.
"""

from __future__ import annotations

import asyncio
import gzip
import re
import time

import httpx

from bench.common import FULL, Result, Table, Target, median
from bench.register import (
    SEARCH_TERM,
    SLUG,
    cookie_header,
    ensure_register_tenant,
    servers,
    setup_note,
    sign_in,
)
from bench.register_app import bench_user_email

FRAGMENT_TARGET = 0.5
FRAGMENT_SAMPLES = 100 if FULL else 40  # sequential requests per URL, interleaved
RENDER_SAMPLES = 300


# -- fragments vs pages ------------------------------------------------------------------------


def _fake_request(path: str, query: str, cookies: dict[str, str], user: dict):
    from litestar import Request

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1:8000"), (b"cookie", cookie_header(cookies).encode())],
        "path_params": {"tenant": SLUG},
        "state": {},
        "user": user,
    }
    return Request(scope)  # type: ignore[arg-type]


async def _render_times(setup: dict, cookies: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Jinja only (no HTTP, no SQL): median µs to render the whole page and the fragment from
    the same context, as web.forms.render does it. {pair: (fragment µs, page µs)}."""
    from bench.person_page_baseline import jinja as _jinja
    from bench.person_page_baseline import page_context
    from core.accounts import get_user
    from core.context import current_tenant
    from core.db import DB
    from core.persons import get_person
    from tenants.scope import tenant_scope
    from web.forms import pager, tenant_context
    from web.routes.search import _find

    env = _jinja()
    async with tenant_scope(SLUG):
        user_id = await DB.current_connection().fetchval(
            "SELECT id FROM app_user WHERE email = $1", bench_user_email(SLUG)
        )
        user = await get_user(user_id)
        tenant = tenant_context()
        card = await get_person(setup["rich_id"])
        # The whole context the person page renders with (every section), read as the page does.
        person_context = await page_context(
            DB.current_connection(), None, current_tenant(), user, card
        )
        lists = {}
        for label, query in ((f"list ?q={SEARCH_TERM}", SEARCH_TERM), ("list (no query)", "")):
            rows, total, matched_by, more = await _find(query, False, 0)
            lists[label] = (query, rows, total, matched_by, more)

    def timed(template, context, block: str | None) -> float:
        samples = []
        for _ in range(RENDER_SAMPLES):
            t0 = time.perf_counter()
            if block is None:
                template.render(context)
            else:
                "".join(template.blocks[block](template.new_context(context)))
            samples.append(time.perf_counter() - t0)
        return median(samples) * 1e6

    out: dict[str, tuple[float, float]] = {}
    list_template = env.get_template("persons/list.html")
    for label, (query, rows, total, matched_by, more) in lists.items():
        path = f"/t/{SLUG}/persons/"
        request = _fake_request(path, f"q={query}" if query else "", cookies, user)
        context = {
            **tenant, "current": "persons", "query": query, "include_departed": False,
            "rows": rows, "total": total, "matched_by": matched_by, "more": more,
            "pager": pager(path, {"q": query, "include_departed": ""}, 1, total, 20),
            "request": request,
        }  # fmt: skip
        out[label] = (timed(list_template, context, "results"), timed(list_template, context, None))
    page_template = env.get_template("persons/detail.html")
    path = f"/t/{SLUG}/persons/{setup['rich_id']}"
    request = _fake_request(path, "", cookies, user)
    page_us = timed(page_template, {**person_context, "request": request}, None)
    from web.routes.persons import SECTIONS

    for name in SECTIONS:
        if f"section_{name}" not in page_template.blocks:
            continue  # drawn by its own template (web.privacy_sections), not a page block
        context = {**person_context, "request": request}
        out[f"section {name}"] = (timed(page_template, context, f"section_{name}"), page_us)
    return out


async def run_fragments(stack) -> Result:
    from web.routes.persons import SECTIONS

    result = Result("fragments", "HTMX fragment vs whole page")
    setup = await ensure_register_tenant(stack)
    base_path = f"/t/{SLUG}"
    person = f"{base_path}/persons/{setup['rich_id']}"
    pairs = [
        (f"list ?q={SEARCH_TERM}", f"{base_path}/persons/?q={SEARCH_TERM}",
         f"{base_path}/persons/?q={SEARCH_TERM}"),
        ("list (no query)", f"{base_path}/persons/", f"{base_path}/persons/"),
        ("search by phone", f"{base_path}/search?q={setup['phone']}",
         f"{base_path}/search?q={setup['phone']}"),
        *[(f"section {name}", f"{person}/section/{name}", person) for name in SECTIONS],
        ("person page itself (no fragment on this route)", person, person),
    ]  # fmt: skip
    hx = {"HX-Request": "true"}
    figures: dict[str, dict[str, float]] = {}
    with servers("real") as srv:
        base, _proc = srv["real"]
        cookies, _how = await asyncio.to_thread(sign_in, base, SLUG)

        def measure() -> None:
            with httpx.Client(base_url=base, cookies=cookies, timeout=30) as client:
                for label, frag_url, page_url in pairs:
                    got = {}
                    for kind, url, headers in (("frag", frag_url, hx), ("page", page_url, {})):
                        plain = client.get(url, headers={**headers, "Accept-Encoding": "identity"})
                        zipped = client.get(url, headers={**headers, "Accept-Encoding": "gzip"})
                        if plain.status_code != 200 or zipped.status_code != 200:
                            raise RuntimeError(f"{url}: HTTP {plain.status_code}")
                        lean = re.sub(rb' data-label="[^"]*"', b"", plain.content)
                        lean = re.sub(rb">\s+<", b"><", lean)
                        got[kind] = {
                            "bytes": len(plain.content),
                            "lean": len(lean),
                            "gzip9": len(gzip.compress(plain.content, compresslevel=9)),
                            "wire_gzip": zipped.num_bytes_downloaded,
                            "served_gzip": zipped.headers.get("content-encoding") == "gzip",
                        }
                    times: dict[str, list[float]] = {"frag": [], "page": []}
                    for _ in range(FRAGMENT_SAMPLES):
                        for kind, url, headers in (("frag", frag_url, hx), ("page", page_url, {})):
                            t0 = time.perf_counter()
                            r = client.get(url, headers=headers)
                            times[kind].append(time.perf_counter() - t0)
                            if r.status_code != 200:
                                raise RuntimeError(f"{url}: HTTP {r.status_code}")
                    figures[label] = {
                        **{f"frag_{k}": v for k, v in got["frag"].items()},
                        **{f"page_{k}": v for k, v in got["page"].items()},
                        "frag_ms": median(times["frag"]) * 1000,
                        "page_ms": median(times["page"]) * 1000,
                    }

        await asyncio.to_thread(measure)
    render = await _render_times(setup, cookies)

    table = Table(
        f"bytes as served (uncompressed; gzip level 9 as Litestar's CompressionConfig, and what "
        f"the server actually sent for Accept-Encoding: gzip), response time (median of "
        f"{FRAGMENT_SAMPLES} sequential requests over HTTP, interleaved) and Jinja-only render "
        f"time (median of {RENDER_SAMPLES})",
        [
            "fragment",
            "fragment B",
            "page B",
            "ratio",
            "gzip frag / page B",
            "gzip ratio",
            "sent w/ gzip frag / page B",
            "HTTP frag / page ms",
            "HTTP ratio",
            "render frag / page µs",
            "render ratio",
        ],
    )
    for label, _f, _p in pairs:
        f = figures[label]
        r = render.get(label)
        table.add(
            label, f"{f['frag_bytes']:,}", f"{f['page_bytes']:,}",
            f["frag_bytes"] / f["page_bytes"], f"{f['frag_gzip9']:,} / {f['page_gzip9']:,}",
            f["frag_gzip9"] / f["page_gzip9"],
            f"{f['frag_wire_gzip']:,}{'' if f['frag_served_gzip'] else ' (plain)'} / "
            f"{f['page_wire_gzip']:,}{'' if f['page_served_gzip'] else ' (plain)'}",
            f"{f['frag_ms']:.2f} / {f['page_ms']:.2f}", f["frag_ms"] / f["page_ms"],
            f"{r[0]:.0f} / {r[1]:.0f}" if r else "—", r[0] / r[1] if r else "—",
        )  # fmt: skip
    result.tables.append(table)
    result.notes.append(setup_note(setup))
    result.notes.append(
        "fragment = the same URL with `HX-Request: true` (lists and search: the `results` block); "
        "a person-page section's fragment is GET <person>/section/<name> with HX-Request (without "
        "it that URL redirects to the page), compared with the whole person page"
    )
    result.notes.append(
        "the person page answers the whole page even to an HTMX request (no fragment is defined "
        "for it; nothing in the pages requests it with hx-get): shown for reference, no target"
    )
    small = [lbl for lbl, *_ in pairs if not figures[lbl]["frag_served_gzip"]]
    if small:
        result.notes.append(
            "responses under 1 KiB are sent uncompressed (CompressionConfig minimum_size=1024): "
            + ", ".join(small)
        )
    lst = figures[f"list ?q={SEARCH_TERM}"]
    chrome = lst["page_bytes"] - lst["frag_bytes"]
    result.notes.append(
        f"why the list fragments stay above 0.5×: the fragment is the results block — status "
        f"line, up to 20 rows, pager — and on these pages it is most of the page: everything "
        f"around it (head, site header, navigation, search form, footer) is {chrome:,} B, the "
        f"20-row block {lst['frag_bytes']:,} B (~{lst['frag_bytes'] / 20:.0f} B a row; without "
        f"the whitespace between tags and the repeated data-label attributes it would be "
        f"{lst['frag_lean']:,} B, ratio {lst['frag_lean'] / lst['page_lean']:.2f}). A fragment "
        f"of 20 rows reaches 0.5× only when the rows weigh no more than the page around them, i.e. "
        f"~{chrome / 20:.0f} B a row, or with fewer rows per swap"
    )
    for label in (f"list ?q={SEARCH_TERM}", "list (no query)", "search by phone"):
        f = figures[label]
        result.targets.append(
            Target(f"{label}: fragment / page bytes", f["frag_bytes"] / f["page_bytes"],
                   FRAGMENT_TARGET, "x")
        )  # fmt: skip
    sections = [lbl for lbl, *_ in pairs if lbl.startswith("section ")]
    worst = max(sections, key=lambda s: figures[s]["frag_bytes"] / figures[s]["page_bytes"])
    result.targets.append(
        Target(
            f"largest person-page section ({worst.removeprefix('section ')}): "
            "fragment / page bytes",
            figures[worst]["frag_bytes"] / figures[worst]["page_bytes"],
            FRAGMENT_TARGET,
            "x",
        )
    )
    return result
