"""The hall's web pages: the landing page, the clerk's counter panel, the tablet rating pad, the citizen's ticket
page and the supervisor's live view (docs/web.md). Vietnamese by default, English by a switch (Flask-Babel).

The pages are plain Jinja + a little JS each (static/); data comes from the JSON API and the Socket.IO namespaces.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from flask import (Blueprint, abort, current_app, redirect, render_template, request, send_from_directory, session,
                   url_for)

from .. import accounts
from ..domain.errors import QueueError
from ..phrases import counter_label
from .i18n import LANGUAGES, init_babel, js_strings, localized

HERE = Path(__file__).resolve().parent
VENDOR = HERE.parent / "static" / "vendor"

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/web/static")
bp.record_once(lambda state: init_babel(state.app))


def _hall():
    return current_app.extensions["motcua.hall"]


def _signed_in():
    """The person signed in through this browser's session cookie, or None."""
    who = accounts.resolve(_hall(), session.get("token"))
    return who if who and who["kind"] == "user" else None


@bp.app_context_processor
def _globals():
    cfg = _hall().cfg
    return {"centre": cfg.centre, "languages": LANGUAGES, "js_strings": js_strings(), "localized": localized}


@bp.get("/")
def home():
    return render_template("home.html", who=_signed_in())


@bp.get("/lang/<code>")
def language(code: str):
    """Switch the pages' language and go back where the person was."""
    if code not in LANGUAGES:
        abort(404)
    session["lang"] = code
    target = request.args.get("next") or url_for("web.home")
    if urlparse(target).netloc or not target.startswith("/"):
        target = url_for("web.home")
    return redirect(target)


@bp.get("/counter")
def counter_panel():
    h = _hall()
    who = _signed_in()
    if who and who.get("counter") is None and who["role"] == "clerk":
        who = None
    return render_template("counter.html", who=who, boot=_counter_boot(h, who))


def _counter_boot(h, who) -> dict:
    cfg = h.cfg
    boot = {"counters": [{"number": c.number, "label": counter_label(c.number, c.label), "unit": c.unit}
                         for c in cfg.counters],
            "units": [{"code": u.code, "name": localized(u, "name"),
                       "services": [{"code": s.code, "name": localized(s, "name"),
                                     "target_wait_min": s.target_wait_min} for s in u.services]}
                      for u in cfg.units]}
    if who:
        boot["me"] = {k: who.get(k) for k in ("username", "full_name", "role", "counter")}
        boot["token"] = session.get("token")
    return boot


@bp.get("/pad")
def rating_pad():
    """The tablet pad: /pad?token=<the pad's device token>; without a token, a form asks for it."""
    token = request.args.get("token", "").strip()
    if not token:
        return render_template("pad_signin.html")
    who = accounts.resolve(_hall(), token)
    if who is None or who["kind"] != "pad":
        return render_template("pad_signin.html", error=True), 403
    cfg = _hall().cfg
    boot = {"token": token, "counter": who["counter"], "device": who["id"],
            "label": counter_label(who["counter"], _hall().counter_conf[who["counter"]].label),
            "levels": [{"value": l.value, "label": localized(l, "label"), "color": l.color}
                       for l in cfg.ratings.levels],
            "criteria": [{"code": c.code, "label": localized(c, "label")} for c in cfg.ratings.criteria],
            "ask_criteria_at_most": cfg.ratings.ask_criteria_at_most, "timeout_s": cfg.ratings.timeout_s}
    return render_template("pad.html", boot=boot)


@bp.get("/t/<token>")
def ticket_page(token: str):
    """The citizen's ticket page (the QR on the ticket): no login, the URL carries the unguessable token."""
    try:
        status = _hall().ticket_status(token)
    except QueueError:
        return render_template("ticket_missing.html"), 404
    cfg = _hall().cfg
    names = {code: {"service": localized(svc, "name"), "unit": localized(cfg.unit_of[code], "name")}
             for code, svc in cfg.services.items()}
    return render_template("ticket.html", ticket=status, names=names,
                           boot={"ticket": status, "names": names})


@bp.get("/supervisor")
def supervisor():
    h = _hall()
    who = _signed_in()
    if who and who["role"] not in ("supervisor", "admin"):
        return render_template("supervisor.html", who=who, refused=True, boot={}), 403
    boot = {}
    if who:
        cfg = h.cfg
        boot = {"token": session.get("token"),
                "me": {k: who.get(k) for k in ("username", "full_name", "role")},
                "units": [{"code": u.code, "name": localized(u, "name"), "short_name": u.short_name or u.code,
                           "color": u.color,
                           "services": [{"code": s.code, "name": localized(s, "name"),
                                         "target_wait_min": s.target_wait_min} for s in u.services]}
                          for u in cfg.units],
                "kiosks": [k.id for k in cfg.devices.kiosks],
                "bad_rating_at_most": cfg.ratings.ask_criteria_at_most,
                "levels": {l.value: localized(l, "label") for l in cfg.ratings.levels}}
    return render_template("supervisor.html", who=who, refused=False, boot=boot)


@bp.get("/web/vendor/<path:name>")
def vendor(name: str):
    """The socket.io client copied from node_modules by `make js` (never a CDN: the hall works offline)."""
    if not (VENDOR / name).is_file():
        abort(404, description=f"{name} is missing: run `make js` (npm ci) to install the browser client")
    return send_from_directory(VENDOR, name, max_age=3600)


from . import routes  # noqa: E402,F401  (the pages' few extra API routes)
