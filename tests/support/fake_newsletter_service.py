"""A local fake of the two newsletter services' HTTP APIs (Brevo v3, Mailchimp 3.0): it
records every request (method, path, headers, JSON body) and answers the way the real service
does for the calls the newsletter plugin makes. Tests assert on `requests`; `on_request`, when
set, is called in the server's thread as each request arrives (e.g. to look at the database)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeNewsletterService:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.next_id = 100
        self.fail_next: int = 0  # answer the next N requests with HTTP 500
        self.on_request: Callable[[], None] | None = None
        service = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                if service.on_request is not None:
                    service.on_request()
                service.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }  # fmt: skip
                )
                status, answer = service.answer(self.command, self.path, body)
                payload = b"" if answer is None else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, method: str, path: str, body) -> tuple[int, object]:
        if self.fail_next:
            self.fail_next -= 1
            return 500, {"message": "temporarily unavailable"}
        if method == "POST" and path.rstrip("/").endswith("/contacts"):  # Brevo create
            self.next_id += 1
            return 201, {"id": self.next_id}
        if method == "POST" and path.endswith("/contacts/remove"):  # Brevo list removal
            return 201, {"contacts": {"success": body.get("ids", []), "failure": []}}
        if method == "DELETE":  # Brevo erase
            return 204, None
        if method == "PUT" and "/members/" in path:  # Mailchimp upsert
            member = path.rsplit("/", 1)[-1]
            return 200, {"id": member, "status": body.get("status")}
        if method == "PATCH" and "/members/" in path:
            return 200, {"id": path.rsplit("/", 1)[-1], "status": body.get("status")}
        if method == "POST" and path.endswith("/actions/delete-permanent"):
            return 204, None
        return 404, {"title": "Resource Not Found"}

    def of(self, method: str, contains: str = "") -> list[dict]:
        return [r for r in self.requests if r["method"] == method and contains in r["path"]]

    def __enter__(self) -> FakeNewsletterService:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
