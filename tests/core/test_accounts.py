"""Accounts core: passwords, throttling, TOTP, sessions keyed by tenant, invitations."""

import asyncio
import uuid

import pyotp
import pytest

from core import invitations
from core.accounts import (
    authenticate,
    confirm_totp_enrolment,
    create_user,
    get_user,
    set_password,
    start_totp_enrolment,
)
from core.db import DB
from core.invitations import InvitationError
from core.mail import outbox
from core.passwords import WeakPasswordError
from core.redis_client import redis_for_current_loop
from core.sessions import SessionStore
from core.throttle import Limits, LoginThrottle
from core.validation import ValidationFailed
from tenants.scope import tenant_scope
from tests.support.totp_codes import next_code, wrong_code

KEY = "test-secret-key-" + "x" * 32
GOOD = "Kanerva-kettu-2026!"


@pytest.fixture
async def redis(settings):
    client = redis_for_current_loop(settings.redis_url.reveal())
    await client.flushdb()
    return client


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


def _throttle(redis, **limits):
    return LoginThrottle(redis, Limits(**limits))


async def test_login_ok_wrong_password_and_unknown_user_look_the_same(tenant, redis):
    t = _throttle(redis)
    async with tenant_scope(tenant.slug):
        uid = await create_user("Admin@Yritys.fi", role="admin", password=GOOD)
        ok = await authenticate(
            "admin@yritys.fi",
            GOOD,
            throttle=t,
            realm=tenant.slug,
            address="10.0.0.1",
            secret_key=KEY,
        )
        assert ok.outcome == "ok" and ok.user["id"] == uid
        assert (await get_user(uid))["last_login_at"] is not None
        wrong = await authenticate(
            "admin@yritys.fi",
            "nope",
            throttle=t,
            realm=tenant.slug,
            address="10.0.0.1",
            secret_key=KEY,
        )
        nobody = await authenticate(
            "ghost@yritys.fi",
            "nope",
            throttle=t,
            realm=tenant.slug,
            address="10.0.0.1",
            secret_key=KEY,
        )
    assert wrong.outcome == nobody.outcome == "bad_credentials"


async def test_lockout_after_repeated_failures_and_its_expiry(tenant, redis):
    t = _throttle(redis, per_account=3, lockout_seconds=2)
    async with tenant_scope(tenant.slug):
        await create_user("lock@yritys.fi", role="staff", password=GOOD)
        outcomes = [
            (
                await authenticate(
                    "lock@yritys.fi",
                    "bad",
                    throttle=t,
                    realm=tenant.slug,
                    address="a",
                    secret_key=KEY,
                )
            ).outcome
            for _ in range(3)
        ]
        assert outcomes == ["bad_credentials", "bad_credentials", "locked"]
        # Even the right password is refused while locked, with the time to wait.
        locked = await authenticate(
            "lock@yritys.fi", GOOD, throttle=t, realm=tenant.slug, address="a", secret_key=KEY
        )
        assert locked.outcome == "locked" and 0 < locked.retry_after <= 2
    await asyncio.sleep(2.2)
    async with tenant_scope(tenant.slug):
        after = await authenticate(
            "lock@yritys.fi", GOOD, throttle=t, realm=tenant.slug, address="a", secret_key=KEY
        )
    assert after.outcome == "ok"


async def test_throttle_per_address_across_accounts(tenant, redis):
    t = _throttle(redis, per_account=100, per_address=4)
    async with tenant_scope(tenant.slug):
        for i in range(4):
            await authenticate(
                f"u{i}@x.fi",
                "bad",
                throttle=t,
                realm=tenant.slug,
                address="203.0.113.9",
                secret_key=KEY,
            )
        blocked = await authenticate(
            "other@x.fi",
            "bad",
            throttle=t,
            realm=tenant.slug,
            address="203.0.113.9",
            secret_key=KEY,
        )
        elsewhere = await authenticate(
            "other@x.fi",
            "bad",
            throttle=t,
            realm=tenant.slug,
            address="198.51.100.1",
            secret_key=KEY,
        )
    assert blocked.outcome == "locked" and elsewhere.outcome == "bad_credentials"


async def test_totp_enrolment_and_login(tenant, redis):
    t = _throttle(redis)
    async with tenant_scope(tenant.slug):
        uid = await create_user("totp@yritys.fi", role="admin", password=GOOD)
        uri = await start_totp_enrolment(uid, secret_key=KEY, issuer="Kortisto")
        secret = pyotp.parse_uri(uri).secret
        refused = await confirm_totp_enrolment(uid, wrong_code(secret), secret_key=KEY)
        assert refused == "bad_totp"
        enrolled_with = next_code(secret)
        assert await confirm_totp_enrolment(uid, enrolled_with, secret_key=KEY) == "ok"
        stored = await DB.current_connection().fetchval(
            "SELECT totp_secret FROM app_user WHERE id = $1", uid
        )
        assert secret not in stored  # encrypted at rest
        args = dict(throttle=t, realm=tenant.slug, address="a", secret_key=KEY)
        assert (await authenticate("totp@yritys.fi", GOOD, **args)).outcome == "totp_required"
        assert (
            await authenticate("totp@yritys.fi", GOOD, totp_code="123456", **args)
        ).outcome == "bad_totp"
        # The code that confirmed the enrolment was used once: it does not sign in.
        again = await authenticate("totp@yritys.fi", GOOD, totp_code=enrolled_with, **args)
        assert again.outcome == "totp_replayed"
        ok = await authenticate("totp@yritys.fi", GOOD, totp_code=next_code(secret), **args)
    assert ok.outcome == "ok"


