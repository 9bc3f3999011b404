"""The job broker: Dramatiq on Redis/Valkey, with async actors and a poison-message guard.

Actors are built by `register_actor` at start-up (no import-time broker), take the tenant as an
argument and must be idempotent: delivery is at-least-once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AsyncIO, CurrentMessage, Middleware, SkipMessage

log = logging.getLogger("kortisto.jobs")

DEFAULT_QUEUE = "default"
MAX_DELIVERIES = 5


class DeliveryGuard(Middleware):
    """Quarantine a message that keeps killing workers.

    A message that SIGKILLs its worker comes back without counting as a retry; counting every
    delivery in Redis catches it. Past `max_deliveries` the message goes to the dead-letter
    queue instead of taking the next worker down.
    """

    def __init__(self, client: redis.Redis, max_deliveries: int = MAX_DELIVERIES) -> None:
        self.client = client
        self.max_deliveries = max_deliveries

    def before_process_message(self, broker, message) -> None:
        key = f"kortisto:deliveries:{message.message_id}"
        count = self.client.incr(key)
        self.client.expire(key, 7 * 24 * 3600)
        if count > self.max_deliveries:
            log.error(
                "quarantined message %s (%s) after %d deliveries",
                message.message_id,
                message.actor_name,
                count - 1,
            )
            message.fail()
            raise SkipMessage()

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        if exception is None:
            self.client.delete(f"kortisto:deliveries:{message.message_id}")


_broker: dramatiq.Broker | None = None


def build_broker(
    redis_url: str, *, heartbeat_timeout_ms: int = 60_000, maintenance_chance: int = 1000
) -> RedisBroker:
    """A Redis broker with the AsyncIO and CurrentMessage middleware and the delivery guard.

    It becomes the process's broker (`configured_broker()`).
    """
    global _broker
    broker = RedisBroker(
        url=redis_url,
        heartbeat_timeout=heartbeat_timeout_ms,
        maintenance_chance=maintenance_chance,
    )
    broker.add_middleware(AsyncIO())
    broker.add_middleware(CurrentMessage())
    broker.add_middleware(DeliveryGuard(broker.client))
    dramatiq.set_broker(broker)
    _broker = broker
    return broker


def configured_broker() -> dramatiq.Broker | None:
    """The broker `build_broker` made in this process, or None (never Dramatiq's default)."""
    return _broker


def register_actor(
    broker: dramatiq.Broker,
    fn: Callable[..., Any],
    *,
    name: str,
    queue: str = DEFAULT_QUEUE,
    max_retries: int = 5,
    time_limit_ms: int = 30 * 60_000,
) -> dramatiq.Actor:
    """Register `fn` as actor `name` on `broker` (idempotent per broker)."""
    if name in broker.actors:
        return broker.get_actor(name)
    return dramatiq.Actor(
        fn,
        broker=broker,
        actor_name=name,
        queue_name=queue,
        priority=0,
        options={"max_retries": max_retries, "time_limit": time_limit_ms},
    )


def make_message(
    actor_name: str, kwargs: dict[str, Any], *, message_id: str, queue: str = DEFAULT_QUEUE
) -> dramatiq.Message:
    """A message for an actor known only by name, with a chosen id (for idempotency)."""
    return dramatiq.Message(
        queue_name=queue,
        actor_name=actor_name,
        args=(),
        kwargs=kwargs,
        options={},
        message_id=message_id,
    )


def current_message_id() -> str | None:
    message = CurrentMessage.get_current_message()
    return message.message_id if message is not None else None


def broker_from_settings(settings: Any) -> RedisBroker:
    return build_broker(
        settings.redis_url.reveal(),
        heartbeat_timeout_ms=settings.jobs_heartbeat_ms,
        maintenance_chance=settings.jobs_maintenance_chance,
    )
