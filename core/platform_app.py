"""Piccolo app `platform`: the tenant catalog in schema `platform`, migrated once."""

import os

from piccolo.conf.apps import AppConfig

from core.tables.platform import Tenant, TenantDomain

APP_CONFIG = AppConfig(
    app_name="platform",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "platform_migrations"),
    table_classes=[Tenant, TenantDomain],
    migration_dependencies=[],
    commands=[],
)
