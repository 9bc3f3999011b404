"""TOTP codes: which 30-second time step a code belongs to, so that each is accepted once.

pyotp's `verify(valid_window=1)` accepts the previous, current and next step (clock drift) but
does not say which one matched, so a code seen on the wire or over a shoulder would sign in
again for up to a minute. Callers record the matched step per account and refuse a code whose
step is not newer than the last one accepted (RFC 6238 §5.2), with one conditional UPDATE so
that two concurrent sign-ins with the same code cannot both pass.
"""

from __future__ import annotations

import time

import pyotp
from pyotp.utils import strings_equal

DRIFT_STEPS = 1  # a step either side of the server's clock, as verify(valid_window=1) allowed

# Outcomes of checking a code (AuthResult/OperatorAuth use the same words).
ACCEPTED = "ok"
WRONG = "bad_totp"
REPLAYED = "totp_replayed"


def matching_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The time step whose code `code` is (within the drift allowance), else None.

    Spaces are ignored ("123 456" as some apps show it); anything but six digits is no code."""
    code = "".join((code or "").split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time() if now is None else now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Every candidate is compared (constant time, no early exit), as pyotp does.
        if strings_equal(code, totp.generate_otp(step)):
            found = step
    return found
