"""Operators for tests: created like the CLI does, signed in through the real pages with TOTP."""

from __future__ import annotations

import itertools
import os
import re

from core import operators
from core.db import DB, as_admin
from tests.support.totp_codes import next_code

OPERATOR_PASSWORD = "Ylläpito-salasana-2026!"
_counter = itertools.count(1)


async def create_operator(name: str = "Olli Operaattori") -> dict:
    email = f"op{os.getpid() % 1000}x{next(_counter)}@agency.example"
    with as_admin():
        async with DB.transaction():
            return await operators.create_operator(
                email, display_name=name, password=OPERATOR_PASSWORD
            )


def csrf(client) -> str:
    return client.cookies.get("kortisto_csrf", "")


async def password_step(client, email: str, password: str = OPERATOR_PASSWORD):
    await client.get("/operator/login")
    return await client.post(
        "/operator/login",
        data={"email": email, "password": password, "_csrf_token": csrf(client)},
        follow_redirects=False,
    )


async def code_step(client, code: str):
    return await client.post(
        "/operator/login/code",
        data={"code": code, "_csrf_token": csrf(client)},
        follow_redirects=False,
    )


def secret_on_page(html: str) -> str:
    match = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', html)
    assert match, "the enrolment page shows the secret"
    return match.group(1)


async def sign_in_operator(client, operator: dict) -> str:
    """Password, enrolment (first time) and code; returns the TOTP secret for later sign-ins."""
    r = await password_step(client, operator["email"])
    assert r.status_code == 303 and r.headers["location"] == "/operator/login/code", r.text
    page = await client.get("/operator/login/code")
    secret = secret_on_page(page.text)
    r = await code_step(client, next_code(secret))
    assert r.status_code == 303 and r.headers["location"] == "/operator/", r.text
    operator["totp_secret"] = secret
    return secret
