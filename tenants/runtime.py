"""Getting a process ready: settings, the embedded stack when no servers are given, the engine."""

from __future__ import annotations

import logging
import os

import structlog

from core import plugin_host
from core.db import configure_from_settings
from core.settings import Settings, get_settings, reset_settings_cache
from tenants import plugin_allowances
from tenants.embedded_stack import EmbeddedStack


class RuntimeSetupError(RuntimeError):
    """The process cannot find its servers; the message says what to do."""


def prepare(*, start_stack: bool = False) -> Settings:
    """Settings with server URLs filled in and the database engine configured.

    With DATABASE_URL, REDIS_URL and S3_ENDPOINT set, those servers are used and nothing
    embedded starts. Otherwise (never in production) the embedded stack under the data folder
    is used: started when `start_stack`, else it must already be running.
    """
    settings = get_settings()
    if not settings.external_services:
        if settings.is_production:
            raise RuntimeSetupError(
                "KORTISTO_ENV=production needs DATABASE_URL, REDIS_URL and S3_ENDPOINT "
                "(see deploy/env.example)"
            )
        stack = EmbeddedStack(settings.data_dir)
        if start_stack:
            stack.up()
        elif not all(stack.status().values()):
            raise RuntimeSetupError(
                "the embedded servers are not running: start them with `kortisto stack up` "
                "(or use `make run`), or set DATABASE_URL, REDIS_URL and S3_ENDPOINT"
            )
        for key, value in stack.environment().items():
            os.environ.setdefault(key, value)
        reset_settings_cache()
        settings = get_settings()
    configure_from_settings(settings)
    configure_logging(settings.log_level)
    # Plugins: installed ones found through entry points; a hook that does not exist stops
    # the process here (check_pending), not at the first call.
    plugin_allowances.install()
    plugin_host.start()
    return settings


def configure_logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, level, logging.INFO), format="%(message)s")
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level, logging.INFO)),
    )
