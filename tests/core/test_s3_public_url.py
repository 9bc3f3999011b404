"""S3_PUBLIC_URL: presigned download links are built for the host browsers reach the S3 server
at (e.g. a reverse proxy's name), not the internal endpoint the services use, and the local S3
server accepts their signature when asked under that host name."""

import dataclasses
import uuid
from urllib.parse import urlsplit

import httpx
import pytest

from core import attachments, audit
from core.settings import SettingsError, load_settings
from core.storage import ObjectStore
from core.visibility import SYSTEM
from tenants.scope import tenant_scope

PUBLIC = "http://files.kortisto.test"  # does not resolve: nothing may try to connect to it


def _public_store(settings, public: str, **kw) -> ObjectStore:
    s = settings.object_store
    return ObjectStore(
        s.endpoint,
        s.access_key.reveal(),
        s.secret_key.reveal(),
        secure=s.secure,
        region=kw.get("region", s.region),
        public_endpoint=public,
    )


def test_public_url_defaults_to_the_endpoint_and_keeps_only_scheme_host_port():
    s = load_settings({"S3_ENDPOINT": "seaweedfs:8333"})
    assert s.object_store.public_url == "seaweedfs:8333"
    s = load_settings({"S3_ENDPOINT": "seaweedfs:8333", "S3_PUBLIC_URL": " https://f.example/ "})
    assert s.object_store.public_url == "https://f.example"
    assert s.object_store.endpoint == "seaweedfs:8333"


@pytest.mark.parametrize(
    "raw", ["files.example.com", "https://example.com/s3", "ftp://f.example", "https://f.ex/?a=1"]
)
def test_public_url_with_a_path_or_without_a_scheme_is_refused(raw):
    with pytest.raises(SettingsError, match="S3_PUBLIC_URL"):
        load_settings({"S3_ENDPOINT": "seaweedfs:8333", "S3_PUBLIC_URL": raw})


async def test_link_is_signed_for_the_public_host_and_the_server_accepts_it(settings, make_tenant):
    tenant = await make_tenant()
    store = _public_store(settings, PUBLIC)
    data = b"%PDF-1.7\n" + uuid.uuid4().bytes
    async with tenant_scope(tenant.slug):
        await store.put("attachments/julkinen", data, "application/pdf")
        # Presigning is local: the public host does not resolve, yet the link is made.
        link = await store.presigned_get("attachments/julkinen", seconds=60, filename="a.pdf")
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC
    assert "X-Amz-Signature=" in parts.query and "X-Amz-Expires=60" in parts.query
    internal = urlsplit(store.client._base_url._url.geturl())
    assert internal.netloc != parts.netloc  # the services keep using the internal endpoint

    # The S3 server as the reverse proxy would reach it: same path and query, Host unchanged.
    at_server = f"{internal.scheme}://{internal.netloc}{parts.path}?{parts.query}"
    as_public = httpx.get(at_server, headers={"Host": parts.netloc})
    assert as_public.status_code == 200, as_public.text[:300]
    assert as_public.content == data and "a.pdf" in as_public.headers["content-disposition"]
    # The signature covers the host: the same link asked under the internal name is refused,
    # so the 200 above proves the link was signed for the public host.
    as_internal = httpx.get(at_server)
    assert as_internal.status_code == 403 and b"Signature" in as_internal.content


async def test_https_public_url_gives_https_links_without_a_region_lookup(settings, make_tenant):
    tenant = await make_tenant()
    store = _public_store(settings, "https://files.kortisto.test:8443", region="")
    async with tenant_scope(tenant.slug):
        link = await store.presigned_get("attachments/x", seconds=60)
    assert link.startswith(f"https://files.kortisto.test:8443/{tenant.bucket}/attachments/x?")
    assert "X-Amz-Credential=" in link and "%2Fus-east-1%2Fs3%2F" in link


async def test_attachment_download_link_uses_the_public_url(settings, make_tenant, monkeypatch):
    tenant = await make_tenant()
    public_settings = dataclasses.replace(
        settings,
        object_store=dataclasses.replace(settings.object_store, public_url=PUBLIC),
    )
    monkeypatch.setattr(attachments, "get_settings", lambda: public_settings)
    async with tenant_scope(tenant.slug):
        owner = attachments.Owner("person", await _person())
        row = await attachments.upload(
            owner,
            attachments.Upload("tarjous.pdf", b"%PDF-1.7\n" + b"x" * 100),
            viewer=SYSTEM,
            actor=audit.SYSTEM,
        )
        link = await attachments.download_link(row["id"], viewer=SYSTEM, actor=audit.SYSTEM)
    assert link.startswith(f"{PUBLIC}/{tenant.bucket}/attachments/")
    # Uploading went to the internal endpoint, so the object is there.
    async with tenant_scope(tenant.slug):
        store = ObjectStore.from_settings(settings)
        assert await store.stat(row["object_key"]) is not None


async def _person() -> uuid.UUID:
    from core.persons import PersonInput, create_person

    return await create_person(PersonInput(first_name="Julkinen", last_name="Linkki"))
