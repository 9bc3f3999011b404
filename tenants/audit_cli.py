"""`kortisto audit verify|seal [--tenant SLUG]`: one line per tenant; exit 1 on a broken chain."""

from __future__ import annotations

import argparse
import asyncio

from tenants import audit
from tenants.runtime import prepare


class AuditCommandError(ValueError):
    """A mistake the user can fix; the CLI prints it as one line."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="the audit trail's hash chain")
    asub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    verify = asub.add_parser("verify", help="recompute every tenant's chain, report breaks")
    verify.add_argument("--tenant", action="append", help="only this tenant (repeatable)")
    verify.add_argument(
        "--no-seal", action="store_true", help="check only what is sealed already"
    )
    seal = asub.add_parser("seal", help="chain the events written since the last seal")
    seal.add_argument("--tenant", action="append", help="only this tenant (repeatable)")


async def _run(args) -> int:
    slugs = await audit.tenant_slugs(args.tenant)
    missing = [s for s in args.tenant or [] if s not in slugs]
    if missing:
        raise AuditCommandError(f"no active tenant '{missing[0]}'")
    broken = 0
    for slug in slugs:
        if args.action == "seal":
            result = await audit.seal_tenant(slug)
            state = " (writers busy, try again)" if result.busy else ""
            print(f"{slug}: sealed {result.sealed} events, head seq {result.head.last_seq}{state}")
            continue
        verdict = await audit.verify_tenant(slug, seal_first=not args.no_seal)
        print(verdict.line(slug), flush=True)
        broken += not verdict.ok
    return 1 if broken else 0


def cmd_audit(args) -> int:
    prepare()
    return asyncio.run(_run(args))
