"""Starting, waiting for and stopping the embedded servers' processes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import psutil


class StackError(RuntimeError):
    """An embedded server could not be started or stopped; the message says which and why."""


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        proc = psutil.Process(pid)
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


# -- processes --------------------------------------------------------------------------


def spawn(args: list[str], out: Path, env: dict | None = None, cwd: Path | None = None):
    with open(out, "ab") as fh:
        return subprocess.Popen(
            args,
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
            cwd=cwd,
        )


def wait_for(check, name: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StackError(f"{name} exited at start with code {proc.returncode}")
        if check():
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    raise StackError(f"{name} did not become ready within {timeout:.0f} s")


def terminate(pid: int, name: str) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    if not wait_gone(pid, name, raise_on_timeout=False):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        wait_gone(pid, name)


def wait_gone(pid: int | None, name: str, timeout: float = 10, raise_on_timeout=True) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)  # reap if it was our child
        time.sleep(0.05)
    if raise_on_timeout:
        raise StackError(f"{name} (pid {pid}) did not stop")
    return False


def free_ports(count: int) -> list[int]:
    sockets, ports = [], []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in sockets:
            s.close()
    return ports


def s3_answers(port: int) -> bool:
    """True once the S3 gateway answers HTTP on `port` (any status counts as an answer)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return s.recv(12).startswith(b"HTTP/")
    except OSError:
        return False
