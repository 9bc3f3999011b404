"""A local stand-in for the social media services: one HTTP server on 127.0.0.1 that answers
oEmbed requests (any path ending in `oembed`, `oembed.json` or `*_oembed`), serves the
thumbnail they name (`/thumb.png`) and a player page (`/player/...`, what the iframe loads
in browser tests) and `/redirect?to=…` (a 302 there). It records every request, so a test can
tell whether (and how often) our server or the browser contacted "the third party".

`on_request`, when set, is called in the server's thread as each request arrives (e.g. to look
at the database while our server waits for the answer).

It listens on 127.0.0.1, which our server refuses to fetch from (core.public_fetch): a test
lets it through with `private_fetch_allowed(fake)`, the narrow test-only allowance."""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from core.settings import reset_settings_cache

ALLOW_ENV = "KORTISTO_PRIVATE_FETCH_ALLOW"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 9), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@dataclass
class FakeOEmbed:
    requests: list[str] = field(default_factory=list)  # path?query of each request
    title: str = "Kortiston esittelyvideo"
    author: str = "Kortisto Oy"
    fail: bool = False  # answer oEmbed requests with 500
    url: str = ""
    thumbnail_url: str = ""  # what the oEmbed answer names ("" = our own /thumb.png)
    on_request: Callable[[], None] | None = None

    @property
    def netloc(self) -> str:
        return urlsplit(self.url).netloc

    def oembed_requests(self) -> list[str]:
        return [r for r in self.requests if "oembed" in r.split("?")[0]]


def start(port: int = 0) -> tuple[FakeOEmbed, ThreadingHTTPServer]:
    fake = FakeOEmbed()
    lock = threading.Lock()
    picture = png_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if fake.on_request is not None:
                fake.on_request()
            with lock:
                fake.requests.append(self.path)
            path = urlsplit(self.path).path
            if path.endswith(("oembed", "oembed.json")):
                if fake.fail:
                    return self._send(500, "application/json", b"{}")
                query = parse_qs(urlsplit(self.path).query)
                body = {
                    "type": "video",
                    "version": "1.0",
                    "title": fake.title,
                    "author_name": fake.author,
                    "thumbnail_url": fake.thumbnail_url or f"{fake.url}/thumb.png",
                    "url": (query.get("url") or [""])[0],
                }
                return self._send(200, "application/json", json.dumps(body).encode())
            if path == "/redirect":
                to = (parse_qs(urlsplit(self.path).query).get("to") or [""])[0]
                self.send_response(302)
                self.send_header("Location", to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if path == "/thumb.png":
                return self._send(200, "image/png", picture)
            if path.startswith("/player/"):
                page = b"<!doctype html><title>player</title><p id='played'>playing</p>"
                return self._send(200, "text/html; charset=utf-8", page)
            self._send(404, "text/plain", b"not found")

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, server


@contextmanager
def private_fetch_allowed(*fakes: FakeOEmbed) -> Iterator[None]:
    """Let our server fetch from these fakes' host:port (and from nothing else private) while
    the block runs; the default, and production, is an empty allowance."""
    saved = os.environ.get(ALLOW_ENV)
    os.environ[ALLOW_ENV] = ",".join(f.netloc for f in fakes)
    reset_settings_cache()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(ALLOW_ENV, None)
        else:
            os.environ[ALLOW_ENV] = saved
        reset_settings_cache()
