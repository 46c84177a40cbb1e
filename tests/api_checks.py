"""Helpers for the API tests (test_api*.py, test_auth.py): a refused request is a 4xx JSON error naming what is
wrong and leaves every table as it was; a recorder of the /api routes the tests have called."""
from __future__ import annotations

from contextlib import contextmanager

from flask import request, request_finished
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from hall import passwords
from hall.db import tables

def auth(token: str) -> dict:
    """Authorization headers for a bearer token (a sign-in's or a device's)."""
    return {"Authorization": f"Bearer {token}"}


TABLES = ("tickets", "visits", "counters", "events", "ratings", "users", "logins", "service_states", "settings",
          "device_status", "lockouts")


def rows(hall) -> dict:
    """Every row of the tables a request could change, table by table."""
    with hall.db.reader.connect() as conn:
        return {name: sorted(tuple(map(repr, r)) for r in conn.execute(select(getattr(tables, name))))
                for name in TABLES}


def event_kinds(hall) -> list[str]:
    with hall.db.reader.connect() as conn:
        return [r.kind for r in conn.execute(select(tables.events.c.kind).order_by(tables.events.c.id))]


class Api:
    """The Flask test client with `refused`, which checks the error and that nothing was written."""

    def __init__(self, client, hall):
        self.client, self.hall = client, hall

    def __getattr__(self, name):
        return getattr(self.client, name)

    def refused(self, method: str, url: str, status: int, *words: str, headers=None, counts=(), **kw) -> dict:
        """`counts`: tables the refusal may change (a failed sign-in's count in `lockouts`)."""
        before = rows(self.hall)
        r = self.client.open(url, method=method, headers=headers or {}, **kw)
        out = r.get_json(silent=True)
        assert r.status_code == status, f"{method} {url} → {r.status_code}, wanted {status}: {r.get_data(True)}"
        assert isinstance(out, dict) and isinstance(out.get("error"), str) and isinstance(out.get("message"), str), \
            f"{method} {url}: not a JSON error: {r.get_data(True)}"
        for word in words:
            assert word.lower() in out["message"].lower(), f"'{word}' not in the message: {out['message']!r}"
        after = rows(self.hall)
        changed = [t for t in TABLES if before[t] != after[t] and t not in counts]
        assert not changed, f"{method} {url} was refused ({status}) but changed {changed}"
        return out


class RouteRecorder:
    """Which (rule, method) of /api each request reached, whatever the app (Flask's request_finished signal)."""

    def __init__(self):
        self.hit: set[tuple[str, str]] = set()

    def __call__(self, sender, response, **_):
        if request.url_rule is not None and request.url_rule.rule.startswith("/api/"):
            self.hit.add((request.url_rule.rule, request.method))

    def start(self):
        request_finished.connect(self, weak=False)
        return self

    def stop(self):
        request_finished.disconnect(self)

    @contextmanager
    def paused(self):
        """For a test that sweeps every route without testing each: it doesn't count."""
        self.stop()
        try:
            yield
        finally:
            self.start()


def api_routes(app) -> set[tuple[str, str]]:
    return {(rule.rule, method) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def quick_passwords(monkeypatch):
    """Hash passwords with one round of PBKDF2 instead of scrypt (0.1 s each): still checked, only cheaper.
    test_auth.py keeps the real hashing."""
    monkeypatch.setattr(passwords, "generate_password_hash",
                        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"))
    monkeypatch.setattr(passwords, "_dummy", None)  # the unknown users' dummy hash: made cheaply too
