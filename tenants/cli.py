"""The `kortisto` command. User mistakes end in one clear line and a non-zero exit."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from stdnum.fi import ytunnus

from core.db import DatabaseUnavailableError
from core.settings import SettingsError, get_settings
from core.storage import ObjectStore, StorageUnavailableError
from tenants import audit_cli, operator_cli, provisioning
from tenants.embedded_stack import EmbeddedStack, StackError
from tenants.migrate import migrate_all
from tenants.naming import InvalidSlugError
from tenants.runtime import RuntimeSetupError, prepare

USER_ERRORS = (
    InvalidSlugError,
    provisioning.TenantExistsError,
    provisioning.TenantNotFoundError,
    RuntimeSetupError,
    SettingsError,
    StackError,
    DatabaseUnavailableError,
    StorageUnavailableError,
    ValueError,  # incl. operator_cli.OperatorCommandError
)

DEMO_TENANTS = (("demo", "Demo Oy", "0112038-9"), ("acme", "ACME Oy", "2617416-4"))


class CommandError(Exception):
    """A mistake in the command line the user can fix."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kortisto", description="Kortisto customer register")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    stack = sub.add_parser("stack", help="embedded PostgreSQL, Valkey and S3 for development")
    stack.add_argument("action", choices=["up", "down", "status"])

    mig = sub.add_parser("migrate", help="migrate the platform schema and every tenant")
    mig.add_argument("--parallel", type=int, default=1, help="tenants migrated at once")
    mig.add_argument("--tenant", action="append", help="only this tenant (repeatable)")

    tenant = sub.add_parser("tenant", help="create, list, suspend, resume or delete tenants")
    tsub = tenant.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = tsub.add_parser("create", help="provision a new tenant")
    create.add_argument("slug")
    create.add_argument("--name", required=True, help='company name, e.g. "Acme Oy"')
    create.add_argument("--business-id", help="Y-tunnus, e.g. 1234567-1")
    tsub.add_parser("list", help="list tenants")
    for action in ("suspend", "resume"):
        tsub.add_parser(action, help=f"{action} a tenant").add_argument("slug")
    delete = tsub.add_parser("delete", help="export, then drop schema, role and bucket")
    delete.add_argument("slug")
    delete.add_argument("--yes", action="store_true", help="confirm the deletion")
    delete.add_argument("--export-dir", type=Path, help="where the export goes")
    delete.add_argument("--no-export", action="store_true", help="skip the export")

    operator_cli.add_parser(sub)
    audit_cli.add_parser(sub)

    serve = sub.add_parser("serve", help="run the web server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    worker = sub.add_parser("worker", help="run a job worker")
    worker.add_argument("--threads", type=int, default=4)
    worker.add_argument("--actors", action="append", default=[], help="extra actor module")
    sub.add_parser("scheduler", help="run periodic jobs")
    sub.add_parser("run", help="everything on embedded servers, for a laptop")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args) or 0
    except (CommandError, *USER_ERRORS) as exc:
        print(f"kortisto: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def cmd_stack(args) -> int:
    settings = get_settings()
    stack = EmbeddedStack(settings.data_dir)
    if args.action == "up":
        stack.up()
        env = stack.environment()
        print("embedded stack running (loopback only):")
        for key in ("DATABASE_URL", "REDIS_URL", "S3_ENDPOINT"):
            print(f"  {key}={env[key]}")
    elif args.action == "down":
        stopped = stack.down()
        print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
    else:
        for name, running in stack.status().items():
            print(f"{name:9} {'running' if running else 'stopped'}")
    return 0


def cmd_migrate(args) -> int:
    settings = prepare()
    report = asyncio.run(
        migrate_all(settings.database.app_role, parallel=args.parallel, only=args.tenant)
    )
    print(
        f"{report.tenants} tenant(s): {report.migrated} migrated, {report.up_to_date} up to date, "
        f"{len(report.failed or {})} failed in {report.seconds:.1f} s"
    )
    return 1 if report.failed else 0


def _business_id(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return ytunnus.validate(raw)
    except Exception as exc:
        raise CommandError(
            f"--business-id {raw!r} is not a valid Y-tunnus (format 1234567-1, check digit "
            "must match)"
        ) from exc


def cmd_tenant(args) -> int:
    settings = prepare()
    store = ObjectStore.from_settings(settings)
    prefix = settings.object_store.bucket_prefix

    async def go() -> int:
        if args.action == "create":
            names = await provisioning.create_tenant(
                args.slug,
                args.name,
                store=store,
                app_role=settings.database.app_role,
                business_id=_business_id(args.business_id),
                bucket_prefix=prefix,
            )
            print(f"created tenant {names.slug}: schema {names.schema}, bucket {names.bucket}")
            print(f"  {settings.web.public_url}/t/{names.slug}/")
        elif args.action == "list":
            rows = await provisioning.list_tenants()
            if not rows:
                print("no tenants")
            for r in rows:
                print(f"{r['slug']:24} {r['status']:12} {r['name']}")
        elif args.action in ("suspend", "resume"):
            status = "suspended" if args.action == "suspend" else "active"
            await provisioning.set_tenant_status(args.slug, status)
            print(f"tenant {args.slug} is now {status}")
        elif args.action == "delete":
            if not args.yes:
                raise CommandError(
                    f"deleting '{args.slug}' removes all its data; repeat with --yes to confirm"
                )
            if not args.no_export:
                target = args.export_dir or settings.data_dir / "exports"
                path = await provisioning.export_tenant(args.slug, target)
                print(f"exported to {path}")
            await provisioning.delete_tenant(args.slug, store=store, bucket_prefix=prefix)
            print(f"deleted tenant {args.slug}: schema, role and bucket removed")
        return 0

    return asyncio.run(go())


def cmd_serve(args) -> int:
    import uvicorn

    settings = prepare()
    # The app is named by string: tenants may not import web (web -> tenants -> core).
    uvicorn.run(
        "web.app:create_app",
        factory=True,
        host=args.host or settings.web.host,
        port=args.port or settings.web.port,
        workers=settings.web.workers,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
        access_log=False,
    )
    return 0


def cmd_worker(args) -> int:
    from tenants.worker import run_worker

    run_worker(prepare(), threads=args.threads, extra_modules=args.actors)
    return 0


def cmd_scheduler(args) -> int:
    from tenants.scheduler import run_scheduler

    asyncio.run(run_scheduler(prepare()))
    return 0


def demo_password(settings) -> str:
    """The demo users' password: generated once per data folder, kept there (mode 0600)."""
    import secrets

    path = settings.data_dir / "demo-password"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


async def _seed_demo(settings) -> list[str]:
    """Create the demo tenants that are missing and fill the empty ones with demo data."""
    from tenants import demo_data
    from tenants.scope import TenantSuspendedError

    if settings.is_production:
        raise CommandError("demo data is never seeded with KORTISTO_ENV=production")
    store = ObjectStore.from_settings(settings)
    existing = {r["slug"] for r in await provisioning.list_tenants()}
    created = []
    for slug, name, business_id in DEMO_TENANTS:
        if slug not in existing:
            await provisioning.create_tenant(
                slug,
                name,
                store=store,
                app_role=settings.database.app_role,
                business_id=business_id,
                bucket_prefix=settings.object_store.bucket_prefix,
            )
            created.append(slug)
    password = demo_password(settings)
    for slug, _, _ in DEMO_TENANTS:
        try:
            counts = await demo_data.seed_tenant(slug)  # None: it already has persons
            await demo_data.seed_users(slug, password)
        except TenantSuspendedError:
            continue
        if counts:
            print(
                f"demo data for {slug}: {counts['organizations']} organizations, "
                f"{counts['persons']} business cards ({counts['seconds']} s)",
                flush=True,
            )
    return created


def cmd_run(args) -> int:
    settings = get_settings()
    if settings.is_production:
        raise CommandError(
            "`kortisto run` is for development; KORTISTO_ENV=production refuses "
            "to seed demo data. Use serve, worker and scheduler instead."
        )
    stack = EmbeddedStack(settings.data_dir)
    print("starting embedded PostgreSQL, Valkey and S3 …", flush=True)
    settings = prepare(start_stack=True)
    children: list[subprocess.Popen] = []
    try:
        asyncio.run(migrate_all(settings.database.app_role, parallel=2, progress=lambda _: None))
        created = asyncio.run(_seed_demo(settings))
        if created:
            print(f"created demo tenants: {', '.join(created)}")
        exe = [sys.executable, "-m", "tenants.cli"]
        env = dict(os.environ)
        for command in ("serve", "worker", "scheduler"):
            children.append(subprocess.Popen([*exe, command], env=env, start_new_session=True))
        base = settings.web.public_url
        print("\nKortisto is running:")
        for slug, name, _ in DEMO_TENANTS:
            print(f"  {name:10} {base}/t/{slug}/")
        print(f"  health     {base}/readyz")
        print(
            f"\nSign in as admin@<tenant>.example or staff@<tenant>.example, "
            f"password {demo_password(settings)}\nPress Ctrl-C to stop.\n",
            flush=True,
        )
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        failed = [c.args[-1] for c in children if c.poll() is not None]
        print(f"kortisto: error: {', '.join(failed)} stopped unexpectedly", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping …", flush=True)
        return 0
    finally:
        _stop_children(children)
        stack.down()
        print("stopped web, worker, scheduler and the embedded servers")


def _stop_children(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


COMMANDS = {
    "stack": cmd_stack,
    "migrate": cmd_migrate,
    "tenant": cmd_tenant,
    "operator": operator_cli.cmd_operator,
    "audit": audit_cli.cmd_audit,
    "serve": cmd_serve,
    "worker": cmd_worker,
    "scheduler": cmd_scheduler,
    "run": cmd_run,
}

if __name__ == "__main__":
    sys.exit(main())
