"""core.public_fetch: which addresses count as the public internet, names checked on every
address they resolve to, the size cap, and the test-only allowance refused in production."""

import ipaddress

import pytest

from core.public_fetch import (
    PrivateAddressRefusedError,
    ResponseTooLargeError,
    checked_addresses,
    get_capped,
    is_public,
    public_client,
)
from core.settings import SettingsError, load_settings
from tests.support import fake_oembed

NOT_PUBLIC = [
    "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "fec0::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "2002:7f00:1::1",
]  # fmt: skip
PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_non_public_addresses(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses(address):
    assert is_public(ipaddress.ip_address(address))


async def test_a_name_is_checked_on_every_address_it_resolves_to():
    with pytest.raises(PrivateAddressRefusedError):
        await checked_addresses("localhost", 80, 3)
    assert await checked_addresses("8.8.8.8", 443) == ["8.8.8.8"]


async def test_the_body_is_capped_and_the_allowance_is_one_pair():
    fake, server = fake_oembed.start()
    try:
        async with public_client(3) as client:
            with pytest.raises(PrivateAddressRefusedError):
                await get_capped(client, f"{fake.url}/thumb.png", 10_000)
        assert fake.requests == []
        with fake_oembed.private_fetch_allowed(fake):
            async with public_client(3) as client:
                picture = await get_capped(client, f"{fake.url}/thumb.png", 10_000)
                assert picture == fake_oembed.png_bytes()
                with pytest.raises(ResponseTooLargeError):
                    await get_capped(client, f"{fake.url}/thumb.png", 10)
    finally:
        server.shutdown()


def test_the_allowance_is_refused_in_production():
    base = {"KORTISTO_ENV": "production", "KORTISTO_SECRET_KEY": "x" * 40}
    assert load_settings(base).private_fetch_allow == ()
    with pytest.raises(SettingsError, match="KORTISTO_PRIVATE_FETCH_ALLOW"):
        load_settings({**base, "KORTISTO_PRIVATE_FETCH_ALLOW": "127.0.0.1:8080"})
    test = load_settings({"KORTISTO_PRIVATE_FETCH_ALLOW": "127.0.0.1:8080, [::1]:9"})
    assert test.private_fetch_allow == ("127.0.0.1:8080", "[::1]:9")
