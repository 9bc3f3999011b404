"""Which social media service a pasted URL belongs to, and the privacy-friendly player and
oEmbed endpoint for it (no network here: only the URL is read).

Player URLs are the ones that set no tracking cookies before the visitor plays:
youtube-nocookie.com, Vimeo with dnt=1, X with dnt=true. Instagram and Facebook have no such
mode; their placeholders say so through the processor (Meta) the visitor's data goes to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

META_GRAPH = "https://graph.facebook.com/v19.0"

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_HOSTS = {"youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com"}
_VIMEO_PATH = re.compile(r"^/(?:video/|channels/[^/]+/|groups/[^/]+/videos/)?(\d{4,12})/?$")
_X_PATH = re.compile(r"^/[A-Za-z0-9_]{1,15}/status(?:es)?/(\d{1,25})/?$")
_INSTAGRAM_PATH = re.compile(r"^/(?:[A-Za-z0-9_.]+/)?(p|reel|tv)/([A-Za-z0-9_-]{5,40})/?$")
_FACEBOOK_VIDEO = re.compile(r"^/(?:[^/]+/videos/(?:[^/]+/)?\d+|watch|reel/\d+)/?$")
_FACEBOOK_POST = re.compile(r"^/(?:[^/]+/posts/[^/]+|permalink\.php|story\.php|photo(?:\.php)?)/?$")


@dataclass(frozen=True)
class Recognised:
    provider: str  # youtube | vimeo | x | instagram | facebook
    embed_url: str  # what the iframe loads after the click
    oembed_endpoint: str  # where the server fetches title and thumbnail ("" = nothing to fetch)
    processor_key: str


def _host(parts) -> str:
    host = (parts.hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _youtube(parts) -> Recognised | None:
    host = _host(parts)
    video = ""
    if host == "youtu.be":
        video = parts.path.strip("/").split("/")[0]
    elif host in _YOUTUBE_HOSTS:
        if parts.path == "/watch":
            video = (parse_qs(parts.query).get("v") or [""])[0]
        else:
            match = re.match(r"^/(?:embed|shorts|live|v)/([^/?#]+)", parts.path)
            video = match.group(1) if match else ""
    if not _YOUTUBE_ID.match(video):
        return None
    watch = f"https://www.youtube.com/watch?v={video}"
    return Recognised(
        "youtube",
        f"https://www.youtube-nocookie.com/embed/{video}",
        f"https://www.youtube.com/oembed?format=json&url={quote(watch, safe='')}",
        "google-youtube",
    )


def _vimeo(parts) -> Recognised | None:
    if _host(parts) not in ("vimeo.com", "player.vimeo.com"):
        return None
    match = _VIMEO_PATH.match(parts.path)
    if not match:
        return None
    video = match.group(1)
    page = f"https://vimeo.com/{video}"
    return Recognised(
        "vimeo",
        f"https://player.vimeo.com/video/{video}?dnt=1",
        f"https://vimeo.com/api/oembed.json?dnt=1&url={quote(page, safe='')}",
        "vimeo",
    )


def _x(parts) -> Recognised | None:
    if _host(parts) not in ("x.com", "twitter.com", "mobile.twitter.com", "mobile.x.com"):
        return None
    match = _X_PATH.match(parts.path)
    if not match:
        return None
    post = match.group(1)
    canonical = f"https://twitter.com{parts.path.rstrip('/')}"
    return Recognised(
        "x",
        f"https://platform.twitter.com/embed/Tweet.html?id={post}&dnt=true",
        "https://publish.twitter.com/oembed?dnt=true&omit_script=true"
        f"&url={quote(canonical, safe='')}",
        "x",
    )


def _meta_oembed(kind: str, url: str, token: str) -> str:
    # Meta's oEmbed needs an app access token; without one the placeholder shows the link text.
    if not token:
        return ""
    return f"{META_GRAPH}/{kind}?omitscript=true&url={quote(url, safe='')}&access_token={token}"


def _instagram(parts, token: str) -> Recognised | None:
    if _host(parts) not in ("instagram.com", "instagr.am"):
        return None
    match = _INSTAGRAM_PATH.match(parts.path)
    if not match:
        return None
    kind, code = match.groups()
    page = f"https://www.instagram.com/{kind}/{code}/"
    return Recognised(
        "instagram",
        f"{page}embed/",
        _meta_oembed("instagram_oembed", page, token),
        "meta",
    )


def _facebook(parts, token: str) -> Recognised | None:
    if _host(parts) not in ("facebook.com", "m.facebook.com", "fb.watch"):
        return None
    page = urlunsplit(("https", "www.facebook.com", parts.path, parts.query, ""))
    if _host(parts) == "fb.watch" or _FACEBOOK_VIDEO.match(parts.path):
        player, oembed = "video.php", "oembed_video"
    elif _FACEBOOK_POST.match(parts.path):
        player, oembed = "post.php", "oembed_post"
    else:
        return None
    if _host(parts) == "fb.watch":
        page = urlunsplit(("https", "fb.watch", parts.path, "", ""))
    return Recognised(
        "facebook",
        f"https://www.facebook.com/plugins/{player}?href={quote(page, safe='')}",
        _meta_oembed(oembed, page, token),
        "meta",
    )


def recognise(url: str, *, meta_token: str = "") -> Recognised | None:
    """The provider of `url` with its player and oEmbed endpoint, or None (not ours)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    for find in (_youtube, _vimeo, _x):
        found = find(parts)
        if found:
            return found
    return _instagram(parts, meta_token) or _facebook(parts, meta_token)


def rebase(url: str, base: str) -> str:
    """`url` with its scheme and host replaced by `base`'s (tests point both the oEmbed
    endpoint and the player at a local fake server)."""
    if not url or not base:
        return url
    target, original = urlsplit(base), urlsplit(url)
    path = target.path.rstrip("/") + original.path
    return urlunsplit((target.scheme, target.netloc, path, original.query, ""))
