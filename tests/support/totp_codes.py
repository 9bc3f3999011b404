"""TOTP codes for tests, as the authenticator app would show them one after another.

The server accepts each code's time step once (core.totp_codes), so a test that signs in twice
needs a newer code the second time. Instead of waiting 30 seconds for the app to show it, the
next step's code is used: the server accepts one step of clock drift either way. Only when a
test wants a third code within one step does this wait for the clock.
"""

from __future__ import annotations

import time

import pyotp

_last_step: dict[str, int] = {}  # secret -> step of the code last handed out


def next_code(secret: str) -> str:
    """A code of `secret` from a step newer than any code this gave for it before, within the
    step of drift the server allows (the caller uses it at once)."""
    totp = pyotp.TOTP(secret)
    step = max(totp.timecode(time.time()), _last_step.get(secret, -1) + 1)
    while step > totp.timecode(time.time()) + 1:  # beyond the drift allowance: wait
        time.sleep(totp.interval - time.time() % totp.interval + 0.05)
    _last_step[secret] = step
    return totp.generate_otp(step)


def wrong_code(secret: str) -> str:
    """Six digits that are none of the codes the server would accept now."""
    totp = pyotp.TOTP(secret)
    now = totp.timecode(time.time())
    near = {totp.generate_otp(s) for s in range(now - 1, now + 3)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in near)
