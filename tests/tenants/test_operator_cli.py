"""`kortisto operator create|list|disable|enable`."""

import os
import re
import subprocess
import sys

from core import operators
from core.db import DB, as_admin
from tests.conftest import ROOT, unique_slug


def kortisto(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tenants.cli", *args],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


async def _operator(email: str) -> dict | None:
    with as_admin():
        async with DB.transaction():
            found = [o for o in await operators.list_operators() if o["email"] == email]
    return found[0] if found else None


async def test_create_list_disable_enable(settings):
    email = f"{unique_slug('cli')}@agency.example"
    r = kortisto("operator", "create", email, "--name", "Clii Operaattori")
    assert r.returncode == 0, r.stderr
    password = re.search(r"initial password \(shown only now\): (\S+)", r.stdout).group(1)
    assert len(password) >= 16 and "/operator/login" in r.stdout
    created = await _operator(email)
    assert created["active"] and not created["totp_enabled"]
    assert created["display_name"] == "Clii Operaattori"

    again = kortisto("operator", "create", email, "--name", "Toinen")
    assert again.returncode == 2 and "exists" in again.stderr

    listed = kortisto("operator", "list")
    assert listed.returncode == 0 and re.search(
        rf"{re.escape(email)}\s+active\s+no-totp-yet", listed.stdout
    )

    assert kortisto("operator", "disable", email).returncode == 0
    assert not (await _operator(email))["active"]
    assert re.search(rf"{re.escape(email)}\s+disabled", kortisto("operator", "list").stdout)
    assert kortisto("operator", "enable", email).returncode == 0
    assert (await _operator(email))["active"]

    missing = kortisto("operator", "disable", "nobody@agency.example")
    assert missing.returncode == 2 and "no operator" in missing.stderr


async def test_bad_email_is_one_clear_line(settings):
    r = kortisto("operator", "create", "ei-osoite", "--name", "X")
    assert (
        r.returncode == 2 and r.stderr.startswith("kortisto: error:") and r.stderr.count("\n") == 1
    )
