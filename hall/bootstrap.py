"""The composition root: the hall built once, from its config, with everything it uses — the database, a factory
of units of work over it, the clock, the publisher — for the server (hall/app.py), the command line
(hall/cli.py) and the tests alike. No Flask and no Socket.IO here: the server wraps the hall it is given, and
points the publisher at its Socket.IO server (realtime.attach).

    hall = bootstrap()                                   # config.yaml, its database, the real clock
    hall = bootstrap(cfg, db_url=..., clock=FixedClock(...), publish=Publisher(sent.extend))   # tests
    hall = bootstrap(config_path=path, migrate=True)     # `motcua migrate`: bring the database up to date

The database's schema: an empty database gets it; one behind the code is refused (hall/db/migrate.py:
SchemaBehind, naming `motcua migrate`) unless `migrate=True`.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable, Optional

from .clock import Clock
from .config import Config, database_url, default_config_path, load_config
from .db.database import Database
from .db.migrate import ensure, upgrade
from .db.tables import start_mappers
from .db.uow import UnitOfWork
from .operations import Hall
from .publishing import Publisher


def bootstrap(cfg: Optional[Config] = None, *, config_path: Optional[str] = None, db_url: Optional[str] = None,
              clock: Optional[Clock] = None, publish: Optional[Callable[[list], None]] = None,
              catalogue=None, migrate: bool = False) -> Hall:
    """The hall; `catalogue` is a parsed procedure catalogue to use instead of reading the file the config names
    (tests share one)."""
    config_path = config_path or default_config_path()
    cfg = cfg or load_config(config_path)
    catalogue = catalogue if catalogue is not None else _catalogue(cfg, Path(config_path).resolve().parent)
    start_mappers()
    db = open_database(cfg, config_path, db_url)
    try:
        upgrade(db) if migrate else ensure(db)
    except BaseException:
        db.dispose()
        raise
    return Hall(cfg, clock=clock or Clock(cfg.centre.timezone), unit_of_work=functools.partial(UnitOfWork, db),
                publish=publish if isinstance(publish, Publisher) else Publisher(publish), db=db,
                catalogue=catalogue, config_path=config_path)


def open_database(cfg: Config, config_path: Optional[str] = None, db_url: Optional[str] = None) -> Database:
    """The hall's database: db_url, else MOTCUA_DATABASE_URL, the config's URL, or SQLite in the data folder."""
    base = Path(config_path or default_config_path()).resolve().parent
    return Database(db_url or database_url(cfg, base), cfg.storage.sqlite_synchronous)


def _catalogue(cfg: Config, base: Path):
    """The procedure catalogue config.yaml names, if it is there (a broken one is a ConfigError)."""
    path = base / cfg.catalogue
    if not path.exists():
        return None
    from .catalogue import load_catalogue
    return load_catalogue(str(path), cfg)
