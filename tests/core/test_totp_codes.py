"""A TOTP code is accepted once: the matched time step, replays at sign-in, at the second step
and at enrolment, two concurrent sign-ins with one code, and the same for operators."""

import asyncio
import itertools
import time

import pyotp
import pytest

from core import operators
from core.accounts import (
    authenticate,
    confirm_totp_enrolment,
    create_user,
    start_totp_enrolment,
    verify_second_step,
)
from core.redis_client import redis_for_current_loop
from core.throttle import Limits, LoginThrottle
from core.totp_codes import matching_step
from tenants.scope import platform_transaction, tenant_scope
from tests.support.operator_client import create_operator
from tests.support.totp_codes import next_code

KEY = "test-secret-key-" + "r" * 32
GOOD = "Kanerva-kettu-2026!"
_addresses = itertools.count(1)


@pytest.fixture
async def throttle(settings):
    # Roomy limits: these tests are about replays, not lockouts (test_accounts covers those).
    redis = redis_for_current_loop(settings.redis_url.reveal())
    return LoginThrottle(redis, Limits(per_account=50, per_address=50))


def _args(throttle, realm: str) -> dict:
    return dict(throttle=throttle, realm=realm, address=f"198.51.100.{next(_addresses) % 250}")


async def _enrolled_user(slug: str, email: str) -> tuple:
    """A staff user with TOTP on; returns (id, secret, the code that confirmed it)."""
    async with tenant_scope(slug):
        uid = await create_user(email, role="staff", password=GOOD)
        uri = await start_totp_enrolment(uid, secret_key=KEY, issuer="Kortisto")
        secret = pyotp.parse_uri(uri).secret
        code = next_code(secret)
        assert await confirm_totp_enrolment(uid, code, secret_key=KEY) == "ok"
    return uid, secret, code


def test_the_matching_step_is_found_within_one_step_of_drift():
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now = time.time()
    step = totp.timecode(now)
    for offset in (-1, 0, 1):
        assert matching_step(secret, totp.generate_otp(step + offset), now=now) == step + offset
    code = totp.generate_otp(step)
    assert matching_step(secret, f"{code[:3]} {code[3:]}", now=now) == step  # as apps show it
    too_far = {totp.generate_otp(step + d) for d in (-2, 2)} - {
        totp.generate_otp(step + d) for d in (-1, 0, 1)
    }
    for code in too_far:
        assert matching_step(secret, code, now=now) is None
    assert matching_step(secret, "12345", now=now) is None
    assert matching_step(secret, "abcdef", now=now) is None


async def test_a_code_signs_in_once_and_an_older_one_never_after(make_tenant, throttle):
    t = await make_tenant()
    uid, secret, enrolled_with = await _enrolled_user(t.slug, "kerran@yritys.fi")
    args = _args(throttle, t.slug)
    sign_in = dict(secret_key=KEY, **args)
    async with tenant_scope(t.slug):
        # The code that turned TOTP on does not also sign in, on either form.
        replay = await authenticate("kerran@yritys.fi", GOOD, totp_code=enrolled_with, **sign_in)
        assert replay.outcome == "totp_replayed" and replay.user is None
        second = await verify_second_step(uid, enrolled_with, **sign_in)
        assert second.outcome == "totp_replayed"
        code = next_code(secret)
        assert (await verify_second_step(uid, code, **sign_in)).outcome == "ok"
        assert (await verify_second_step(uid, code, **sign_in)).outcome == "totp_replayed"
        ok_again = await authenticate("kerran@yritys.fi", GOOD, totp_code=code, **sign_in)
        assert ok_again.outcome == "totp_replayed"
        # A code from an older step (still inside the drift allowance) is refused too.
        totp, accepted = pyotp.TOTP(secret), matching_step(secret, code)
        older = totp.generate_otp(accepted - 1)
        if matching_step(secret, older) is not None:
            assert (await verify_second_step(uid, older, **sign_in)).outcome == "totp_replayed"
        # A replay counts like a wrong code towards the lockout.
        strict = LoginThrottle(throttle.client, Limits(per_account=2))
        strict_args = dict(secret_key=KEY, **_args(strict, f"{t.slug}-strict"))
        outcomes = [(await verify_second_step(uid, code, **strict_args)).outcome for _ in "12"]
        assert outcomes == ["totp_replayed", "locked"]


async def test_two_sign_ins_with_one_code_cannot_both_pass(make_tenant, throttle):
    t = await make_tenant()
    uid, secret, _ = await _enrolled_user(t.slug, "kaksi@yritys.fi")
    code = next_code(secret)
    sign_in = dict(secret_key=KEY, **_args(throttle, t.slug))
    first_checked, release = asyncio.Event(), asyncio.Event()

    async def first() -> str:
        async with tenant_scope(t.slug):
            outcome = (await verify_second_step(uid, code, **sign_in)).outcome
            first_checked.set()
            await asyncio.wait_for(release.wait(), 10)  # hold the transaction open
        return outcome

    async def second() -> str:
        await first_checked.wait()
        async with tenant_scope(t.slug):
            return (await verify_second_step(uid, code, **sign_in)).outcome

    one, two = asyncio.create_task(first()), asyncio.create_task(second())
    await asyncio.wait_for(first_checked.wait(), 10)
    await asyncio.sleep(0.5)
    # The second is inside its check while the first has not committed: it waits for the row.
    assert not two.done()
    release.set()
    assert await asyncio.wait_for(one, 10) == "ok"
    assert await asyncio.wait_for(two, 10) == "totp_replayed"


async def test_an_operator_code_is_accepted_once(settings, throttle):
    operator = await create_operator()
    address = f"203.0.113.{next(_addresses) % 250}"
    checks = dict(throttle=throttle, address=address, secret_key=KEY)
    async with platform_transaction():
        secret, _ = await operators.enrolment_secret(operator, secret_key=KEY)
        code = next_code(secret)
        assert (await operators.confirm_enrolment(operator, code, **checks)).outcome == "ok"
    enrolled = {**operator, "totp_enabled": True}
    async with platform_transaction():
        assert (await operators.check_totp(enrolled, code, **checks)).outcome == "totp_replayed"
        newer = next_code(secret)
        assert (await operators.check_totp(enrolled, newer, **checks)).outcome == "ok"
    async with platform_transaction():
        assert (await operators.check_totp(enrolled, newer, **checks)).outcome == "totp_replayed"