async def test_password_rules_and_change_voids_sessions(tenant):
    async with tenant_scope(tenant.slug):
        with pytest.raises(WeakPasswordError):
            await create_user("short@x.fi", role="staff", password="lyhyt")
        with pytest.raises(ValidationFailed):
            await create_user("bad-address", role="staff", password=GOOD)
        with pytest.raises(ValidationFailed):
            await create_user("self@x.fi", role="self", password=GOOD)  # needs a card
        uid = await create_user("change@x.fi", role="staff", password=GOOD)
        before = (await get_user(uid))["sessions_valid_after"]
        await asyncio.sleep(0.01)
        await set_password(uid, "Uusi-salasana-2026?")
        assert (await get_user(uid))["sessions_valid_after"] > before


async def test_sessions_are_keyed_by_tenant_and_expire(redis):
    store = SessionStore(redis, idle=1, absolute=60)
    sid = await store.create("acme", "user-1", ip="127.0.0.1", user_agent="test")
    session = await store.get("acme", sid)
    assert session and session.subject == "user-1" and session.csrf_token
    assert await store.get("demo", sid) is None  # never valid for another tenant
    assert await store.get("acme", sid + "x") is None
    await asyncio.sleep(1.2)
    assert await store.get("acme", sid) is None  # idle timeout
    short = SessionStore(redis, idle=60, absolute=1)
    sid = await short.create("acme", "user-1")
    await asyncio.sleep(1.2)
    assert await short.get("acme", sid) is None  # absolute timeout


async def test_user_sees_and_revokes_sessions(redis):
    store = SessionStore(redis)
    a = await store.create("acme", "u", ip="1.1.1.1")
    b = await store.create("acme", "u", ip="2.2.2.2")
    sessions = await store.list_for("acme", "u")
    assert {s.ip for s in sessions} == {"1.1.1.1", "2.2.2.2"}
    keep = (await store.get("acme", a)).key
    assert await store.revoke_all("acme", "u", except_key=keep) == 1
    assert await store.get("acme", a) is not None and await store.get("acme", b) is None


async def test_invitation_single_use_wrong_code_and_expiry(tenant):
    async with tenant_scope(tenant.slug):
        issued = await invitations.issue(
            "new@yritys.fi", purpose="invite", role="staff", secret_key=KEY
        )
        await invitations.send(
            issued,
            "new@yritys.fi",
            link=f"http://x/{issued.token}",
            subject="Kutsu",
            body="Linkki {link} koodi {code}",
        )
        mail = (await outbox())[0]
        assert issued.token in mail["body"] and issued.key_code in mail["body"]
        stored = await DB.current_connection().fetchrow(
            "SELECT token_hash, key_code_hash FROM invitation WHERE id = $1", issued.id
        )
        assert issued.token not in stored.values() and issued.key_code not in stored.values()
        wrong = await invitations.accept(
            issued.token,
            "999999" if issued.key_code != "999999" else "000000",
            GOOD,
            secret_key=KEY,
        )
        assert wrong == invitations.Accepted(None, "wrong_code")
    async with tenant_scope(tenant.slug):
        accepted = await invitations.accept(issued.token, issued.key_code, GOOD, secret_key=KEY)
        assert (await get_user(accepted.user_id))["role"] == "staff"
        with pytest.raises(InvitationError) as err:
            await invitations.accept(issued.token, issued.key_code, GOOD, secret_key=KEY)
        assert err.value.reason == "used"
        with pytest.raises(InvitationError) as err:
            await invitations.find(uuid.uuid4().hex, secret_key=KEY)
        assert err.value.reason == "unknown"
        old = await invitations.issue("late@yritys.fi", purpose="invite", secret_key=KEY)
        await DB.current_connection().execute(
            "UPDATE invitation SET expires_at = now() - interval '1 second' WHERE id = $1", old.id
        )
        with pytest.raises(InvitationError) as err:
            await invitations.accept(old.token, old.key_code, GOOD, secret_key=KEY)
        assert err.value.reason == "expired"


async def test_too_many_wrong_codes_void_the_invitation(tenant):
    async with tenant_scope(tenant.slug):
        issued = await invitations.issue("x@yritys.fi", purpose="invite", secret_key=KEY)
    wrong = "000000" if issued.key_code != "000000" else "111111"
    failures = []
    for _ in range(5):  # each attempt in its own request-like transaction
        async with tenant_scope(tenant.slug):
            failures.append(
                (await invitations.accept(issued.token, wrong, GOOD, secret_key=KEY)).failure
            )
    assert failures == ["wrong_code"] * 4 + ["too_many_attempts"]
    # Now even the right code is refused: the link is void.
    with pytest.raises(InvitationError) as err:
        async with tenant_scope(tenant.slug):
            await invitations.accept(issued.token, issued.key_code, GOOD, secret_key=KEY)
    assert err.value.reason == "too_many_attempts"
