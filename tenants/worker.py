"""`kortisto worker`: a Dramatiq worker in this process, stopped cleanly by SIGTERM/SIGINT."""

from __future__ import annotations

import importlib
import logging
import signal
import threading

from dramatiq import Worker

from core.jobs import broker_from_settings
from core.settings import Settings
from tenants.actors import register_actors

log = logging.getLogger("kortisto.worker")


def run_worker(settings: Settings, *, threads: int = 4, extra_modules: list[str] = ()) -> None:
    broker = broker_from_settings(settings)
    register_actors(broker)
    for name in extra_modules:
        importlib.import_module(name).register_actors(broker)
    worker = Worker(broker, worker_threads=threads, worker_timeout=250)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker.start()
    log.info("worker started: %d threads, actors: %s", threads, ", ".join(sorted(broker.actors)))
    print(f"worker ready ({len(broker.actors)} actors)", flush=True)
    stop.wait()
    log.info("worker stopping")
    worker.stop(timeout=30_000)
    broker.close()
