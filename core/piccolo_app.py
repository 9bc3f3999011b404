"""Piccolo app `register`: the tables every tenant schema holds, and their migrations."""

import os

from piccolo.conf.apps import AppConfig

from core.tables import TENANT_TABLES

APP_CONFIG = AppConfig(
    app_name="register",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=list(TENANT_TABLES),
    migration_dependencies=[],
    commands=[],
)
