"""Shared pieces: a private embedded stack, machine description, statistics and result tables."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FULL = os.environ.get("KORTISTO_BENCH_FULL", "") not in ("", "0")


# -- the private stack ----------------------------------------------------------------------


@dataclass
class BenchStack:
    """A private embedded stack (PostgreSQL, Valkey, S3) with the process pointed at it."""

    data_dir: Path
    env: dict[str, str]
    settings: object
    postgres_pid: int = 0
    tenants: list[str] = field(default_factory=list)  # the shared 1,000-tenant population
    extras: dict = field(default_factory=dict)  # set-ups that several benchmarks share


@contextlib.contextmanager
def private_stack() -> Iterator[BenchStack]:
    """Start a throw-away stack in a short /tmp path; always stopped and removed afterwards."""
    from tenants.embedded_stack import EmbeddedStack

    data_dir = Path(tempfile.mkdtemp(prefix="kb-", dir="/tmp"))
    xdg = data_dir / "xdg"
    xdg.mkdir(mode=0o700)
    stack = EmbeddedStack(data_dir)
    saved = dict(os.environ)
    started = time.perf_counter()
    sockets_before = _seaweed_sockets()
    try:
        state = stack.up()
        env = stack.environment(state)
        env.update(
            KORTISTO_ENV="test",
            KORTISTO_DATA_DIR=str(data_dir),
            # The production default: benchmarks measure what a deployment runs.
            KORTISTO_TENANT_CACHE_SECONDS="2",
            KORTISTO_LOG_LEVEL="WARNING",
            XDG_RUNTIME_DIR=str(xdg),
        )
        os.environ.update(env)
        from core.settings import reset_settings_cache
        from tenants.runtime import prepare

        reset_settings_cache()
        settings = prepare()
        print(f"stack up in {time.perf_counter() - started:.1f} s at {data_dir}", flush=True)
        yield BenchStack(
            data_dir=data_dir, env=env, settings=settings, postgres_pid=state.postgres_pid or 0
        )
    finally:
        try:
            stack.down()
        finally:
            _remove_seaweed_sockets(sockets_before)
            os.environ.clear()
            os.environ.update(saved)
            from core.settings import reset_settings_cache

            reset_settings_cache()
            shutil.rmtree(data_dir, ignore_errors=True)


def _seaweed_sockets() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("seaweedfs-*.sock"))


def _remove_seaweed_sockets(before: set[Path]) -> None:
    """SeaweedFS leaves seaweedfs-*.sock files in the temp folder. Remove the ones that
    appeared while our stack ran and that nothing listens on any more (ours, now stopped)."""
    for path in _seaweed_sockets() - before:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(0.2)
            try:
                s.connect(str(path))
            except ConnectionRefusedError:
                path.unlink(missing_ok=True)
            except OSError:
                pass


async def close_pools() -> None:
    """Close this loop's pools (each benchmark runs its own event loop)."""
    from core.db import DB

    await DB.close_pools_of_current_loop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before answering")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def stop_process(proc: subprocess.Popen) -> None:
    """Stop a server this benchmark started (its own session), by its pid only."""
    import signal

    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


# -- machine --------------------------------------------------------------------------------


def machine(pg_version: str = "") -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    os_name = platform.platform()
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "os": os_name,
        "python": sys.version.split()[0],
        "postgresql": pg_version,
    }


async def server_version() -> str:
    from core.db import DB, as_admin

    with as_admin():
        async with DB.transaction() as txn:
            return await txn.connection.fetchval("SHOW server_version")


# -- statistics -----------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank-interpolated percentile (p in 0..100)."""
    data = sorted(values)
    if not data:
        return float("nan")
    if len(data) == 1:
        return data[0]
    k = (len(data) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> float:
    return seconds * 1000.0


# -- results --------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    value: float
    limit: float
    unit: str
    op: str = "<="  # or ">="

    @property
    def passed(self) -> bool:
        return self.value <= self.limit if self.op == "<=" else self.value >= self.limit

    def line(self) -> str:
        verdict = "PASS" if self.passed else "MISS"
        return (
            f"{verdict}  {self.name}: {fmt(self.value)} {self.unit} "
            f"(target {self.op} {fmt(self.limit)} {self.unit})"
        )

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "value": self.value,
            "limit": self.limit,
            "unit": self.unit,
            "op": self.op,
            "passed": self.passed,
        }


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)

    def add(self, *row) -> None:
        self.rows.append([fmt(v) if isinstance(v, float) else str(v) for v in row])

    def render_text(self) -> str:
        widths = [len(c) for c in self.columns]
        for row in self.rows:
            widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]
        lines = [self.title]
        lines.append(
            "  " + "  ".join(c.ljust(w) for c, w in zip(self.columns, widths, strict=True))
        )
        lines.append("  " + "  ".join("-" * w for w in widths))
        for row in self.rows:
            lines.append("  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
        return "\n".join(lines)

    def render_markdown(self) -> str:
        out = [f"**{self.title}**", ""]
        out.append("| " + " | ".join(self.columns) + " |")
        out.append("|" + "|".join("---" for _ in self.columns) + "|")
        for row in self.rows:
            out.append("| " + " | ".join(row) + " |")
        return "\n".join(out)

    def as_dict(self) -> dict:
        return {"title": self.title, "columns": self.columns, "rows": self.rows}


@dataclass
class Result:
    name: str
    title: str
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    busy: float = float("nan")  # % CPU used by other processes just before the run

    def print(self) -> None:
        print()
        print(f"== {self.title} ({self.seconds:.0f} s) ==")
        for t in self.tables:
            print(t.render_text())
            print()
        for n in self.notes:
            print(f"  note: {n}")
        for target in self.targets:
            print("  " + target.line())
        sys.stdout.flush()

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "seconds": round(self.seconds, 1),
            "busy": round(self.busy),
            "tables": [t.as_dict() for t in self.tables],
            "targets": [t.as_dict() for t in self.targets],
            "notes": self.notes,
        }


def fmt(value: float) -> str:
    if value != value:  # NaN
        return "n/a"
    a = abs(value)
    if a >= 100:
        return f"{value:,.0f}"
    if a >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"
