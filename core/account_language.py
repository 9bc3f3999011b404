"""A tenant user's own language, once they chose one (Finnish, Swedish or English).

The choice lives on the user's app_user row (`locale`), so it follows them to any browser: the
web layer reads it with the session (core.accounts.get_session_user) and renders their pages in
it. Until they choose, `locale` is NULL and their browser's language (cookie, then
Accept-Language) is used; mail to them is in Finnish. Runs inside a tenant scope.
"""

from __future__ import annotations

import uuid

from core.db import DB
from core.validation import ValidationFailed

ACCOUNT_LANGUAGES = ("fi", "sv", "en")


async def set_account_language(user_id: uuid.UUID | str, code: str) -> None:
    """Store `code` as the user's language. Raises ValidationFailed for an unsupported one."""
    if code not in ACCOUNT_LANGUAGES:
        raise ValidationFailed(
            {"locale": ("invalid", f"language must be one of {', '.join(ACCOUNT_LANGUAGES)}")}
        )
    # Only a change writes: clicking the current language again leaves the row alone.
    await DB.current_connection().execute(
        "UPDATE app_user SET locale = $2 WHERE id = $1 AND locale IS DISTINCT FROM $2",
        uuid.UUID(str(user_id)),
        code,
    )
