"""Piccolo's configuration: our engine and the apps whose tables and migrations it manages."""

from piccolo.conf.apps import AppRegistry

from core.db import DB

__all__ = ["DB", "APP_REGISTRY"]

APP_REGISTRY = AppRegistry(apps=["core.piccolo_app", "core.platform_app"])
