"""The HTTP JSON API under /api: thin routes that parse, call the service layer, and map errors to status codes."""
from __future__ import annotations

from typing import Optional

from flask import Blueprint, current_app, g, jsonify, request, session
from werkzeug.exceptions import HTTPException

from .. import accounts
from ..domain.errors import (Closed, Conflict, Forbidden, InvalidTransition, KeyReused, NotFound, QueueEmpty,
                             QueueError, Unauthorized)
from ..lockouts import Throttled
from ..passwords import Busy
from . import guards
from .guards import Body, text  # noqa: F401  (the routes' request bodies and their bounded text fields)

api = Blueprint("api", __name__, url_prefix="/api")


def hall():
    return current_app.extensions["motcua.hall"]


def body(model: type[Body]) -> Body:
    """The request's JSON body as `model` (hall/api/guards.py says what a body may be)."""
    return guards.parse(model)


def principal() -> Optional[dict]:
    if "principal" not in g:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else session.get("token")
        g.principal = accounts.resolve(hall(), token)
    return g.principal


def require(*kinds: str, roles: tuple = ()) -> dict:
    """The caller, if it is one of these kinds of device, or a person with one of these roles."""
    who = principal()
    if who is None:
        raise Unauthorized("sign in or give a device token (Authorization: Bearer …)")
    if who["kind"] in kinds or (who["kind"] == "user" and who["role"] in roles):
        return who
    caller = f"{who['role']} '{who['username']}'" if who["kind"] == "user" else f"{who['kind']} '{who['id']}'"
    raise Forbidden(f"the {caller} may not do that: it takes a {' or a '.join(kinds + roles)}")


def require_counter(number: int) -> dict:
    """A clerk acts only on the counter they signed in to; supervisors and admins on any."""
    who = require(roles=("clerk", "supervisor", "admin"))
    if who["role"] == "clerk" and who.get("counter") != number:
        raise Forbidden(f"you are signed in to counter {who.get('counter')}, not counter {number}")
    if who["role"] == "clerk" and not who.get("holds_counter"):
        raise Forbidden(f"counter {number} was signed out or taken over since you signed in: sign in again")
    return who


# Each kind of domain error and the HTTP status it is answered with (a kind not listed: its nearest ancestor's).
STATUS: dict[type, int] = {
    QueueError: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    InvalidTransition: 409, Closed: 409, QueueEmpty: 409, Conflict: 409,
    KeyReused: 422,
    Throttled: 429,  # answered with Retry-After by api/lockouts.refused
    Busy: 503,       # the same
}


def status_of(exc: QueueError) -> int:
    return next(STATUS[kind] for kind in type(exc).__mro__ if kind in STATUS)


@api.errorhandler(QueueError)
def queue_error(exc: QueueError):
    return jsonify({"error": exc.code, "message": exc.message, **exc.details}), status_of(exc)


api.register_error_handler(HTTPException, guards.http_error)


from . import counters, hall_routes, lockouts, openapi, tickets  # noqa: E402,F401  (routes register on import)
