"""The two newsletter services behind one interface, both spoken to over HTTP at a base URL
from the tenant's settings (tests point it at a local fake server):

- Brevo (Sendinblue SAS, France; inside the EU/EEA), API v3: POST /contacts with listIds and
  updateEnabled to subscribe; POST /contacts/lists/{list}/contacts/remove to take a contact
  off the list; DELETE /contacts/{id}?identifierType=contact_id to erase it.
- Mailchimp (The Rocket Science Group LLC, USA; outside the EU/EEA, EU–US Data Privacy
  Framework), Marketing API 3.0: PUT /lists/{list}/members/{md5 of the lower-case address}
  to subscribe; PATCH status "unsubscribed" to take a contact off; POST
  /lists/{list}/members/{id}/actions/delete-permanent to erase it.
The subscriber's id at the service is what we keep (newsletter_subscription.external_id), so a
removal after an erasure needs no address.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import urllib.error
import urllib.request
from typing import Any

TIMEOUT_SECONDS = 20


class ServiceError(Exception):
    """The newsletter service answered with an error (status and the start of its answer)."""


def _request(method: str, url: str, headers: dict[str, str], body: Any | None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http(s) checked in call()
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()[:300].decode("utf-8", "replace")
        return error.code, {"error": raw}


async def call(method: str, url: str, headers: dict[str, str], body: Any | None = None):
    """(status, parsed JSON) without blocking the event loop; only http(s) URLs."""
    if not url.startswith(("http://", "https://")):
        raise ServiceError(f"not an http(s) URL: {url[:60]}")
    return await asyncio.to_thread(_request, method, url, headers, body)


def _ok(status: int, answer: Any, *, gone_ok: bool = False) -> None:
    if 200 <= status < 300 or (gone_ok and status == 404):
        return
    raise ServiceError(f"HTTP {status}: {json.dumps(answer)[:300]}")


class Brevo:
    DEFAULT_BASE_URL = "https://api.brevo.com/v3"

    def __init__(self, options: dict[str, Any]) -> None:
        self.base = (options.get("base_url") or self.DEFAULT_BASE_URL).rstrip("/")
        self.list_id = str(options.get("list_id") or "")
        self.headers = {"api-key": str(options.get("api_key") or "")}

    async def subscribe(self, contact: dict) -> str:
        body = {
            "email": contact["email"],
            "attributes": {
                "FIRSTNAME": contact.get("first_name", ""),
                "LASTNAME": contact.get("last_name", ""),
            },  # fmt: skip
            "listIds": [int(self.list_id)] if self.list_id.isdigit() else [],
            "updateEnabled": True,
        }
        status, answer = await call("POST", f"{self.base}/contacts", self.headers, body)
        _ok(status, answer)
        if isinstance(answer, dict) and answer.get("id") is not None:
            return str(answer["id"])
        # 204: an existing contact was updated; its id comes from a lookup.
        status, answer = await call(
            "GET", f"{self.base}/contacts/{_quote(contact['email'])}", self.headers
        )
        _ok(status, answer)
        return str(answer["id"])

    async def unsubscribe(self, external_id: str, *, erase: bool) -> None:
        if erase:
            url = f"{self.base}/contacts/{_quote(external_id)}?identifierType=contact_id"
            status, answer = await call("DELETE", url, self.headers)
        else:
            url = f"{self.base}/contacts/lists/{_quote(self.list_id)}/contacts/remove"
            ids = [int(external_id)] if external_id.isdigit() else []
            status, answer = await call("POST", url, self.headers, {"ids": ids})
        _ok(status, answer, gone_ok=True)


class Mailchimp:
    def __init__(self, options: dict[str, Any]) -> None:
        api_key = str(options.get("api_key") or "")
        datacenter = api_key.rsplit("-", 1)[-1] if "-" in api_key else "us1"
        default = f"https://{datacenter}.api.mailchimp.com/3.0"
        self.base = (options.get("base_url") or default).rstrip("/")
        self.list_id = str(options.get("list_id") or "")
        token = base64.b64encode(f"kortisto:{api_key}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}"}

    def _member(self, member_id: str) -> str:
        return f"{self.base}/lists/{_quote(self.list_id)}/members/{_quote(member_id)}"

    async def subscribe(self, contact: dict) -> str:
        member_id = hashlib.md5(contact["email"].strip().lower().encode()).hexdigest()  # noqa: S324 - Mailchimp's id
        body = {
            "email_address": contact["email"],
            "status_if_new": "subscribed",
            "status": "subscribed",
            "merge_fields": {
                "FNAME": contact.get("first_name", ""),
                "LNAME": contact.get("last_name", ""),
            },  # fmt: skip
            "language": contact.get("language") or "fi",
        }
        status, answer = await call("PUT", self._member(member_id), self.headers, body)
        _ok(status, answer)
        return str((answer or {}).get("id") or member_id)

    async def unsubscribe(self, external_id: str, *, erase: bool) -> None:
        if erase:
            url = f"{self._member(external_id)}/actions/delete-permanent"
            status, answer = await call("POST", url, self.headers)
        else:
            body = {"status": "unsubscribed"}
            status, answer = await call("PATCH", self._member(external_id), self.headers, body)
        _ok(status, answer, gone_ok=True)


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(str(value), safe="")


PROVIDERS = {"brevo": Brevo, "mailchimp": Mailchimp}
