"""How the content pages let core.embeds fetch a preview: after the request's transaction
commits, its result stored in a short transaction of the request's tenant of its own
(tenants.scope), so no tenant transaction waits on the third party. When an item is saved,
its answer (the redirect to the item's page) is held until the previews are stored, so that
page shows them, as when the fetch ran inside the request. An operator under a break-glass
grant only reads (a READ ONLY transaction): no fetch is claimed for them."""

from __future__ import annotations

import uuid

from litestar import Request

from core.context import current_tenant
from core.embeds import InScope, prefetch
from tenants.scope import tenant_scope
from web.middleware import answer_after_commit


def preview_fetch_scope(request: Request) -> InScope | None:
    """What core.embeds.embeds_for/prefetch take as `fetch_in` for this request."""
    if request.scope.get("break_glass") is not None:
        return None
    slug = current_tenant().slug
    return lambda: tenant_scope(slug)


async def prefetch_previews(request: Request, item_id: uuid.UUID) -> None:
    """After an item was saved: its previews fetched right after the commit, the answer held
    until they are stored."""
    if await prefetch(item_id, fetch_in=preview_fetch_scope(request)):
        answer_after_commit(request.scope)
