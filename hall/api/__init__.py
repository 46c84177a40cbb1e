"""The HTTP JSON API under /api: thin routes that parse, call the service layer, and map errors to status codes."""
from __future__ import annotations

import json
from typing import Optional

from flask import Blueprint, current_app, g, jsonify, request, session
from pydantic import BaseModel, ConfigDict, ValidationError
from werkzeug.exceptions import HTTPException

from .. import accounts
from ..domain.errors import (Closed, Conflict, Forbidden, InvalidTransition, KeyReused, NotFound, QueueEmpty,
                             QueueError, Unauthorized)
from ..lockouts import Throttled
from ..passwords import Busy

api = Blueprint("api", __name__, url_prefix="/api")


class Body(BaseModel):
    """A request body: strict types, no unknown keys."""
    model_config = ConfigDict(extra="forbid", strict=True)


def hall():
    return current_app.extensions["motcua.hall"]


def body(model: type[Body]) -> Body:
    data, raw = {}, request.get_data(cache=True)
    if raw:
        # JSON only by its content type: a cross-site form can't send that without the browser asking first
        if not request.is_json:
            raise QueueError("send the request body as JSON (Content-Type: application/json)")
        try:
            data = json.loads(raw)
        except ValueError:
            raise QueueError("the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise QueueError("the request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{"field": ".".join(str(p) for p in e["loc"]) or "(body)",
                   "message": "unknown field" if e["type"] == "extra_forbidden" else e["msg"]} for e in exc.errors()]
        raise QueueError("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors) from None


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


@api.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    return jsonify({"error": exc.name.lower().replace(" ", "_"), "message": exc.description}), exc.code


from . import counters, hall_routes, lockouts, openapi, tickets  # noqa: E402,F401  (routes register on import)
