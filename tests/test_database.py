"""Database.insert_rows: a batch of tickets or visit-log events stored in one go, their ids back in the rows' order —
on SQLite (ids given under the hall lock) and PostgreSQL (INSERT … RETURNING, sorted)."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from hall.db import tables
from hall.db.database import Database
from hall.db.migrate import upgrade


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'hall.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    database = Database(url)
    upgrade(database)
    yield database
    database.dispose()


def event(kind, n):
    return {"at": datetime(2026, 11, 26, 2, 0, n, tzinfo=timezone.utc), "kind": kind, "ticket_id": None,
            "visit_id": None, "service": None, "counter": n, "clerk": None, "data": {"n": n}}


def test_ids_come_back_in_the_rows_order_and_follow_what_is_there(db):
    with db.writer.begin() as conn:
        db.lock_hall(conn)
        first = db.insert_rows(conn, tables.events, [event("a", i) for i in range(3)])
    with db.writer.begin() as conn:
        db.lock_hall(conn)
        conn.execute(tables.events.insert().values(**event("single", 9)))  # a row stored the ordinary way
        second = db.insert_rows(conn, tables.events, [event("b", i) for i in range(5)])
        assert db.insert_rows(conn, tables.events, []) == []
    with db.reader.connect() as conn:
        stored = {row.id: (row.kind, row.counter) for row in conn.execute(select(tables.events))}
    assert first == sorted(first) and second == sorted(second) and first[-1] < second[0]
    assert [stored[i] for i in first] == [("a", i) for i in range(3)]
    assert [stored[i] for i in second] == [("b", i) for i in range(5)]
    assert len(stored) == 9
    with db.writer.begin() as conn:  # and the database's own numbering carries on after them
        new_id = conn.execute(tables.events.insert().values(**event("after", 0))).inserted_primary_key[0]
    assert new_id > second[-1]


def test_the_migrations_build_exactly_the_schema_the_code_declares(db):
    """hall/db/tables.py and the Alembic migrations must not drift apart (a new index or column needs its migration)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    with db.writer.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    assert diffs == []
