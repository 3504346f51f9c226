"""Alembic environment for softstep's database.

softstep runs it programmatically (softstep.store.db.migrate passes an open connection in
``config.attributes["connection"]``). Developers can also run the alembic command from the
repository root, against $SOFTSTEP_DB or the default database:

    alembic -c softstep/store/alembic.ini revision --autogenerate -m "add foo_s to records"
"""

from __future__ import annotations

from alembic import context

from softstep.store.db import VERSION_TABLE, create_engine, resolve_url
from softstep.store.schema import UtcDateTime, metadata

config = context.config
PG_MIGRATION_LOCK = 0x50F7573E  # arbitrary constant: softstep's migration lock id
if config.config_file_name is not None and config.attributes.get("connection") is None:
    from logging.config import fileConfig

    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _render_item(type_: str, obj, autogen_context):
    """Render softstep's column types as plain SQLAlchemy ones, so migrations stay frozen."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        compare_type=True,
        render_as_batch=sqlite,  # SQLite cannot ALTER most things: copy-and-move tables
        transactional_ddl=True,  # one transaction per upgrade; SQLite DDL is transactional
        render_item=_render_item,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or resolve_url(),
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or resolve_url())
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        # One migrator at a time: the others wait here, then find the schema already at head.
        # SQLite gets this from BEGIN IMMEDIATE (softstep.store.db); PostgreSQL from a lock
        # held until the transaction ends.
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
