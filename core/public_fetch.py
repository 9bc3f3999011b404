"""Fetching from the public internet only (SSRF guard).

Addresses our server fetches on a third party's say-so (an oEmbed endpoint, the thumbnail URL
in its answer, a redirect) must not make it reach our own network: the database, the S3
gateway, a cloud metadata service (169.254.169.254). `public_client()` is an httpx client whose
every connection, redirects included, goes through `GuardedBackend.connect_tcp`: the host name
is resolved once, EVERY address it resolves to must be public, and the socket is opened to one
of those checked addresses (never resolved again, so DNS rebinding cannot slip past). TLS still
verifies the certificate against the host name. Bodies are read with a size cap.

KORTISTO_PRIVATE_FETCH_ALLOW (core.settings) names host:port pairs that may be private: local
fake services in tests. It is empty by default and refused in production.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable

import httpcore
import httpx

from core.settings import get_settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateAddressRefusedError(ValueError):
    """The target resolves to an address outside the public internet; nothing was sent."""


class ResponseTooLargeError(ValueError):
    """The answer was longer than the caller accepts; the rest was not read."""


def is_public(address: Address) -> bool:
    """False for private, loopback, link-local, multicast, reserved, unspecified and other
    non-global addresses, also when an IPv4 one hides inside IPv6 (mapped, 6to4, Teredo)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and address.teredo:
            inner = address.teredo[1]
        if inner is not None and not is_public(inner):
            return False
        if address.ipv4_mapped:
            return True  # the mapped IPv4 address is what is reached
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _allowed_pairs() -> frozenset[tuple[str, int]]:
    pairs = set()
    for entry in get_settings().private_fetch_allow:
        host, _, port = entry.rpartition(":")
        if host and port.isdigit():
            pairs.add((host.strip("[]").lower(), int(port)))
    return frozenset(pairs)


async def checked_addresses(host: str, port: int, seconds: float | None = None) -> list[str]:
    """The addresses of `host`, all of them checked public; raises PrivateAddressRefusedError
    when any one is not (a name that also points inward is refused as a whole)."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        found = [literal]
    else:
        loop = asyncio.get_running_loop()
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), seconds
        )
        found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not found:
        raise OSError(f"{host} has no address")
    refused = [a for a in found if not is_public(a)]
    if refused:
        raise PrivateAddressRefusedError(f"{host} resolves to a non-public address {refused[0]}")
    return list(dict.fromkeys(str(a) for a in found))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the address check in front of every TCP connect."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if (host.strip("[]").lower(), port) in _allowed_pairs():
            targets = [host]
        else:
            targets = await checked_addresses(host, port, timeout)
        error: Exception | None = None
        for target in targets:
            try:
                return await self._inner.connect_tcp(
                    target, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:  # try the next checked address
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(self, *args, **kwargs) -> httpcore.AsyncNetworkStream:
        raise PrivateAddressRefusedError("unix sockets are never fetched from")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__(trust_env=False)
        # httpx takes no network backend; its pool does (same settings as httpx's default).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=10,
            max_keepalive_connections=5,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(),
        )


def public_client(timeout: float, max_redirects: int = 3) -> httpx.AsyncClient:
    """An httpx client that reaches public addresses only (see the module docstring). It
    follows redirects; each hop's connection is checked again."""
    return httpx.AsyncClient(
        transport=_GuardedTransport(),
        timeout=timeout,
        follow_redirects=True,
        max_redirects=max_redirects,
        trust_env=False,
    )


async def get_capped(
    client: httpx.AsyncClient, url: str, max_bytes: int, headers: dict | None = None
) -> bytes:
    """The body of GET `url`, reading at most `max_bytes` (ResponseTooLargeError beyond);
    raises httpx.HTTPStatusError for an error status."""
    if httpx.URL(url).scheme not in ("http", "https"):
        raise PrivateAddressRefusedError("only http and https are fetched")
    async with client.stream("GET", url, headers=headers) as response:
        response.raise_for_status()
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise ResponseTooLargeError(f"{declared} bytes declared, {max_bytes} accepted")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise ResponseTooLargeError(f"more than {max_bytes} bytes")
    return bytes(body)
