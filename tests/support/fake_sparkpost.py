"""A local stand-in for the SparkPost Transmissions API: an HTTP server on 127.0.0.1 that
records every request (path, headers, JSON body) and answers like SparkPost. Queue answers
with `answer(status, body)`; without one it accepts the transmission with a fresh id."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class FakeSparkPost:
    requests: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict]] = field(default_factory=list)
    ids: itertools.count = field(default_factory=lambda: itertools.count(7001))
    url: str = ""
    # Called in the server thread as each request arrives (e.g. to look at the database).
    on_request: Callable[[], None] | None = None

    def answer(self, status: int, body: dict | None = None) -> None:
        self.answers.append((status, body or {}))

    def accepted(self) -> tuple[int, dict]:
        return 200, {
            "results": {
                "total_rejected_recipients": 0,
                "total_accepted_recipients": 1,
                "id": str(next(self.ids)),
            }
        }


def start() -> tuple[FakeSparkPost, ThreadingHTTPServer]:
    fake = FakeSparkPost()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if fake.on_request is not None:
                fake.on_request()
            with lock:
                fake.requests.append(
                    Received("POST", self.path, dict(self.headers.items()), json.loads(raw))
                )
                status, body = fake.answers.pop(0) if fake.answers else fake.accepted()
            if self.path != "/api/v1/transmissions":
                status, body = 404, {"errors": [{"message": "resource not found"}]}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, server
