"""`kortisto operator create|list|disable|enable`: operator accounts, managed as the owner role.

A new operator gets a generated password printed once (or types one with --ask-password);
TOTP is enrolled at their first sign-in at /operator/, which cannot be completed without it.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import secrets

from core import operators, platform_audit
from core.db import DB, as_admin
from core.passwords import WeakPasswordError
from core.validation import ValidationFailed
from tenants.runtime import prepare


class OperatorCommandError(ValueError):
    """A mistake the user can fix; the CLI prints it as one line."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    op = sub.add_parser("operator", help="operator accounts (agency staff)")
    osub = op.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = osub.add_parser("create", help="add an operator")
    create.add_argument("email")
    create.add_argument("--name", required=True, help='display name, e.g. "Maija Meikäläinen"')
    create.add_argument(
        "--ask-password", action="store_true", help="type the password instead of generating one"
    )
    osub.add_parser("list", help="list operators")
    for action in ("disable", "enable"):
        osub.add_parser(action, help=f"{action} an operator").add_argument("email")


def _password(args) -> tuple[str, bool]:
    """(password, generated?)."""
    if not args.ask_password:
        return secrets.token_urlsafe(15), True
    first = getpass.getpass("Password for the new operator: ")
    if first != getpass.getpass("Again: "):
        raise OperatorCommandError("the passwords did not match; nothing was created")
    return first, False


async def _in_owner_transaction(work):
    with as_admin():
        async with DB.transaction():
            return await work()


def cmd_operator(args) -> int:
    prepare()
    if args.action == "create":
        password, generated = _password(args)

        async def create():
            operator = await operators.create_operator(
                args.email, display_name=args.name, password=password
            )
            await platform_audit.record(
                "operator.create", label="cli", detail={"operator": operator["email"]}
            )
            return operator

        try:
            operator = asyncio.run(_in_owner_transaction(create))
        except ValidationFailed as exc:
            raise OperatorCommandError(_why(exc)) from exc
        except WeakPasswordError as exc:
            raise OperatorCommandError(str(exc)) from exc
        print(f"created operator {operator['email']} ({operator['display_name']})")
        if generated:
            print(f"  initial password (shown only now): {password}")
        print("  two-step verification (TOTP) is set up at the first sign-in: /operator/login")
    elif args.action == "list":
        rows = asyncio.run(_in_owner_transaction(operators.list_operators))
        if not rows:
            print("no operators")
        for r in rows:
            state = "active" if r["active"] else "disabled"
            totp = "totp" if r["totp_enabled"] else "no-totp-yet"
            last = r["last_login_at"].strftime("%Y-%m-%d %H:%M") if r["last_login_at"] else "never"
            print(f"{r['email']:32} {state:9} {totp:12} last sign-in {last}  {r['display_name']}")
    else:
        active = args.action == "enable"

        async def toggle():
            done = await operators.set_active(args.email, active)
            if done:
                await platform_audit.record(
                    f"operator.{args.action}", label="cli", detail={"operator": args.email}
                )
            return done

        if not asyncio.run(_in_owner_transaction(toggle)):
            raise OperatorCommandError(f"no operator {args.email}")
        print(f"operator {args.email} is now {'active' if active else 'disabled'}")
    return 0


def _why(exc: ValidationFailed) -> str:
    field, (code, message) = next(iter(exc.errors.items()))
    if code == "duplicate":
        return message
    return f"{field}: {message}"
