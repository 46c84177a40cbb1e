"""Alembic migrations, applied on start: `upgrade(db)` brings any database to the newest schema."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

HERE = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(db, revision: str = "head") -> None:
    """Run pending migrations under the hall's write lock, so two servers starting at once don't collide."""
    cfg = alembic_config(db.url)
    with db.write_lock, db.writer.begin() as connection:
        db.lock_hall(connection)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
