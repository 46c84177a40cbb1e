"""Shared fixtures: the bundled config, an app on a fresh SQLite file with a fixed clock, signed-in clerks,
real PostgreSQL/Redis when present, a real hall server process on 127.0.0.1, a pseudo-terminal serial device,
and `wait_for`, the one way a test waits for something to happen.

Rings (docs/testing.md): `make test-fast` runs the tests marked `fast` — every test that starts no server
process, opens no browser, needs no PostgreSQL or Redis and is not marked `slow`; `make test` runs everything.
The marks follow from the fixtures a test uses (see RING_FIXTURES), so nobody has to remember them, and a test
marked fast that starts a LiveServer anyway fails and says so.

Services: on a laptop without PostgreSQL or Redis the tests that need them skip and say why; under CI (CI=true)
a missing service fails the run instead.
"""
from __future__ import annotations

import os
import select
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import tty
import uuid
from datetime import datetime
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from hall import accounts  # noqa: E402
from hall import catalogue as catalogue_module  # noqa: E402
from hall.app import create_app  # noqa: E402
from hall.catalogue import load_catalogue  # noqa: E402
from hall.clock import FixedClock  # noqa: E402
from hall.config import load_config, parse_config  # noqa: E402

PG_ADMIN_URL = os.environ.get("MOTCUA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("MOTCUA_TEST_REDIS", "redis://127.0.0.1:6379/0")
OPEN_TIME = datetime(2026, 11, 26, 9, 0)  # a Thursday morning: the hall is open


# --- rings -------------------------------------------------------------------------------------------------
SLOW_RINGS = ("live", "browser", "postgres", "redis", "slow")
RING_FIXTURES = {"live_server": "live", "make_server": "live", "browser": "browser", "open_page": "browser",
                 "pg_server": "postgres", "pg_url": "postgres", "redis_url": "redis"}
# Tests that do a lot of work on purpose — seconds of CPU each, or a new `motcua` process — go to the slow ring
# (a module, or module::test). Everything else stays under the fast ring's minute.
HEAVY = {
    "test_cli.py": "runs `motcua` in a new process each time",
    "test_report_pages.py": "plays a day, draws charts with matplotlib, runs `motcua report` in a process",
    "test_report_day.py::test_the_played_day_exercises_every_kind_of_change": "plays a whole day on SQLite",
    "test_engine.py::test_range_exhausted": "issues all 999 numbers of a service on SQLite",
    "test_install.py::test_each_part_runs_with_only_its_own_extra": "imports each part in a new Python process",
}
_running: list = [None]  # the test being set up or run, for the guard in LiveServer.start


def pytest_collection_modifyitems(config, items):
    """Mark each test by what it uses; a test with none of the slow marks is `fast`."""
    for item in items:
        where = item.nodeid.split("/")[-1]
        if where.split("::")[0] in HEAVY or "::".join(where.split("::")[:2]).split("[")[0] in HEAVY:
            item.add_marker("slow")
        for fixture in getattr(item, "fixturenames", ()):
            if fixture in RING_FIXTURES and not item.get_closest_marker(RING_FIXTURES[fixture]):
                item.add_marker(RING_FIXTURES[fixture])
        if not any(item.get_closest_marker(ring) for ring in SLOW_RINGS):
            item.add_marker("fast")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _running[0] = item
    try:
        return (yield)
    finally:
        _running[0] = None


def not_in_the_fast_ring(what: str, mark: str = "live, browser or slow") -> None:
    """Fail a `fast` test that starts a server process or a browser or needs a database service: it belongs to
    another ring (a fixture reached through request.getfixturevalue is not seen when the marks are set)."""
    node = _running[0]
    if node is not None and node.get_closest_marker("fast"):
        pytest.fail(f"{node.nodeid} is in the fast ring but uses {what}: mark it {mark} (the live_server, "
                    f"make_server, browser, pg_url and redis_url fixtures mark a test that names them)", pytrace=False)


def wait_for(condition, timeout: float = 15.0, message: str = "the condition", interval: float = 0.05):
    """Poll `condition()` until it returns something true and return that; fail naming `message` after `timeout`
    seconds (polls start 2 ms apart and back off to `interval`). The one way a test waits: never a bare sleep for
    something that can be awaited. The timeouts are generous on purpose — a busy 2-core machine is slow, not
    wrong; a passing test never waits them out."""
    deadline = time.monotonic() + timeout
    pause = 0.002
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {message}")
        time.sleep(pause)  # the polling interval, not a guess at how long something takes
        pause = min(pause * 2, interval)


def need(service: str, reason: str):
    """Skip with the reason on a laptop; fail under CI, where the service must be there."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{service} is required under CI: {reason}")
    pytest.skip(f"{service} not available: {reason}")


@pytest.fixture(scope="session")
def cfg():
    return load_config(str(ROOT / "config.yaml"))


@pytest.fixture
def clock():
    return FixedClock(OPEN_TIME)


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory) -> Path:
    """A SQLite file migrated to the newest schema, once per session: `app` copies it instead of running Alembic
    from the first migration for every test (create_app still checks it, a cheap no-op at head)."""
    from hall.db.database import Database
    from hall.db.migrate import upgrade
    path = tmp_path_factory.mktemp("template") / "hall.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file before it is copied
    conn.close()
    return path


def fresh_db(migrated_db: Path, folder: Path) -> str:
    """The URL of a new copy of the migrated template in `folder`."""
    path = folder / "hall.db"
    shutil.copyfile(migrated_db, path)
    return f"sqlite:///{path}"


_CATALOGUES: dict = {}


def _catalogue_once(path, config, load=load_catalogue):
    """The bundled procedure catalogue parsed once per config instead of once per app (half of create_app's time);
    a Catalogue is read-only once built (its word indexes are frozen), so the apps may share it."""
    key = (str(path), id(config))
    if key not in _CATALOGUES or _CATALOGUES[key][0] is not config:
        _CATALOGUES[key] = (config, load(path, config))
    return _CATALOGUES[key][1]


@pytest.fixture
def app(cfg, clock, tmp_path, migrated_db, monkeypatch):
    monkeypatch.setattr(catalogue_module, "load_catalogue", _catalogue_once)
    return create_app(cfg, config_path=str(ROOT / "config.yaml"), db_url=fresh_db(migrated_db, tmp_path),
                      clock=clock, testing=True)


@pytest.fixture
def hall(app):
    return app.extensions["motcua.hall"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client, hall):
    """The test client with checks: `api.refused(...)` — a 4xx JSON error naming the problem, and no table changed."""
    from api_checks import Api
    return Api(client, hall)


@pytest.fixture
def kiosk(cfg):
    """Authorization headers of the first kiosk."""
    return {"Authorization": f"Bearer {cfg.devices.kiosks[0].token}"}


def service_at(cfg, counter: int) -> str:
    return next(c for c in cfg.counters if c.number == counter).services[0]


@pytest.fixture
def sign_in(hall, client):
    """sign_in(counter, role='clerk') → Authorization headers of a clerk signed in to that counter."""
    made = {}

    def sign_in(counter=None, role="clerk", username=None):
        username = username or f"{role}{counter or ''}"
        if username not in made:
            accounts.add_user(hall, username, "matkhau123", role, f"Cán bộ {username}")
            made[username] = True
        out = accounts.login(hall, username, "matkhau123", counter)
        return {"Authorization": f"Bearer {out['token']}"}

    return sign_in


# --- real services -------------------------------------------------------------------------
def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def pg_server():
    if not _reachable("127.0.0.1", 5432):
        need("PostgreSQL", "nothing listens on 127.0.0.1:5432")
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    not_in_the_fast_ring("PostgreSQL", "postgres")  # here, not in the session fixtures: a failure there is cached
    from sqlalchemy import create_engine, text
    name = f"motcua_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield pg_server.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def redis_url():
    if not _reachable("127.0.0.1", 6379):
        need("Redis", "nothing listens on 127.0.0.1:6379")
    return REDIS_URL


# --- a real hall server process ---------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def open_config(tmp_path: Path, **changes) -> Path:
    """The bundled config, always open (hours not enforced) so live tests pass at any hour, written to tmp_path."""
    raw = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    raw["hours"]["enforce"] = False
    raw["catalogue"] = str(ROOT / raw.get("catalogue", "procedures.yaml"))
    raw.setdefault("storage", {})["data_dir"] = str(tmp_path / "data")
    for path, value in changes.items():
        node = raw
        keys = path.split(".")
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    out = tmp_path / "config.yaml"
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    parse_config(text, str(out))  # still valid
    out.write_text(text, encoding="utf-8")
    return out


class LiveServer:
    """`motcua serve` in its own process on 127.0.0.1; stopped (and waited for) at the end of the test."""

    def __init__(self, config: Path, env: dict | None = None, port: int | None = None):
        self.config, self.port = config, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.log = config.parent / f"server-{self.port}.log"
        self.proc = None

    def start(self, timeout: float = 120.0) -> "LiveServer":  # 60 s was too short with other suites running
        not_in_the_fast_ring("a hall server process", "live")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hall", "serve", "--config", str(self.config), "--host", "127.0.0.1",
             "--port", str(self.port)], cwd=str(ROOT), env=self.env, stdout=open(self.log, "ab"),
            stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: self.proc.poll() is not None or _reachable("127.0.0.1", self.port), timeout,
                     f"the hall server on port {self.port}")
        except AssertionError:
            self.stop()  # never leave a server running that no test will stop
            raise RuntimeError(f"hall server did not start in {timeout} s: {self.log.read_text()[-2000:]}") from None
        if self.proc.poll() is not None:
            raise RuntimeError(f"hall server exited: {self.log.read_text()[-2000:]}")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def add_user(self, username: str, role: str = "clerk", password: str = "matkhau123") -> None:
        subprocess.run([sys.executable, "-m", "hall", "user", "add", username, "--role", role, "--config",
                        str(self.config), "--password", password], cwd=str(ROOT), env=self.env, check=True,
                       capture_output=True)

    def sign_in(self, counter=None, role: str = "clerk", username=None) -> dict:
        """A user of that role added (once) and signed in: returns the login JSON (token, counter …)."""
        import requests
        username = username or f"{role}{counter or ''}"
        added = getattr(self, "_users", set())
        if username not in added:
            self.add_user(username, role)
            added.add(username)
            self._users = added
        r = requests.post(f"{self.url}/api/login", json={"username": username, "password": "matkhau123",
                                                        "counter": counter}, timeout=10)
        r.raise_for_status()
        return r.json()

    def kill(self):
        """kill -9: no chance to flush or clean up."""
        self.proc.kill()
        self.proc.wait(5)


@pytest.fixture
def live_server(tmp_path):
    """A real hall server on 127.0.0.1 with the bundled config (always open) and a fresh SQLite database."""
    server = LiveServer(open_config(tmp_path)).start()
    yield server
    server.stop()


@pytest.fixture
def make_server(tmp_path):
    """make_server(env=..., **config_changes) → a started LiveServer; all are stopped at the end."""
    servers = []

    def make(env=None, config=None, **changes):
        server = LiveServer(config or open_config(tmp_path, **changes), env=env).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        try:
            server.stop()
        except Exception:  # noqa: BLE001 — stop the others all the same
            server.kill()


# --- a serial device ---------------------------------------------------------------------------------------------
class Pty:
    """A serial device stand-in: pyserial opens `path` (a symlink to a pty slave) like /dev/ttyUSB0; the test holds
    the master end, reads what the driver sent and types what the device would. unplug/plug make the node vanish
    and come back (as a new pty), like a USB cable pulled and pushed back in."""

    def __init__(self, path: str):
        self.path, self.master = path, None
        self.plug()

    def plug(self):
        self.master, slave = os.openpty()
        tty.setraw(self.master)
        self.slave_name = os.ttyname(slave)
        os.close(slave)
        os.symlink(self.slave_name, f"{self.path}.tmp")
        os.replace(f"{self.path}.tmp", self.path)

    def unplug(self):
        os.remove(self.path)
        os.close(self.master)
        self.master = None

    def write(self, data: bytes):
        os.write(self.master, data)

    type = write  # a keypad's buttons

    def read(self, n: int, timeout: float = 15.0) -> bytes:
        """Exactly `n` bytes the driver sent (fewer only if none came for `timeout` seconds)."""
        data, deadline = b"", time.monotonic() + timeout
        while len(data) < n and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    data += os.read(self.master, n - len(data))
                except OSError:  # EIO: nobody holds the slave end yet; select says ready again at once
                    time.sleep(0.01)
        return data

    def close(self):
        if self.master is not None:
            os.close(self.master)
            self.master = None


@pytest.fixture
def pty_device(tmp_path):
    """pty_device(name='ttyUSB0') → a Pty at tmp_path/name; all are closed at the end of the test."""
    made = []

    def make(name: str = "ttyUSB0") -> Pty:
        made.append(Pty(str(tmp_path / name)))
        return made[-1]

    yield make
    for dev in made:
        dev.close()
