"""A test-only tenant job that can be killed half-way, loaded with `kortisto worker --actors`.

The first delivery marks itself started (a file) and then waits inside its transaction, after
writing its effect, so SIGKILL lands between effect and commit. Later deliveries finish at once.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

from core.db import DB
from core.jobs import register_actor
from tenants.actors import _actor_for

NAME = "test.slow_effect"


async def slow_effect(marker: str, started_file: str) -> None:
    await DB.current_connection().execute(
        "INSERT INTO organization (id, name, created_at, updated_at) VALUES ($1, $2, now(), now())",
        uuid.uuid4(),
        marker,
    )
    started = Path(started_file)
    if not started.exists():
        started.write_text(str(os.getpid()))
        await asyncio.sleep(120)


def register_actors(broker) -> None:
    register_actor(broker, _actor_for(NAME, slow_effect), name=NAME, max_retries=0)
