"""A private stack: up, status, down; nothing left running, nothing on a non-loopback address."""

import os
import signal

import psutil
import pytest

from tenants.embedded_stack import EmbeddedStack


def _listening(pids: set[int]) -> list:
    return [
        c
        for c in psutil.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN and c.pid in pids
    ]


def _family(pid: int) -> set[int]:
    proc = psutil.Process(pid)
    return {pid, *(c.pid for c in proc.children(recursive=True))}


@pytest.mark.slow
def test_up_status_down_leaves_nothing(tmp_path):
    stack = EmbeddedStack(tmp_path / "s")
    state = stack.up()
    try:
        assert stack.status() == {"postgres": True, "valkey": True, "s3": True}
        pids: set[int] = set()
        for pid in (state.postgres_pid, state.valkey_pid, state.s3_pid):
            pids |= _family(pid)
        listeners = _listening(pids)
        assert listeners, "the S3 gateway should listen on loopback"
        for conn in listeners:
            assert conn.laddr.ip in ("127.0.0.1", "::1"), f"listening on {conn.laddr}"
        env = stack.environment()
        assert env["S3_ACCESS_KEY"] and env["S3_SECRET_KEY"]  # never anonymous S3
        # Idempotent: a second `up` reuses what runs.
        again = stack.up()
        assert again.postgres_pid == state.postgres_pid
    finally:
        stopped = stack.down()
    assert set(stopped) == {"postgres", "valkey", "s3"}
    assert stack.status() == {"postgres": False, "valkey": False, "s3": False}
    assert not [
        p
        for p in pids
        if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
    ]


@pytest.mark.slow
def test_a_killed_server_is_replaced_on_next_up(tmp_path):
    stack = EmbeddedStack(tmp_path / "s")
    state = stack.up()
    try:
        os.kill(state.valkey_pid, signal.SIGKILL)
        psutil.Process(state.valkey_pid).wait(5)
        assert stack.status()["valkey"] is False
        new = stack.up()
        assert new.valkey_pid != state.valkey_pid
        assert stack.status() == {"postgres": True, "valkey": True, "s3": True}
    finally:
        stack.down()
