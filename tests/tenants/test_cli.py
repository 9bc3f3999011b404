"""The `kortisto` command: real processes, one-line errors, non-zero exits, no tracebacks."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT


def kortisto(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tenants.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def cli(settings):
    return kortisto


def _one_line_error(result, *needles):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kortisto: error:"), result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_tenant_lifecycle_through_the_cli(cli, tmp_path):
    slug = "cli-flow"
    created = cli("tenant", "create", slug, "--name", "Cli Oy", "--business-id", "2617416-4")
    assert created.returncode == 0, created.stderr
    assert "t_cli_flow" in created.stdout
    listed = cli("tenant", "list")
    assert slug in listed.stdout and "active" in listed.stdout
    assert cli("tenant", "suspend", slug).returncode == 0
    assert "suspended" in cli("tenant", "list").stdout
    assert cli("tenant", "resume", slug).returncode == 0
    migrated = cli("migrate", "--parallel", "2")
    assert migrated.returncode == 0, migrated.stderr
    assert "up to date" in migrated.stdout and "] t_cli_flow: up to date" in migrated.stdout
    refused = cli("tenant", "delete", slug)
    _one_line_error(refused, "--yes")
    deleted = cli("tenant", "delete", slug, "--yes", "--export-dir", str(tmp_path))
    assert deleted.returncode == 0, deleted.stderr
    assert list(tmp_path.glob(f"{slug}-*.json.gz"))
    assert slug not in cli("tenant", "list").stdout


@pytest.mark.parametrize(
    "args, needle",
    [
        (("tenant", "create", "Bad_Slug", "--name", "X"), "lower case"),
        (("tenant", "create", "pg-stuff", "--name", "X"), "reserved"),
        (("tenant", "create", "x" * 64, "--name", "X"), "characters"),
        (("tenant", "create", "okslug", "--name", "X", "--business-id", "1234567-8"), "Y-tunnus"),
        (("tenant", "suspend", "nobody-here"), "nobody-here"),
        (("tenant", "delete", "nobody-here", "--yes", "--no-export"), "nobody-here"),
    ],
)
def test_user_mistakes_are_one_clear_line(cli, args, needle):
    _one_line_error(cli(*args), needle)


def test_duplicate_slug_is_one_clear_line(cli):
    assert cli("tenant", "create", "cli-dup", "--name", "Dup Oy").returncode == 0
    try:
        _one_line_error(cli("tenant", "create", "cli-dup", "--name", "Dup Oy"), "already exists")
    finally:
        cli("tenant", "delete", "cli-dup", "--yes", "--no-export")


def test_commands_without_servers_say_what_to_do(tmp_path):
    env_free = subprocess.run(
        [sys.executable, "-m", "tenants.cli", "tenant", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "KORTISTO_DATA_DIR": str(tmp_path), "HOME": str(tmp_path)},
    )
    _one_line_error(env_free, "kortisto stack up")
    production = subprocess.run(
        [sys.executable, "-m", "tenants.cli", "run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "KORTISTO_ENV": "production",
            "KORTISTO_SECRET_KEY": "x" * 40,
            "KORTISTO_DATA_DIR": str(tmp_path),
        },
    )
    _one_line_error(production, "production")
