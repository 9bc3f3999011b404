"""Piccolo app `platform`: the tenant catalog, operators and their audit in schema `platform`,
migrated once."""

import os

from piccolo.conf.apps import AppConfig

from core.tables.platform import (
    BreakGlassGrant,
    Operator,
    PlatformAudit,
    Tenant,
    TenantDomain,
    TenantPluginAllowance,
)

APP_CONFIG = AppConfig(
    app_name="platform",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "platform_migrations"),
    table_classes=[
        Tenant,
        TenantDomain,
        Operator,
        PlatformAudit,
        BreakGlassGrant,
        TenantPluginAllowance,
    ],
    migration_dependencies=[],
    commands=[],
)
