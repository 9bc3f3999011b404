"""Settings read from the environment into typed, frozen dataclasses.

One place reads the environment: `get_settings()`. Every field has a one-line docstring and an
environment variable; `deploy/env.example` documents the same names. Secrets are wrapped in
`Secret` so that printing or logging a settings object never shows them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit


class Secret(str):
    """A string whose repr hides the value (for DSNs with passwords, keys)."""

    def __repr__(self) -> str:
        return "Secret('********')" if self else "Secret('')"

    def reveal(self) -> str:
        return str(self)


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _public_s3_url(raw: str) -> str:
    """S3_PUBLIC_URL as given, or an error: the S3 SDK keeps only scheme, host and port, so a
    path (a proxy prefix like /s3) would be dropped silently and every link would be wrong."""
    if not raw:
        return ""
    parsed = urlsplit(raw)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise SettingsError(
            f"S3_PUBLIC_URL must look like https://files.example.com[:port], got {raw!r}"
        )
    if parsed.path not in ("", "/") or parsed.query or parsed.fragment or parsed.username:
        raise SettingsError(
            "S3_PUBLIC_URL must be scheme://host[:port] only (no path, query or user): serve "
            f"S3 at the root of its own host name, got {raw!r}"
        )
    return f"{parsed.scheme}://{parsed.netloc}"


@dataclass(frozen=True)
class DatabaseSettings:
    url: Secret
    """DATABASE_URL: DSN of the runtime login role (not superuser, not owner)."""
    admin_url: Secret
    """DATABASE_ADMIN_URL: DSN of the owner role that runs migrations and provisioning."""
    app_role: str = "kortisto_app"
    """DATABASE_APP_ROLE: name of the runtime login role; tenant roles are granted to it."""
    pool_max: int = 20
    """KORTISTO_DB_POOL_MAX: connections per pool (one pool per event loop and role). A web
    request holds its connection for the whole request (the tenant scope is its transaction),
    so this is the number of requests a worker serves at once without queueing."""
    pool_max_queries: int = 5000
    """KORTISTO_DB_POOL_MAX_QUERIES: recycle a connection after this many queries."""
    pool_max_idle_seconds: float = 60.0
    """KORTISTO_DB_POOL_MAX_IDLE_SECONDS: close connections idle this long."""
    connect_timeout_seconds: float = 3.0
    """KORTISTO_DB_CONNECT_TIMEOUT: give up connecting after this many seconds."""
    command_timeout_seconds: float = 30.0
    """KORTISTO_DB_COMMAND_TIMEOUT: cancel a statement after this many seconds."""


@dataclass(frozen=True)
class ObjectStoreSettings:
    endpoint: str
    """S3_ENDPOINT: host:port (or URL) of the S3-compatible server."""
    access_key: Secret
    """S3_ACCESS_KEY: access key id."""
    secret_key: Secret
    """S3_SECRET_KEY: secret access key."""
    secure: bool = False
    """S3_SECURE: use HTTPS to reach the S3 server."""
    region: str = "us-east-1"
    """S3_REGION: region name sent with requests (most self-hosted servers ignore it)."""
    public_url: str = ""
    """S3_PUBLIC_URL: scheme://host[:port] browsers reach the S3 server at; used only to build
    presigned download links (signed for this host). Default: S3_ENDPOINT."""
    bucket_prefix: str = "kortisto-"
    """KORTISTO_BUCKET_PREFIX: tenant buckets are named <prefix><slug>."""


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    """KORTISTO_HOST: address the web server binds to."""
    port: int = 8000
    """KORTISTO_PORT: port the web server binds to."""
    public_url: str = "http://127.0.0.1:8000"
    """KORTISTO_PUBLIC_URL: base URL users reach the service at (links in e-mails)."""
    secret_key: Secret = field(default_factory=lambda: Secret(""))
    """KORTISTO_SECRET_KEY: signs sessions and tokens; required in production."""
    workers: int = 1
    """KORTISTO_WEB_WORKERS: web server processes."""


@dataclass(frozen=True)
class Settings:
    env: str
    """KORTISTO_ENV: development, test or production."""
    data_dir: Path
    """KORTISTO_DATA_DIR: where the embedded servers keep their data (development only)."""
    database: DatabaseSettings
    redis_url: Secret
    """REDIS_URL: Redis/Valkey for the job broker and sessions (redis:// or unix://)."""
    object_store: ObjectStoreSettings
    web: WebSettings
    jobs_heartbeat_ms: int = 60_000
    """KORTISTO_JOBS_HEARTBEAT_MS: a worker silent this long is dead; its messages return."""
    jobs_maintenance_chance: int = 1000
    """KORTISTO_JOBS_MAINTENANCE_CHANCE: per-million chance a fetch also requeues dead work."""
    log_level: str = "INFO"
    """KORTISTO_LOG_LEVEL: DEBUG, INFO, WARNING or ERROR."""
    tenant_cache_seconds: float = 2.0
    """KORTISTO_TENANT_CACHE_SECONDS: how long a host→tenant mapping is cached in a process."""
    attachment_max_bytes: int = 25 * 1024 * 1024
    """KORTISTO_ATTACHMENT_MAX_MB: largest attachment accepted, in megabytes (MiB)."""
    hetu_key: Secret = field(default_factory=lambda: Secret(""))
    """KORTISTO_HETU_KEY: master key of personal identity codes (per-tenant keys are derived
    from it); required in production before a register can enable codes."""
    attachment_orphan_grace_minutes: int = 60
    """KORTISTO_ATTACHMENT_ORPHAN_GRACE_MINUTES: an object under attachments/ that no row
    references is removed by the hourly sweep once it is this old (uploads in flight are
    younger)."""
    private_fetch_allow: tuple[str, ...] = ()
    """KORTISTO_PRIVATE_FETCH_ALLOW: host:port pairs (comma-separated) our server may fetch
    from although they are not public addresses: local fake services in tests only. Empty by
    default; refused in production (core.public_fetch)."""

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def external_services(self) -> bool:
        """True when all servers are given, so nothing embedded is started."""
        return bool(self.database.url and self.redis_url and self.object_store.endpoint)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from `environ` (default: the process environment)."""
    env = os.environ if environ is None else environ
    get = env.get
    kortisto_env = get("KORTISTO_ENV", "development").strip().lower()
    if kortisto_env not in {"development", "test", "production"}:
        raise SettingsError(
            f"KORTISTO_ENV must be development, test or production, got {kortisto_env!r}"
        )
    secret_key = Secret(get("KORTISTO_SECRET_KEY", ""))
    if kortisto_env == "production" and len(secret_key) < 32:
        raise SettingsError(
            "KORTISTO_SECRET_KEY must be set to at least 32 characters in production"
        )
    hetu_key = Secret(get("KORTISTO_HETU_KEY", ""))
    if hetu_key and len(hetu_key) < 32:
        raise SettingsError("KORTISTO_HETU_KEY must be at least 32 characters")
    private_fetch_allow = tuple(
        p for p in get("KORTISTO_PRIVATE_FETCH_ALLOW", "").replace(",", " ").split() if p
    )
    if kortisto_env == "production" and private_fetch_allow:
        raise SettingsError(
            "KORTISTO_PRIVATE_FETCH_ALLOW is for tests; leave it empty in production"
        )
    port = _int(env, "KORTISTO_PORT", 8000)
    host = get("KORTISTO_HOST", "127.0.0.1")
    database = DatabaseSettings(
        url=Secret(get("DATABASE_URL", "")),
        admin_url=Secret(get("DATABASE_ADMIN_URL", "")),
        app_role=get("DATABASE_APP_ROLE", "kortisto_app"),
        pool_max=_int(env, "KORTISTO_DB_POOL_MAX", 20),
        pool_max_queries=_int(env, "KORTISTO_DB_POOL_MAX_QUERIES", 5000),
        pool_max_idle_seconds=_float(env, "KORTISTO_DB_POOL_MAX_IDLE_SECONDS", 60),
        connect_timeout_seconds=_float(env, "KORTISTO_DB_CONNECT_TIMEOUT", 3),
        command_timeout_seconds=_float(env, "KORTISTO_DB_COMMAND_TIMEOUT", 30),
    )
    endpoint = get("S3_ENDPOINT", "")
    store = ObjectStoreSettings(
        endpoint=endpoint,
        access_key=Secret(get("S3_ACCESS_KEY", "")),
        secret_key=Secret(get("S3_SECRET_KEY", "")),
        secure=_bool(env, "S3_SECURE", False),
        region=get("S3_REGION", "us-east-1"),
        public_url=_public_s3_url(get("S3_PUBLIC_URL", "").strip()) or endpoint,
        bucket_prefix=get("KORTISTO_BUCKET_PREFIX", "kortisto-"),
    )
    web = WebSettings(
        host=host,
        port=port,
        public_url=get("KORTISTO_PUBLIC_URL", f"http://{host}:{port}"),
        secret_key=secret_key,
        workers=_int(env, "KORTISTO_WEB_WORKERS", 1),
    )
    return Settings(
        env=kortisto_env,
        data_dir=Path(get("KORTISTO_DATA_DIR", ".kortisto")).absolute(),
        database=database,
        redis_url=Secret(get("REDIS_URL", "")),
        object_store=store,
        web=web,
        jobs_heartbeat_ms=_int(env, "KORTISTO_JOBS_HEARTBEAT_MS", 60_000),
        jobs_maintenance_chance=_int(env, "KORTISTO_JOBS_MAINTENANCE_CHANCE", 1000),
        log_level=get("KORTISTO_LOG_LEVEL", "INFO").upper(),
        tenant_cache_seconds=_float(env, "KORTISTO_TENANT_CACHE_SECONDS", 2),
        attachment_max_bytes=_int(env, "KORTISTO_ATTACHMENT_MAX_MB", 25) * 1024 * 1024,
        attachment_orphan_grace_minutes=_int(env, "KORTISTO_ATTACHMENT_ORPHAN_GRACE_MINUTES", 60),
        hetu_key=hetu_key,
        private_fetch_allow=private_fetch_allow,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return load_settings()


def reset_settings_cache() -> None:
    """Forget cached settings (after the embedded stack exported its URLs)."""
    get_settings.cache_clear()
