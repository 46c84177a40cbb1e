"""Engines for the embedded SQLite (WAL) or any SQLAlchemy URL, and the hall-wide write lock.

Every change to the queue runs in one write transaction at a time for the whole hall:
- in one process, threads queue on a Python lock (cheaper than SQLite's busy-wait);
- across processes and hosts, the database itself serialises them: SQLite's `BEGIN IMMEDIATE` write lock,
  PostgreSQL's transaction-scoped advisory lock.
So numbers never repeat and a citizen is never given to two counters, and the realtime sequence numbers (the
visit log's ids) are committed in order.
"""
from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import create_engine, event, func, insert, select, text
from sqlalchemy.engine import Engine

HALL_LOCK_KEY = 0x6D6F7463  # "motc"


class Database:
    def __init__(self, url: str, synchronous: str = "full", pool_size: int = 10):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.write_lock = threading.RLock()
        if self.is_sqlite:
            self.writer = _sqlite_engine(url, synchronous, immediate=True)
            self.reader = _sqlite_engine(url, synchronous, immediate=False)
        else:
            self.writer = create_engine(url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)
            self.reader = self.writer

    def lock_hall(self, connection):
        """Called at the start of every write transaction."""
        if not self.is_sqlite and connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": HALL_LOCK_KEY})

    def insert_rows(self, connection, table, rows: list[dict]) -> list[int]:
        """Insert rows in one go and return their new ids in the rows' order. Called under the hall lock.

        PostgreSQL batches an INSERT … RETURNING that keeps the order. SQLite can't say which RETURNING row
        belongs to which parameter set, so SQLAlchemy would fall back to one INSERT per row; instead the ids are
        given here — the hall lock (BEGIN IMMEDIATE) makes this the only writer, so the next ids are free."""
        if not rows:
            return []
        ident = table.c.id
        if not self.is_sqlite:
            stored = connection.execute(insert(table).returning(ident, sort_by_parameter_order=True), rows)
            return [row[0] for row in stored]
        last = connection.execute(select(func.max(ident))).scalar() or 0
        ids = list(range(last + 1, last + 1 + len(rows)))
        connection.execute(insert(table), [{**row, "id": i} for row, i in zip(rows, ids)])
        return ids

    def dispose(self):
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


def _sqlite_engine(url: str, synchronous: str, immediate: bool) -> Engine:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
