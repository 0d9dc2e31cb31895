"""The database's schema: Alembic migrations for every package's tables, run with
``upgrade``/``downgrade`` (``tvcolumn db upgrade``) and read with ``current``.

Migrations belong to the database, not to one interface: the CLI runs them, the
web and the scheduler service only check the revision they find.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).parent


def ours(name: str | None, type_: str, _parents: object) -> bool:
    """Whether autogenerate compares a table: not the task engine's (procrastinate's schema is
    installed whole by migration 0022, docs/decisions/0008), every other one."""
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # set_main_option interpolates '%' (percent-encoded sockets and passwords): escape it.
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """One transaction for the whole migration.

    On SQLite, a migration that changes a table rebuilds it (Alembic's batch
    mode: copy, drop, rename); with foreign keys enforced, dropping a table
    other rows refer to fails. They are switched off for the migration (only
    possible outside a transaction) and every reference is checked before the
    commit, as SQLite's documentation prescribes for schema changes.
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            yield connection
        return
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with connection.begin():
                yield connection
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the migration left references to nothing: {broken[:5]}")
        finally:
            raw.execute("PRAGMA foreign_keys = ON")


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine)
    with _migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with _migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
