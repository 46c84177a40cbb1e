"""The database's schema and the code's (hall/db/migrate.py, hall/bootstrap.py): an empty database gets the schema;
one behind the code is refused — by the bootstrap, by `motcua serve` and every other command, with one line naming
the command to run — until `motcua migrate` brings it up to date; `motcua run` migrates first; a database from a
newer version is refused, not touched."""
from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from sqlalchemy import text

from conftest import ROOT, _reachable, free_port, open_config, wait_for
from hall.bootstrap import bootstrap
from hall.db.database import Database
from hall.db.migrate import SchemaAhead, SchemaBehind, head, revision, upgrade

HEAD = head()
OLDER = "0002"


def motcua(*args, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hall", *map(str, args)], input=stdin, capture_output=True,
                          text=True, cwd=str(ROOT), timeout=60)


def database_at(url: str, target: str) -> None:
    db = Database(url)
    upgrade(db, target)
    db.dispose()


def stamped(url: str, rev: str) -> None:
    """A database whose migration record says `rev` (as a newer version of Một Cửa would leave it)."""
    db = Database(url)
    upgrade(db)
    with db.writer.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": rev})
    db.dispose()


def at(url: str):
    db = Database(url)
    with db.reader.connect() as conn:
        found = revision(conn)
    db.dispose()
    return found


def test_an_empty_database_gets_the_schema(cfg, clock, tmp_path):
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    hall = bootstrap(cfg, db_url=url, clock=clock)
    assert at(url) == HEAD and hall.issue_ticket("KHDT.DN")["number"] == "K001"
    hall.db.dispose()
    again = bootstrap(cfg, db_url=url, clock=clock)  # at the newest schema: used as it is
    assert again.issue_ticket("KHDT.DN")["number"] == "K002"
    again.db.dispose()


def test_a_database_behind_the_code_is_refused_until_migrated(cfg, clock, tmp_path):
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    database_at(url, OLDER)
    with pytest.raises(SchemaBehind) as refused:
        bootstrap(cfg, db_url=url, clock=clock)
    assert (refused.value.at, refused.value.needed) == (OLDER, HEAD)
    assert str(refused.value) == (f"the database is at schema {OLDER}, this version of Một Cửa needs {HEAD}: "
                                  "back it up, then run `motcua migrate`")
    assert at(url) == OLDER  # untouched
    hall = bootstrap(cfg, db_url=url, clock=clock, migrate=True)
    assert at(url) == HEAD and hall.issue_ticket("KHDT.DN")["number"] == "K001"
    hall.db.dispose()


def test_a_database_from_a_newer_version_is_refused(cfg, clock, tmp_path):
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    stamped(url, "f00d")
    with pytest.raises(SchemaAhead, match="newer than this version of Một Cửa knows"):
        bootstrap(cfg, db_url=url, clock=clock)
    assert at(url) == "f00d"


@pytest.mark.slow  # runs `motcua` in new processes (the fast ring's budget: docs/testing.md)
def test_serve_refuses_a_database_behind_the_code_and_migrate_brings_it_up(tmp_path):
    config = open_config(tmp_path)
    url = f"sqlite:///{tmp_path / 'data' / 'motcua.db'}"
    database_at(url, OLDER)
    refusal = (f"error: the database is at schema {OLDER}, this version of Một Cửa needs {HEAD}: back it up, then "
               f"run `motcua migrate --config {config}`\n")
    port = free_port()
    serve = motcua("serve", "--config", config, "--port", port)
    assert (serve.returncode, serve.stdout, serve.stderr) == (2, "", refusal)
    assert not _reachable("127.0.0.1", port)
    user_add = motcua("user", "add", "lan", "--role", "clerk", "--config", config, stdin="matkhau123\n")
    assert (user_add.returncode, user_add.stdout, user_add.stderr) == (2, "", refusal)
    assert at(url) == OLDER

    migrated = motcua("migrate", "--config", config)
    assert (migrated.returncode, migrated.stderr) == (0, "")
    assert migrated.stdout == f"migrated the database from schema {OLDER} to {HEAD}: {url}\n"
    again = motcua("migrate", "--config", config)
    assert (again.returncode, again.stdout) == (0, f"the database is at the newest schema ({HEAD}): {url}\n")
    user_add = motcua("user", "add", "lan", "--role", "clerk", "--config", config, stdin="matkhau123\n")
    assert (user_add.returncode, user_add.stdout) == (0, "added clerk 'lan'\n"), user_add.stderr


@pytest.mark.slow  # runs `motcua` in new processes (the fast ring's budget: docs/testing.md)
def test_commands_refuse_a_database_from_a_newer_version_without_a_traceback(tmp_path):
    config = open_config(tmp_path)
    url = f"sqlite:///{tmp_path / 'data' / 'motcua.db'}"
    stamped(url, "f00d")
    serve = motcua("serve", "--config", config, "--port", free_port())
    assert serve.returncode == 2 and serve.stderr == (
        f"error: the database is at schema f00d, newer than this version of Một Cửa knows (its newest is {HEAD}): "
        "run the version that migrated it\n")
    migrate = motcua("migrate", "--config", config)
    assert migrate.returncode == 2 and migrate.stderr.startswith(f"error: {url}: ") and "f00d" in migrate.stderr
    assert "Traceback" not in serve.stderr + migrate.stderr and at(url) == "f00d"


@pytest.mark.slow  # runs `motcua` in new processes (the fast ring's budget: docs/testing.md)
def test_migrate_creates_a_new_database_and_the_command_line_needs_no_web_server(tmp_path):
    config = open_config(tmp_path)
    url = f"sqlite:///{tmp_path / 'data' / 'motcua.db'}"
    migrated = motcua("migrate", "--config", config)
    assert (migrated.returncode, migrated.stdout) == (0, f"migrated the database from schema none to {HEAD}: {url}\n")
    script = ("import sys; from hall.cli import main\n"
              "try: main(['user', 'add', 'lan', '--role', 'clerk', '--password', 'matkhau123', '--config', sys.argv[1]])\n"
              "except SystemExit as exc: assert exc.code in (0, None), exc.code\n"
              "print(sorted(m for m in ('flask', 'flask_socketio', 'socketio', 'engineio') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", script, str(config)], capture_output=True, text=True, cwd=str(ROOT),
                         timeout=60)
    assert run.returncode == 0 and run.stdout == "added clerk 'lan'\n[]\n", run.stderr


@pytest.mark.live
def test_run_migrates_the_database_first(tmp_path):
    """`motcua run` (what `make run` starts) on a database behind the code: migrated, then the hall serves."""
    config = open_config(tmp_path)
    url = f"sqlite:///{tmp_path / 'data' / 'motcua.db'}"
    database_at(url, OLDER)
    port, log = free_port(), tmp_path / "run.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "hall", "run", "--config", str(config), "--port", str(port),
                                 "--no-screens"], cwd=str(ROOT), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: proc.poll() is not None or _reachable("127.0.0.1", port), 60, "the hall to serve")
        assert proc.poll() is None, log.read_text()
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C: run stops the server it started
        proc.wait(30)
    assert f"migrated the database from schema {OLDER} to {HEAD}: {url}" in log.read_text()
    assert at(url) == HEAD
