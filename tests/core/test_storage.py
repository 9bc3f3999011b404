import httpx
import pytest

from core.storage import ObjectStore
from tenants.scope import tenant_scope


async def test_put_get_stat_delete_and_presigned_link(make_tenant, store):
    a = await make_tenant()
    async with tenant_scope(a.slug):
        stored = await store.put("attachments/one", b"hello \xe4", "text/plain")
        assert stored.size == 7 and len(stored.sha256) == 64
        assert await store.get("attachments/one") == b"hello \xe4"
        meta = await store.stat("attachments/one")
        assert meta.sha256 == stored.sha256 and meta.content_type == "text/plain"
        url = await store.presigned_get("attachments/one", seconds=60, filename="yksi.txt")
        await store.put("attachments/two", b"2", "text/plain")
        assert sorted(await store.keys("attachments/")) == ["attachments/one", "attachments/two"]
    response = httpx.get(url)
    assert response.status_code == 200 and response.content == b"hello \xe4"
    assert "yksi.txt" in response.headers["content-disposition"]
    async with tenant_scope(a.slug):
        await store.delete("attachments/one")
        assert await store.stat("attachments/one") is None
        assert await store.keys("attachments/") == ["attachments/two"]


async def test_tenant_cannot_reach_another_tenants_object_by_key(make_tenant, store):
    a, b = await make_tenant(), await make_tenant()
    async with tenant_scope(b.slug):
        await store.put("attachments/secret", b"b only", "text/plain")
    async with tenant_scope(a.slug):
        assert await store.stat("attachments/secret") is None
        with pytest.raises(Exception):  # noqa: B017 - the SDK's NoSuchKey
            await store.get("attachments/secret")


async def test_bad_credentials_are_refused(settings, make_tenant):
    a = await make_tenant()
    s = settings.object_store
    intruder = ObjectStore(s.endpoint, "nobody", "wrong-secret")
    async with tenant_scope(a.slug):
        with pytest.raises(Exception):  # noqa: B017 - AccessDenied / InvalidAccessKeyId
            await intruder.keys()
