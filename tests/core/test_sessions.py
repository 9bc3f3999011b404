"""Session store: the per-user index, revoking only one's own sessions, rotation, the pending
second sign-in step; tenant settings with defaults; the TOTP second step and password re-check."""

import asyncio

import pyotp
import pytest

from core.accounts import (
    confirm_totp_enrolment,
    create_user,
    disable_totp,
    pending_totp_uri,
    start_totp_enrolment,
    verify_current_password,
    verify_second_step,
)
from core.redis_client import redis_for_current_loop
from core.sessions import SessionStore
from core.tenant_settings import set_totp_required_for_admins, totp_required_for_admins
from core.throttle import Limits, LoginThrottle
from tenants.scope import tenant_scope
from tests.support.totp_codes import next_code

KEY = "test-secret-key-" + "y" * 32
GOOD = "Kanerva-kettu-2026!"


@pytest.fixture
async def sessions(settings):
    client = redis_for_current_loop(settings.redis_url.reveal())
    return SessionStore(client)


async def test_list_prunes_expired_ids_from_the_users_index(sessions):
    short = SessionStore(sessions.client, idle=1)
    gone = await short.create("idx", "u1", user_agent="old")
    live = await sessions.create("idx", "u1", user_agent="new")
    await asyncio.sleep(1.2)
    listed = await sessions.list_for("idx", "u1")
    assert [s.user_agent for s in listed] == ["new"]
    members = await sessions.client.smembers("kortisto:sessions-of:idx:u1")
    assert members == {(await sessions.get("idx", live)).key}
    assert await sessions.get("idx", gone) is None


async def test_only_ones_own_session_can_be_revoked(sessions):
    mine = await sessions.create("own", "me")
    theirs = await sessions.create("own", "them")
    their_key = (await sessions.get("own", theirs)).key
    assert not await sessions.revoke_own("own", "me", their_key)
    assert await sessions.get("own", theirs) is not None
    my_key = (await sessions.get("own", mine)).key
    assert await sessions.revoke_own("own", "me", my_key)
    assert await sessions.get("own", mine) is None


async def test_rotate_gives_a_new_id_and_ends_the_old(sessions):
    old = await sessions.create("rot", "u", ip="10.1.1.1", user_agent="Firefox")
    new = await sessions.rotate("rot", await sessions.get("rot", old))
    assert new != old and await sessions.get("rot", old) is None
    rotated = await sessions.get("rot", new)
    assert rotated.ip == "10.1.1.1" and rotated.user_agent == "Firefox"
    assert [s.key for s in await sessions.list_for("rot", "u")] == [rotated.key]


async def test_pending_second_step_is_per_tenant(sessions):
    token = await sessions.begin_second_step("pa", "u", next_path="/t/pa/persons/")
    assert await sessions.second_step("pa", token) == {"subject": "u", "next": "/t/pa/persons/"}
    assert await sessions.second_step("pb", token) is None
    await sessions.end_second_step("pa", token)
    assert await sessions.second_step("pa", token) is None


async def test_tenant_setting_defaults_and_changes(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        assert await totp_required_for_admins() is False
        await set_totp_required_for_admins(True, changed_by="test")
        assert await totp_required_for_admins() is True
    other = await make_tenant()
    async with tenant_scope(other.slug):
        assert await totp_required_for_admins() is False  # each register its own


async def test_second_step_and_password_recheck_count_failures(make_tenant, settings):
    t = await make_tenant()
    redis = redis_for_current_loop(settings.redis_url.reveal())
    throttle = LoginThrottle(redis, Limits(per_account=3))
    args = dict(throttle=throttle, realm=t.slug, address="192.0.2.1")
    async with tenant_scope(t.slug):
        uid = await create_user("kaksi@yritys.fi", role="staff", password=GOOD)
        uri = await start_totp_enrolment(uid, secret_key=KEY, issuer="Kortisto")
        assert await pending_totp_uri(uid, secret_key=KEY, issuer="Kortisto") == uri
        secret = pyotp.parse_uri(uri).secret
        assert await confirm_totp_enrolment(uid, next_code(secret), secret_key=KEY) == "ok"
        assert await pending_totp_uri(uid, secret_key=KEY, issuer="Kortisto") is None
        with pytest.raises(ValueError):  # would silently replace the secret in the user's app
            await start_totp_enrolment(uid, secret_key=KEY, issuer="Kortisto")
        assert (await verify_second_step(uid, "12345", secret_key=KEY, **args)).outcome == (
            "bad_totp"
        )
        ok = await verify_second_step(uid, next_code(secret), secret_key=KEY, **args)
        assert ok.outcome == "ok" and ok.user["last_login_at"] is not None
        outcomes = [(await verify_current_password(uid, "väärä", **args)).outcome for _ in range(3)]
        assert outcomes == ["bad_credentials", "bad_credentials", "locked"]
        assert (await verify_current_password(uid, GOOD, **args)).outcome == "locked"
        await disable_totp(uid)
        assert await pending_totp_uri(uid, secret_key=KEY, issuer="Kortisto") is None
