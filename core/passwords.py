"""Password hashing: argon2id with parameters measured on this hardware (see bench/)."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# ~100–150 ms per hash on a 2-core machine: slow for guessing, fine for a login.
HASHER = PasswordHasher(time_cost=2, memory_cost=64 * 1024, parallelism=2)
MIN_LENGTH = 12
MAX_LENGTH = 256


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so timing reveals no accounts."""
    return HASHER.hash("kortisto-no-such-account")


class WeakPasswordError(ValueError):
    """The password does not meet the rules; the message says which, `reason` names the rule
    (too_short | too_long | contains_email | repetitive) so pages can say it in their language."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


def check_strength(password: str, *, email: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(
            f"the password must have at least {MIN_LENGTH} characters", "too_short"
        )
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError(
            f"the password may have at most {MAX_LENGTH} characters", "too_long"
        )
    if email and email.split("@")[0].casefold() in password.casefold():
        raise WeakPasswordError(
            "the password must not contain your e-mail address", "contains_email"
        )
    if len(set(password)) < 5:
        raise WeakPasswordError("the password is too repetitive", "repetitive")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(HASHER.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists."""

    def verify() -> bool:
        try:
            return HASHER.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def needs_rehash(stored_hash: str) -> bool:
    return HASHER.check_needs_rehash(stored_hash)
