"""What a request must be before any route reads it: the guards against hostile input and cross-site requests.

- A body is a JSON object of at most MAX_BODY bytes, nested at most MAX_DEPTH deep, its text NFC with no NUL
  or lone surrogate (hall.text), every text field bounded (`text(n)`; MAX_TEXT when a field names no bound).
- A URL (path or query) holds no NUL; a bearer token is printable ASCII.
- A state-changing request that the session cookie could authenticate comes from the hall's own pages: its Origin
  (or, without one, its Referer) names this host. Bearer-token clients — kiosks, displays, pads, API users — are
  not asked. The cookie itself is SameSite=Lax (see `init_app`).

Each refusal is a 4xx JSON error in the client's language (`language()`) and happens before anything is written.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from flask import abort, jsonify, request, session
from flask_babel import Domain, force_locale
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..domain.errors import Forbidden, QueueError
from ..text import flaw, nfc

MAX_BODY = 64 * 1024   # bytes: the longest legitimate body (a login, a note) is well under 2 KB
MAX_DEPTH = 8          # our bodies are flat objects with at most one list
MAX_TEXT = 1000        # characters, for a text field that names no bound of its own
MAX_INT = 2**31 - 1    # PostgreSQL's integer
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# These messages are written in English; translations/vi/LC_MESSAGES/api.po says them in Vietnamese (docs/web.md)
MESSAGES = Domain(str(Path(__file__).resolve().parent.parent / "web" / "translations"), domain="api")
LANGUAGES = ("vi", "en")


def language() -> str:
    """The client's language for these messages: ?lang=, else the one chosen on the pages, else Accept-Language,
    else English (the API's own language: kiosks and scripts send no preference)."""
    for choice in (request.args.get("lang"), session.get("lang")):
        if choice in LANGUAGES:
            return choice
    return request.accept_languages.best_match(LANGUAGES) or "en"


def _(text: str, **values) -> str:
    with force_locale(language()):
        return MESSAGES.gettext(text, **values)


def text(max_length: int):
    """A text field of at most max_length characters (counted after NFC); the bound shows in the OpenAPI document."""
    return Annotated[str, Field(max_length=max_length)]


class CrossSite(Forbidden):
    pass


class Flawed(ValueError):
    """What _flawless found, by kind (nul, surrogate, string_too_long, int_range); _problem words it."""

    def __init__(self, kind: str, **ctx):
        super().__init__(kind)
        self.kind, self.ctx = kind, ctx


def _flawless(value, bound: bool = True):
    if isinstance(value, str):
        problem = flaw(value)
        if problem:
            raise Flawed(problem)
        value = nfc(value)
        if bound and len(value) > MAX_TEXT:
            raise Flawed("string_too_long", max_length=MAX_TEXT)
        return value
    if isinstance(value, list):
        return [_flawless(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not -MAX_INT <= value <= MAX_INT:
        raise Flawed("int_range")  # a 20-digit id overflows PostgreSQL's integer
    return value


class Body(BaseModel):
    """A request body: strict types, no unknown keys, text in NFC without NUL or lone surrogates."""
    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _text(cls, value, info):
        bounded = any(getattr(m, "max_length", None) for m in cls.model_fields[info.field_name].metadata)
        return _flawless(value, bound=not bounded)  # a field's own bound is checked after this, on the NFC text


def parse(model: type[Body]) -> Body:
    """The request's JSON body as `model`, or a QueueError naming what is wrong (nothing has been read into the
    hall yet, so nothing is written)."""
    if (request.content_length or 0) > MAX_BODY:
        raise RequestEntityTooLarge()  # answered by http_error, in the client's language
    data, raw = {}, request.get_data(cache=True)
    if raw:
        # JSON only by its content type: a cross-site form can't send that without the browser asking first
        if not request.is_json:
            raise QueueError(_("send the request body as JSON (Content-Type: application/json)"))
        try:
            data = json.loads(raw)
            too_deep = _deeper_than(data, MAX_DEPTH)
        except RecursionError:  # deeper than Python's own limit
            too_deep = True
        except ValueError:
            raise QueueError(_("the request body is not valid JSON")) from None
        if too_deep:
            raise QueueError(_("the request body is nested more than %(n)d deep", n=MAX_DEPTH))
    if not isinstance(data, dict):
        raise QueueError(_("the request body must be a JSON object"))
    for key in data:
        if flaw(key):
            raise QueueError(f"{_('(an unreadable field name)')}: {_problem({'type': flaw(key)})}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{"field": _field_name(e["loc"]), "message": _problem(e)} for e in exc.errors()]
        raise QueueError("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors) from None


def _deeper_than(data, limit: int) -> bool:
    level = [data]
    for _depth in range(limit):
        level = [v for node in level if isinstance(node, (dict, list))
                 for v in (node.values() if isinstance(node, dict) else node)]
        if not level:
            return False
    return any(isinstance(node, (dict, list)) for node in level)


def _field_name(loc) -> str:
    name = ".".join(str(p) for p in loc) or "(body)"
    return name if flaw(name) is None and len(name) <= 100 else _("(an unreadable field name)")


def _problem(e: dict) -> str:
    """A validation error in the client's language."""
    kind, ctx = e["type"], e.get("ctx") or {}
    if isinstance(ctx.get("error"), Flawed):
        kind, ctx = ctx["error"].kind, ctx["error"].ctx
    if kind == "extra_forbidden":
        return _("unknown field")
    if kind == "missing":
        return _("required")
    if kind == "nul":
        return _("contains a NUL character")
    if kind == "surrogate":
        return _("contains a lone surrogate (not valid Unicode)")
    if kind == "string_too_long":
        return _("at most %(n)d characters", n=ctx["max_length"])
    if kind == "too_long":
        return _("at most %(n)d items", n=ctx["max_length"])
    if kind == "string_type":
        return _("must be a string")
    if kind == "int_range":
        return _("out of range (at most %(n)d)", n=MAX_INT)
    if kind.startswith("int_"):
        return _("must be a whole number (an integer)")
    if kind.startswith("bool_"):
        return _("must be true or false (a boolean)")
    if kind == "list_type":
        return _("must be a list")
    return e["msg"]


# --- before every request --------------------------------------------------------------------------------------
def init_app(app) -> None:
    """The guards on every request of this app, and a session cookie no other site's request carries."""
    from ..web.i18n import init_babel  # the pages' Babel; these messages have their own catalogue beside theirs
    init_babel(app)
    app.register_error_handler(QueueError, refused)  # a guard may refuse before any blueprint is known (a 404)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY  # a chunked body without Content-Length is cut off here
    # Lax, not Strict: a link to /supervisor from another site (the province's intranet, an e-mail) still arrives
    # signed in, and a top-level GET changes nothing here; every state-changing request is a POST, which Lax keeps
    # from other sites and refuse_cross_site refuses besides.
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.before_request(refuse_hostile_url)
    app.before_request(refuse_cross_site)


def refuse_hostile_url():
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        _refuse(QueueError(_("the address contains a NUL character")))
    header = request.headers.get("Authorization", "")
    if header and not (header.isascii() and header.isprintable() and len(header) <= 512):
        _refuse(QueueError(_("the Authorization header must be printable ASCII"), field="Authorization"))


def refuse_cross_site():
    """A state-changing request from another site's page is refused unless it carries a bearer token (which no
    page of another site can have). That covers every request the session cookie authenticates, and a sign-in
    forged into a visitor's browser too. Hosts are compared without the port: a proxy's `Host $host` drops it, and a
    cookie is not kept apart by port anyway."""
    if request.method in SAFE_METHODS or request.headers.get("Authorization"):
        return
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if origin is None:
        return  # not a browser: every browser sends Origin on a cross-site POST
    if _hostname(origin) is None or _hostname(origin) != _hostname("//" + request.host):
        _refuse(CrossSite(_("a request from another site (%(origin)s) may not act with this sign-in",
                            origin=origin[:100])))


def _hostname(url: str):
    try:
        return urlsplit(url).hostname
    except ValueError:  # "http://[::1" and the like
        return None


def _refuse(exc: QueueError):
    """Raised from a guard: a JSON error under /api, a plain 4xx on the pages."""
    if request.path.startswith("/api/"):
        raise exc
    from . import status_of
    abort(status_of(exc), exc.message)


def refused(exc: QueueError):
    from . import status_of
    return jsonify({"error": exc.code, "message": exc.message, **exc.details}), status_of(exc)


def http_error(exc: HTTPException):
    """A werkzeug error (404, 405, 413 …) as JSON in the client's language; a 405 names the methods in `Allow`."""
    response = jsonify({"error": "too_large" if exc.code == 413 else exc.name.lower().replace(" ", "_"),
                        "message": _http_message(exc)})
    response.status_code = exc.code
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _http_message(exc: HTTPException) -> str:
    if exc.code == 404:
        return _("no such address")
    if exc.code == 405:
        return _("this address does not take that method")
    if exc.code == 413:
        return _("the request body is larger than %(n)d KB", n=MAX_BODY // 1024)
    return exc.description
