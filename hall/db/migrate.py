"""The database's schema and the code's: Alembic migrations, and what a hall does when they differ.

- `upgrade(db)` brings any database to the newest schema (`motcua migrate`, `motcua run`).
- `ensure(db)` is what every other start does: an empty database gets the schema (a hall's first start); a
  database the code has moved past is refused with `SchemaBehind`, naming the command to run — an upgrade
  changes the data a hall holds, so it is a step the operator takes (after a backup), not a side effect of a
  restart; a database migrated by a newer version is refused with `SchemaAhead`.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

HERE = Path(__file__).resolve().parent / "migrations"


class SchemaError(Exception):
    """The database's schema is not the one this version of the code works with."""

    def __init__(self, at: Optional[str], needed: str):
        self.at, self.needed = at, needed
        super().__init__(self.explain())

    def explain(self, migrate: str = "motcua migrate") -> str:
        raise NotImplementedError


class SchemaBehind(SchemaError):
    def explain(self, migrate: str = "motcua migrate") -> str:
        at = self.at or "none (tables without a migration record)"
        return (f"the database is at schema {at}, this version of Một Cửa needs {self.needed}: back it up, "
                f"then run `{migrate}`")


class SchemaAhead(SchemaError):
    def explain(self, migrate: str = "motcua migrate") -> str:
        return (f"the database is at schema {self.at}, newer than this version of Một Cửa knows (its newest is "
                f"{self.needed}): run the version that migrated it")


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@functools.cache
def head() -> str:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(s.revision for s in ScriptDirectory.from_config(alembic_config("")).walk_revisions())


def revision(connection) -> Optional[str]:
    """The revision the database is at; None if it has never been migrated."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(db, target: str = "head") -> tuple[Optional[str], str]:
    """Run pending migrations under the hall's write lock, so two servers starting at once don't collide.
    Returns (the revision before, the revision now)."""
    cfg = alembic_config(db.url)
    with db.write_lock, db.writer.begin() as connection:
        db.lock_hall(connection)
        before = revision(connection)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, target)
        return before, revision(connection)


def ensure(db) -> None:
    """Start on this database: at the newest schema, nothing to do (one small read); empty, the schema is created;
    otherwise SchemaBehind / SchemaAhead with a one-line message."""
    with db.reader.connect() as connection:
        if revision(connection) == head():
            return
    with db.write_lock, db.writer.begin() as connection:
        db.lock_hall(connection)  # another server may be creating the schema right now: decide after it has
        at = revision(connection)
        if at is None and not inspect(connection).get_table_names():
            cfg = alembic_config(db.url)
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
            return
    if at == head():
        return
    if at is not None and at not in _known():
        raise SchemaAhead(at, head())
    raise SchemaBehind(at, head())
