"""Object storage over S3 through the minio SDK, one bucket per tenant.

The SDK is blocking, so the async methods run it in a worker thread. Any S3-compatible server
works: SeaweedFS's gateway in development and tests, MinIO or a cloud S3 in production.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlparse

import urllib3
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from minio.helpers import MIN_PART_SIZE

from core.context import current_tenant


class StorageUnavailableError(RuntimeError):
    """The object store could not be reached."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str
    content_type: str


def _client(endpoint: str, access_key: str, secret_key: str, secure: bool, region: str) -> Minio:
    parsed = urlparse(endpoint if "://" in endpoint else f"//{endpoint}")
    if parsed.scheme in ("http", "https"):
        secure = parsed.scheme == "https"
    # Short timeouts and few retries: a dead store must show up as an error, not a hang.
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=2.0, read=30.0),
        retries=urllib3.Retry(total=1, backoff_factor=0.2, status_forcelist=[502, 503, 504]),
        maxsize=16,
    )
    return Minio(
        parsed.netloc or endpoint,
        access_key=access_key,
        secret_key=secret_key,
        secure=secure,
        region=region,
        http_client=http,
    )


class ObjectStore:
    """Buckets and objects. Tenant code passes no bucket: the current tenant's is used."""

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        *,
        secure: bool = False,
        region: str = "us-east-1",
        public_endpoint: str = "",
    ) -> None:
        self.client = _client(endpoint, access_key, secret_key, secure, region)
        # Presigned links are fetched by browsers, which may not reach `endpoint` (compose's
        # seaweedfs:8333). SigV4 signs the host, so a link for another host needs a client for
        # that host. It never talks to the server: with the region given, presigning is local.
        self.link_client = self.client
        if public_endpoint and public_endpoint != endpoint:
            self.link_client = _client(
                public_endpoint, access_key, secret_key, secure, region or "us-east-1"
            )

    @classmethod
    def from_settings(cls, settings) -> ObjectStore:
        s = settings.object_store
        return cls(
            s.endpoint,
            s.access_key.reveal(),
            s.secret_key.reveal(),
            secure=s.secure,
            region=s.region,
            public_endpoint=s.public_url,
        )

    # -- buckets (provisioning) -------------------------------------------------------------

    async def create_bucket(self, bucket: str) -> None:
        def create() -> None:
            if not self.client.bucket_exists(bucket):
                self.client.make_bucket(bucket)

        await self._run(create)

    async def bucket_exists(self, bucket: str) -> bool:
        return await self._run(self.client.bucket_exists, bucket)

    async def remove_bucket(self, bucket: str) -> None:
        """Remove every object (every version) and then the bucket; no-op if it is gone."""

        def remove() -> None:
            if not self.client.bucket_exists(bucket):
                return
            victims = [
                DeleteObject(o.object_name, o.version_id)
                for o in self.client.list_objects(bucket, recursive=True, include_version=True)
            ]
            for err in self.client.remove_objects(bucket, victims):
                raise StorageUnavailableError(f"could not delete {err.name}: {err.message}")
            self.client.remove_bucket(bucket)

        await self._run(remove)

    async def bucket_usage(self, bucket: str) -> tuple[int, int]:
        """(objects, bytes) in a bucket, every version counted: what the tenant occupies."""

        def measure() -> tuple[int, int]:
            count = size = 0
            for o in self.client.list_objects(bucket, recursive=True, include_version=True):
                count += 1
                size += o.size or 0
            return count, size

        return await self._run(measure)

    async def list_buckets(self) -> list[str]:
        return await self._run(lambda: [b.name for b in self.client.list_buckets()])

    # -- objects in the current tenant's bucket ---------------------------------------------

    async def put(
        self,
        key: str,
        data: bytes,
        content_type: str,
        *,
        sha256: str | None = None,
        bucket: str | None = None,
    ) -> StoredObject:
        """Store `data` under `key`; `sha256` when the caller already hashed it (`bucket`:
        after the tenant's scope closed)."""
        bucket = bucket or current_tenant().bucket
        digest = sha256 or hashlib.sha256(data).hexdigest()
        await self._run(
            self.client.put_object,
            bucket,
            key,
            io.BytesIO(data),
            len(data),
            content_type=content_type,
            metadata={"sha256": digest},
            # The bytes are in memory: one PUT, not a multipart upload of 5 MiB parts.
            part_size=max(MIN_PART_SIZE, len(data)),
        )
        return StoredObject(key=key, size=len(data), sha256=digest, content_type=content_type)

    async def get(self, key: str, *, bucket: str | None = None) -> bytes:
        bucket = bucket or current_tenant().bucket

        def read() -> bytes:
            response = self.client.get_object(bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        return await self._run(read)

    async def stat(self, key: str) -> StoredObject | None:
        bucket = current_tenant().bucket
        try:
            info = await self._run(self.client.stat_object, bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return None
            raise
        meta = {k.lower(): v for k, v in (info.metadata or {}).items()}
        return StoredObject(
            key=key,
            size=info.size or 0,
            sha256=meta.get("x-amz-meta-sha256", ""),
            content_type=info.content_type or "application/octet-stream",
        )

    async def delete(self, key: str, *, bucket: str | None = None) -> None:
        """Delete the object and all its versions (`bucket`: after the tenant's scope closed)."""
        bucket = bucket or current_tenant().bucket

        def remove() -> None:
            versions = [
                DeleteObject(o.object_name, o.version_id)
                for o in self.client.list_objects(bucket, prefix=key, include_version=True)
                if o.object_name == key
            ] or [DeleteObject(key)]
            for err in self.client.remove_objects(bucket, versions):
                raise StorageUnavailableError(f"could not delete {err.name}: {err.message}")

        await self._run(remove)

    async def keys(self, prefix: str = "", *, bucket: str | None = None) -> list[str]:
        bucket = bucket or current_tenant().bucket
        return await self._run(
            lambda: [o.object_name for o in self.client.list_objects(bucket, prefix, True)]
        )

    async def listing(self, prefix: str = "") -> list[dict]:
        """Objects under `prefix` with size and time, newest first."""
        bucket = current_tenant().bucket

        def read() -> list[dict]:
            found = [
                {"key": o.object_name, "size": o.size or 0, "modified": o.last_modified}
                for o in self.client.list_objects(bucket, prefix, True)
            ]
            return sorted(found, key=lambda o: o["modified"], reverse=True)

        return await self._run(read)

    async def presigned_get(
        self, key: str, *, seconds: int = 300, filename: str | None = None
    ) -> str:
        """A GET link valid for `seconds`, for the public endpoint (S3_PUBLIC_URL) if set."""
        bucket = current_tenant().bucket
        headers = None
        if filename:
            safe = filename.replace('"', "").replace("\r", "").replace("\n", "")
            headers = {"response-content-disposition": f'attachment; filename="{safe}"'}
        return await self._run(
            self.link_client.presigned_get_object,
            bucket,
            key,
            timedelta(seconds=seconds),
            headers,
        )

    async def _run(self, fn, *args, **kwargs):
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailableError(f"object store unavailable: {exc}") from exc
