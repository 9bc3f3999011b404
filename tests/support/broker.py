"""A clean Dramatiq broker state for tests that run jobs.

`broker.flush_all()` empties only the queues and the acknowledgement set of the broker calling
it. A worker of an earlier test leaves its unacknowledged messages under its own broker id, and
Redis maintenance puts them back on the queue later — into another test. Removing every
Dramatiq key leaves nothing to come back.
"""

import dramatiq


def reset_broker(broker: dramatiq.Broker) -> None:
    client = broker.client  # type: ignore[attr-defined]
    keys = list(client.scan_iter(match="dramatiq:*", count=1000))
    if keys:
        client.delete(*keys)
