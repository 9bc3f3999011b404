"""The one database engine: Piccolo's PostgresEngine with pools per event loop and purpose.

Why a subclass:
- asyncpg pools belong to one event loop; Dramatiq's async actors run on their own loop thread,
  and sharing the web loop's pool crashed. Pools are therefore keyed by the running loop.
- Two purposes: `runtime` connects as the non-owner login role (web, worker, scheduler);
  `admin` connects as the owner role for migrations and provisioning. Which one a transaction
  uses is chosen with `as_admin()`.
- Every query must run inside a transaction. Outside one, the engine raises
  `OutsideTransactionError` instead of silently borrowing a pooled connection whose
  search_path and role are not a tenant's.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
from asyncpg.transaction import TransactionState
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction

from core.pool_access import PoolGate, no_reset, release


class OutsideTransactionError(RuntimeError):
    """A query ran outside any transaction (and so outside any tenant scope)."""


class DatabaseNotConfiguredError(RuntimeError):
    """The engine was used before `configure()` gave it a DSN for the purpose."""


class DatabaseUnavailableError(RuntimeError):
    """PostgreSQL could not be reached (down, restarting, or refusing connections)."""


RUNTIME = "runtime"
ADMIN = "admin"

_purpose: contextvars.ContextVar[str] = contextvars.ContextVar(
    "kortisto_db_purpose", default=RUNTIME
)

# Errors that mean "the server is not there right now" rather than "your SQL is wrong".
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    ConnectionError,
    asyncio.TimeoutError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.InternalClientError,
)


@dataclass(frozen=True)
class PoolOptions:
    max_size: int = 10
    max_queries: int = 5000
    max_inactive_seconds: float = 60.0
    connect_timeout: float = 3.0
    command_timeout: float = 30.0


class ScopedTransaction(PostgresTransaction):
    """A Piccolo transaction that takes its connection from the pool of the current loop.

    `begin_sql`, when set, is sent in the same round trip as BEGIN (simple-query protocol, so
    it must not contain user input: the tenant scope uses it with validated identifiers).
    """

    begin_sql: str = ""
    pool: asyncpg.Pool  # the pool the connection came from (this loop's, this purpose's)
    gate: PoolGate  # that pool's fair queue (KortistoEngine.pool_and_gate_for_current_loop)

    async def begin(self) -> None:
        if not self.begin_sql:
            await self.transaction.start()
            return
        # What asyncpg's Transaction.start() does for a top-level transaction, with our
        # statements appended, so nested `connection.transaction()` savepoints still work.
        connection = self.transaction._connection  # the real connection behind the pool proxy
        connection._top_xact = self.transaction
        try:
            await connection.execute(f"BEGIN; {self.begin_sql}")
        except BaseException:
            connection._top_xact = None
            self.transaction._state = TransactionState.FAILED
            if connection.is_in_transaction() and not connection.is_closed():
                with contextlib.suppress(Exception):
                    await connection.execute("ROLLBACK")
            raise
        self.transaction._state = TransactionState.STARTED

    async def __aenter__(self) -> ScopedTransaction:
        if self._parent is not None:
            return self._parent
        # After a server restart the pool still holds connections that died with it; the
        # first use finds out. Discard such a connection and try one fresh one.
        for attempt in (1, 2):
            self.connection = await self.get_connection()
            try:
                self.transaction = self.connection.transaction()
                await self.begin()
                break
            except UNAVAILABLE_ERRORS as exc:
                await self.give_back(broken=True)
                if attempt == 2:
                    raise DatabaseUnavailableError(f"database unavailable: {exc}") from exc
            except BaseException:
                # e.g. begin_sql refused (a role that no longer exists): the connection is
                # fine and back outside any transaction; return it.
                await self.give_back(broken=False)
                raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def get_connection(self) -> asyncpg.Connection:
        """A connection of this loop's pool, first come first served: a slot of the pool's
        gate first (core.pool_access), then the pool always has a connection for the holder."""
        engine: KortistoEngine = self.engine  # type: ignore[assignment]
        self.pool, self.gate = await engine.pool_and_gate_for_current_loop()
        if not self.gate.try_take():  # only a full pool waits, and only a wait needs the bound
            try:
                await self.gate.take(engine.options.connect_timeout)
            except TimeoutError as exc:
                raise DatabaseUnavailableError(
                    f"database busy: no connection free within {engine.options.connect_timeout}"
                    f" s (all {engine.options.max_size} of the pool in use)"
                ) from exc
        try:
            # Never waits for another holder; opening a new connection has its own timeout
            # (create_pool's), so no acquire timeout (a task and a timer per request).
            return await self.pool.acquire()
        except BaseException as exc:
            self.gate.give()
            if isinstance(exc, UNAVAILABLE_ERRORS):
                raise DatabaseUnavailableError(f"database unavailable: {exc}") from exc
            raise

    async def give_back(self, *, broken: bool) -> None:
        """Return the connection (a broken one is replaced) and its slot."""
        engine: KortistoEngine = self.engine  # type: ignore[assignment]
        try:
            if broken or self.connection.is_closed():
                await engine.discard(self.connection)
            else:
                await release(self.pool, self.connection)
        finally:
            self.gate.give()

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        # The connection is broken if it is closed or cannot even roll back; the body's own
        # exception (which may be any OSError) does not decide that.
        broken = self.connection.is_closed()
        try:
            if exception:
                if not self._rolled_back and not broken:
                    try:
                        await self.rollback()
                    except UNAVAILABLE_ERRORS:
                        broken = True
            elif not self._committed and not self._rolled_back:
                try:
                    await self.commit()
                except UNAVAILABLE_ERRORS as exc:
                    broken = True
                    raise DatabaseUnavailableError(f"database unavailable: {exc}") from exc
        finally:
            self.engine.current_transaction.reset(self.context)
            await self.give_back(broken=broken)
        if broken and exception is not None and not isinstance(exception, DatabaseUnavailableError):
            raise DatabaseUnavailableError(f"database unavailable: {exception}") from exception
        return exception is None


class KortistoEngine(PostgresEngine):
    """PostgresEngine with loop-keyed pools, two purposes and no queries outside transactions."""

    def __init__(self) -> None:
        self._pools: dict[
            tuple[int, str], tuple[asyncio.AbstractEventLoop, asyncpg.Pool, PoolGate]
        ] = {}
        self._dsns: dict[str, str] = {}
        self.options = PoolOptions()
        super().__init__(config={})

    # Piccolo's base class connects at construction to check the version and create
    # extensions; ours is built at import time, before any DSN is known. `kortisto migrate`
    # checks the server version instead.
    async def check_version(self) -> None:
        return None

    async def prep_database(self) -> None:
        return None

    async def get_version(self) -> float:
        conn = self.current_connection()
        version = conn.get_server_version()
        return float(f"{version.major}.{version.minor}")

    # Piccolo's base class assigns `self.pool = None`; the pool is derived, so ignore that.
    @property
    def pool(self) -> asyncpg.Pool | None:  # type: ignore[override]
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        entry = self._pools.get((id(loop), _purpose.get()))
        return entry[1] if entry else None

    @pool.setter
    def pool(self, value: Any) -> None:
        pass

    def configure(
        self, *, runtime_dsn: str, admin_dsn: str = "", options: PoolOptions | None = None
    ) -> None:
        """Give the engine its DSNs. Pools are opened lazily, one per loop and purpose."""
        self._dsns = {RUNTIME: runtime_dsn}
        if admin_dsn:
            self._dsns[ADMIN] = admin_dsn
        self.options = options or PoolOptions()
        # Piccolo's own helpers (version checks) connect with `config`.
        self.config = {"dsn": runtime_dsn or admin_dsn}

    @property
    def configured(self) -> bool:
        return bool(self._dsns.get(RUNTIME) or self._dsns.get(ADMIN))

    def has_purpose(self, purpose: str) -> bool:
        return bool(self._dsns.get(purpose))

    async def pool_for_current_loop(self) -> asyncpg.Pool:
        return (await self.pool_and_gate_for_current_loop())[0]

    async def pool_and_gate_for_current_loop(self) -> tuple[asyncpg.Pool, PoolGate]:
        """This loop's pool for the current purpose and its fair queue (a semaphore of the
        pool's size, which every ScopedTransaction passes before the pool)."""
        loop = asyncio.get_running_loop()
        purpose = _purpose.get()
        key = (id(loop), purpose)
        entry = self._pools.get(key)
        if entry is not None and entry[0] is loop:
            return entry[1], entry[2]
        dsn = self._dsns.get(purpose)
        if not dsn:
            raise DatabaseNotConfiguredError(
                f"no database URL configured for {purpose!r} connections "
                f"(set {'DATABASE_ADMIN_URL' if purpose == ADMIN else 'DATABASE_URL'})"
            )
        opts = self.options
        try:
            pool = await asyncpg.create_pool(
                dsn=dsn,
                min_size=0,
                max_size=opts.max_size,
                max_queries=opts.max_queries,
                max_inactive_connection_lifetime=opts.max_inactive_seconds,
                timeout=opts.connect_timeout,
                command_timeout=opts.command_timeout,
                **({"reset": no_reset} if purpose == RUNTIME else {}),
            )
        except UNAVAILABLE_ERRORS as exc:
            raise DatabaseUnavailableError(f"database unavailable: {exc}") from exc
        gate = PoolGate(opts.max_size)
        self._pools[key] = (loop, pool, gate)
        return pool, gate

    async def discard(self, connection: asyncpg.Connection) -> None:
        """Terminate a broken connection and give its slot back to the pool.

        One dead connection usually means the server restarted and every pooled connection
        died with it, so all of them are replaced on their next acquire.
        """
        connection.terminate()
        pool = await self.pool_for_current_loop()
        with contextlib.suppress(*UNAVAILABLE_ERRORS):
            await pool.release(connection)
        await pool.expire_connections()

    async def close_pools_of_current_loop(self) -> None:
        loop = asyncio.get_running_loop()
        for key, (pool_loop, pool, _gate) in list(self._pools.items()):
            if pool_loop is loop:
                del self._pools[key]
                await pool.close()

    def forget_pools_of_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Drop pools of a loop that is gone (its connections die with it)."""
        for key, (pool_loop, pool, _gate) in list(self._pools.items()):
            if pool_loop is loop:
                del self._pools[key]
                pool.terminate()

    def transaction(self, allow_nested: bool = True) -> ScopedTransaction:
        return ScopedTransaction(engine=self, allow_nested=allow_nested)

    async def run_querystring(self, querystring, in_pool: bool = True):
        self._require_transaction(str(querystring))
        return await super().run_querystring(querystring, in_pool=in_pool)

    async def run_ddl(self, ddl: str, in_pool: bool = True):
        self._require_transaction(ddl)
        return await super().run_ddl(ddl, in_pool=in_pool)

    def _require_transaction(self, sql: str) -> None:
        if self.current_transaction.get() is None:
            raise OutsideTransactionError(
                "query outside a tenant scope or platform transaction refused: "
                + sql.strip().splitlines()[0][:120]
            )

    def current_connection(self) -> asyncpg.Connection:
        """The connection of the transaction this task runs in (for raw SQL)."""
        txn = self.current_transaction.get()
        if txn is None:
            raise OutsideTransactionError("raw SQL outside a transaction refused")
        return txn.connection


DB = KortistoEngine()


@contextlib.contextmanager
def as_admin() -> Iterator[None]:
    """Transactions opened inside use the owner (migration) role's pool."""
    token = _purpose.set(ADMIN)
    try:
        yield
    finally:
        _purpose.reset(token)


@contextlib.asynccontextmanager
async def transaction() -> AsyncIterator[asyncpg.Connection]:
    """A plain transaction for the current purpose; yields its connection for raw SQL."""
    async with DB.transaction() as txn:
        yield txn.connection


def configure_from_settings(settings: Any) -> None:
    """Point the engine at the servers named in `core.settings.Settings`."""
    db = settings.database
    DB.configure(
        runtime_dsn=db.url.reveal(),
        admin_dsn=db.admin_url.reveal(),
        options=PoolOptions(
            max_size=db.pool_max,
            max_queries=db.pool_max_queries,
            max_inactive_seconds=db.pool_max_idle_seconds,
            connect_timeout=db.connect_timeout_seconds,
            command_timeout=db.command_timeout_seconds,
        ),
    )
