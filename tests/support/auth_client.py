"""A test client that signs in to each tenant it visits, like a staff member would.

`make_tenant` creates an admin (and a staff user) per tenant; this client signs in through the
real login form the first time it touches `/t/<slug>/` and sends the CSRF token on every
state-changing request, exactly as the pages do.
"""

from __future__ import annotations

import re

PASSWORD = "Testi-salasana-2026!"
_TENANT_PATH = re.compile(r"^/t/([a-z0-9-]+)/")


def user_email(slug: str, role: str) -> str:
    return f"{role}@{slug}.example"


class SignedInClient:
    def __init__(self, client, *, role: str = "admin") -> None:
        self.client = client
        self.role = role
        self.signed_in: set[str] = set()

    def __getattr__(self, name):
        return getattr(self.client, name)

    def csrf_token(self) -> str:
        return self.client.cookies.get("kortisto_csrf", "")

    async def sign_in(self, slug: str, *, role: str | None = None, password: str = PASSWORD):
        await self.client.get(f"/t/{slug}/login")  # sets the CSRF cookie
        response = await self.client.post(
            f"/t/{slug}/login",
            data={
                "email": user_email(slug, role or self.role),
                "password": password,
                "_csrf_token": self.csrf_token(),
            },
            follow_redirects=False,
        )
        # Unknown or suspended tenants cannot be signed in to; the request then shows why.
        if response.status_code in (302, 303):
            self.signed_in.add(slug)
        return response

    async def switch_language(self, slug: str, code: str) -> None:
        """Choose a language with the page's switcher, signed in: it is stored on the user's
        account, and their pages come in it whatever the cookie or Accept-Language say."""
        response = await self.get(
            f"/t/{slug}/lang/{code}", params={"next": f"/t/{slug}/"}, follow_redirects=False
        )
        assert response.status_code == 303, response.text

    async def _prepare(self, url: str, kwargs: dict) -> None:
        path = url.split("://", 1)[-1]
        path = path[path.find("/") :] if "://" in url else path
        match = _TENANT_PATH.match(path)
        if match and match.group(1) not in self.signed_in and "/login" not in path:
            await self.sign_in(match.group(1))
        if not self.csrf_token():
            await self.client.get("/healthz")
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("x-csrf-token", self.csrf_token())
        kwargs["headers"] = headers

    async def request(self, method: str, url: str, **kwargs):
        await self._prepare(url, kwargs)
        return await self.client.request(method, url, **kwargs)

    async def get(self, url, **kw):
        return await self.request("GET", url, **kw)

    async def post(self, url, **kw):
        return await self.request("POST", url, **kw)

    async def put(self, url, **kw):
        return await self.request("PUT", url, **kw)

    async def patch(self, url, **kw):
        return await self.request("PATCH", url, **kw)

    async def delete(self, url, **kw):
        return await self.request("DELETE", url, **kw)
