"""Encryption at rest for small secrets (TOTP seeds, later identity codes).

Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from KORTISTO_SECRET_KEY and a purpose
label, so a key for one kind of secret never opens another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken


class SecretBoxError(ValueError):
    """The ciphertext is not ours or the key changed."""


def _fernet(master_key: str, purpose: str) -> Fernet:
    if len(master_key) < 16:
        raise SecretBoxError("KORTISTO_SECRET_KEY is too short to encrypt secrets")
    derived = hmac.new(master_key.encode(), f"kortisto:{purpose}".encode(), hashlib.sha256)
    return Fernet(base64.urlsafe_b64encode(derived.digest()))


def seal(master_key: str, purpose: str, plaintext: str) -> str:
    return _fernet(master_key, purpose).encrypt(plaintext.encode()).decode()


def open_sealed(master_key: str, purpose: str, token: str) -> str:
    try:
        return _fernet(master_key, purpose).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretBoxError("cannot decrypt: wrong key or damaged value") from exc


def keyed_hash(master_key: str, purpose: str, value: str) -> str:
    """A stable, secret-keyed hash for lookups (tokens, key codes)."""
    return hmac.new(f"{master_key}:{purpose}".encode(), value.encode(), hashlib.sha256).hexdigest()
