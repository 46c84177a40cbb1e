"""Sign-in locks: the 429 answer to a refused sign-in, and the supervisor's list and lift (hall/lockouts.py)."""
from __future__ import annotations

from typing import Optional

from flask import jsonify

from ..lockouts import Throttled
from ..passwords import Busy
from ..web.i18n import sign_ins_refused
from . import Body, api, body, hall, require, status_of, text


def refused(exc: Throttled | Busy):
    """429 (locked) or 503 (too many sign-ins waiting to be checked) with Retry-After and a message in the client's
    language; no password was checked, nothing written."""
    if isinstance(exc, Busy):
        response = jsonify({"error": exc.code, "message": sign_ins_refused("busy", exc.retry_after_s),
                            "retry_after_s": exc.retry_after_s})
    else:
        response = jsonify({"error": exc.code, "message": sign_ins_refused(exc.kind, exc.retry_after_s),
                            "locked": exc.kind, "retry_after_s": exc.retry_after_s})
    response.status_code = status_of(exc)
    response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


@api.get("/lockouts")
def lockouts():
    """The sign-in locks running now: users and addresses (supervisor)."""
    require(roles=("supervisor", "admin"))
    return jsonify(hall().sign_in_limits.locked())


class Lift(Body):
    user: Optional[text(64)] = None
    address: Optional[text(64)] = None


@api.post("/lockouts/lift")
def lift_lockout():
    """Lift the sign-in lock on a user and/or an address and forget their failures (supervisor)."""
    require(roles=("supervisor", "admin"))
    req = body(Lift)
    return jsonify({"lifted": hall().sign_in_limits.lift(req.user, req.address)})
