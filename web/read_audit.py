"""Audit of reads of personal data from the web: ONE event per read path (request).

Each handler that shows cards calls `cards_read` once with the ids of every card it shows;
`core.audit.record_read` writes one "person.read" event listing them (nothing when it showed
none). The purpose is the path's code, except that an operator under a break-glass grant
always reads for "break_glass" (and, in that READ ONLY scope, the event is written through
the scope's own short write transaction: core.audit).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from litestar import Request

from core import audit
from web.auth import current_user
from web.content_access import actor_of

BREAK_GLASS = "break_glass"


def purpose_of(request: Request, purpose: str) -> str:
    return BREAK_GLASS if current_user(request)["role"] == "operator" else purpose


async def cards_read(
    request: Request,
    person_ids: Iterable[uuid.UUID | str],
    *,
    via: str,
    purpose: str = "customer_service",
    **detail: Any,
) -> None:
    """Record that this request showed these cards (one event; none for no cards)."""
    await audit.record_read(
        person_ids,
        actor=actor_of(request),
        purpose=purpose_of(request, purpose),
        via=via,
        **detail,
    )
