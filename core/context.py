"""The tenant the current task works for.

Core code reads it; only `tenants.scope` binds it (inside the transaction that also switched the
database role and search_path), so core never decides on its own which tenant it serves.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TenantInfo:
    slug: str
    name: str
    schema: str
    role: str
    bucket: str


class NoTenantError(RuntimeError):
    """Tenant data was asked for outside a tenant scope."""


_current: contextvars.ContextVar[TenantInfo | None] = contextvars.ContextVar(
    "kortisto_tenant", default=None
)


def current_tenant() -> TenantInfo:
    tenant = _current.get()
    if tenant is None:
        raise NoTenantError("no tenant scope is open")
    return tenant


def current_tenant_or_none() -> TenantInfo | None:
    return _current.get()


def bind_tenant(tenant: TenantInfo | None) -> contextvars.Token:
    """For `tenants.scope` only: bind the tenant its transaction has switched to."""
    return _current.set(tenant)


def unbind_tenant(token: contextvars.Token) -> None:
    _current.reset(token)


@dataclass(slots=True)
class ScopeState:
    """Per-scope facts core records for the scope to act on after commit."""

    outbox_written: bool = False
    # Best-effort work for after a successful commit (e.g. removing a deleted row's object);
    # whatever must happen for sure goes through the outbox instead.
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Set for a READ ONLY scope (break-glass): runs the given work in a separate short write
    # transaction of the same tenant, for the few rows a read itself must leave (its audit).
    write_elsewhere: Callable[[Callable[[], Awaitable[None]]], Awaitable[None]] | None = None
    # The tenant's enabled plugins and their options, read once per scope (core.plugin_settings):
    # a page with ten embeds asks the plugin host ten times.
    plugin_options: dict[str, dict] | None = None


_scope_state: contextvars.ContextVar[ScopeState | None] = contextvars.ContextVar(
    "kortisto_scope_state", default=None
)


def scope_state() -> ScopeState:
    state = _scope_state.get()
    if state is None:
        raise NoTenantError("no tenant scope is open")
    return state


def bind_scope_state(state: ScopeState) -> contextvars.Token:
    """For `tenants.scope` only."""
    return _scope_state.set(state)


def unbind_scope_state(token: contextvars.Token) -> None:
    _scope_state.reset(token)
