"""The social media embeds of a content item (core.embeds), after the visitor's click.

    GET /t/<slug>/content/<item>/embed?url=…            the player: an iframe from the
        privacy-friendly host (an HTMX fragment replacing the placeholder; the whole page
        without JavaScript)
    GET /t/<slug>/content/<item>/embed/thumbnail?url=…  the preview picture, from our bucket

Only the item's own pasted URLs are served, and only to whoever may see the item: the routes
never become a way to frame or fetch arbitrary addresses.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery

from core.embeds import embeds_for, player_url, thumbnail, urls_of
from web.content_access import item_or_404, viewer_of
from web.embed_labels import placeholder_notice
from web.forms import render, tenant_context, wants_fragment

TEMPLATE = "content/embed.html"
# Shown when the item has no (cached) picture for the URL: the <img> never breaks.
NO_PICTURE = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 9" width="320" height="180">'
    '<rect width="16" height="9" fill="#d9dee3"/><path d="M6.5 2.5v4l3.5-2z" fill="#5d6975"/>'
    "</svg>"
)


class ContentEmbedsController(Controller):
    path = "/t/{tenant:str}/content/{item_id:str}/embed"
    include_in_schema = False

    @get("/")
    async def player(
        self,
        request: Request,
        tenant: FromPath[str],
        item_id: FromPath[str],
        url: FromQuery[str] = "",
    ) -> Response:
        item = await item_or_404(await viewer_of(request), item_id)
        known = url in urls_of(item)
        embed = (await embeds_for([url]))[0] if known else None
        context = {
            **tenant_context(),
            "current": "content",
            "item": item,
            "url": url,
            "known": known,
            "embed": embed,
            "notice": placeholder_notice(embed.processor) if embed and embed.processor else "",
            "player": await player_url(url) if embed and embed.click_to_load else None,
        }
        block = "embed" if wants_fragment(request) else None
        return render(request, TEMPLATE, context, block=block)

    @get("/thumbnail")
    async def picture(
        self,
        request: Request,
        tenant: FromPath[str],
        item_id: FromPath[str],
        url: FromQuery[str] = "",
    ) -> Response:
        item = await item_or_404(await viewer_of(request), item_id)
        found = await thumbnail(url) if url in urls_of(item) else None
        headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
        if found is None:
            return Response(NO_PICTURE, media_type="image/svg+xml", headers=headers)
        data, content_type = found
        return Response(data, media_type=content_type, headers=headers)
