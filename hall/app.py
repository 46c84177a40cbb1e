"""The app factory: the HTTP + Socket.IO server around one hall.

    app = create_app()                       # the hall hall/bootstrap.py builds from config.yaml
    app = create_app(hall=bootstrap(cfg, db_url=..., clock=FixedClock(...)))   # a hall built elsewhere
    app = create_app(cfg, db_url=..., clock=FixedClock(...))                  # the same, in one call (tests)
"""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Optional

from flask import Flask, jsonify, request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from . import realtime
from .bootstrap import bootstrap
from .clock import Clock
from .config import Config, data_dir
from .operations import Hall

log = logging.getLogger("motcua")


def create_app(cfg: Optional[Config] = None, *, config_path: Optional[str] = None, db_url: Optional[str] = None,
               clock: Optional[Clock] = None, message_queue: Optional[str] = None,
               async_mode: Optional[str] = None, testing: bool = False, hall: Optional[Hall] = None) -> Flask:
    hall = hall or bootstrap(cfg, config_path=config_path, db_url=db_url, clock=clock)
    cfg = hall.cfg
    app = Flask(__name__)
    app.config["TESTING"] = testing
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False
    app.json.sort_keys = False  # fields in the order views.py gives them (id, number … first), and less work per reply
    app.session_interface = SessionCookies()
    app.secret_key = cfg.server.secret_key or _secret_key(data_dir(cfg, Path(hall.config_path).resolve().parent))
    app.extensions["motcua.hall"] = hall

    from .api import api, guards
    app.register_blueprint(api)
    guards.init_app(app)
    for name in ("hall.web", "hall.reports.web"):  # pages land here as they are built
        try:
            module = __import__(name, fromlist=["bp"])
        except ModuleNotFoundError as exc:
            if not (name + ".").startswith(exc.name + "."):
                raise
            continue
        app.register_blueprint(module.bp)
    _json_errors(app)

    queue = message_queue or os.environ.get("MOTCUA_MESSAGE_QUEUE") or cfg.server.message_queue or None
    # Several server processes pass their events through the message queue (docs/deployment.md); the channel
    # keeps two halls (or two test runs) on one Redis apart.
    realtime.attach(app, async_mode=async_mode or os.environ.get("MOTCUA_ASYNC_MODE") or "threading",
                    message_queue=queue, channel=os.environ.get("MOTCUA_MESSAGE_QUEUE_CHANNEL", "motcua"),
                    logger=False, engineio_logger=False, cors_allowed_origins=[])
    return app


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signer built once per key instead of on every request (every
    kiosk ticket and every counter call paid for it, cookie or not)."""

    def get_signing_serializer(self, app):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = getattr(self, "_signer", None)
        if cached is None or cached[0] != key:
            self._signer = cached = (key, super().get_signing_serializer(app))
        return cached[1]


def _secret_key(folder: Path) -> str:
    """A random key kept in the data folder, so sign-ins survive a restart."""
    path = folder / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _json_errors(app: Flask):
    """Under /api every error is JSON, and nothing the client sends yields a bare 500."""
    from .api import guards

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if request.path.startswith("/api"):
            return guards.http_error(exc)
        return exc

    @app.errorhandler(IntegrityError)
    def integrity(exc):
        log.warning("integrity error: %s", exc)
        return jsonify({"error": "conflict", "message": "that change clashes with another one; try again"}), 409

    @app.errorhandler(OperationalError)
    def database_down(exc):
        log.error("database error: %s", exc)
        return jsonify({"error": "unavailable", "message": "the database is unavailable; try again"}), 503
