from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey

ID = "2026-11-22T05:32:02:700355"
VERSION = "1.38.0"
DESCRIPTION = "index foreign keys of cards"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="register", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Person",
        tablename="person",
        column_name="organization",
        db_column_name="organization",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="PersonEmail",
        tablename="person_email",
        column_name="person",
        db_column_name="person",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="PersonPhone",
        tablename="person_phone",
        column_name="person",
        db_column_name="person",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Employment",
        tablename="employment",
        column_name="person",
        db_column_name="person",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Employment",
        tablename="employment",
        column_name="organization",
        db_column_name="organization",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    return manager
