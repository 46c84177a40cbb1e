"""GET /api/openapi.json — the API described from the routes themselves and their request-body models."""
from __future__ import annotations

import re

from flask import current_app, jsonify

from ..operations import CHANNELS
from . import api, counters, hall_routes, lockouts, tickets

BODIES = {
    "api.issue_ticket": tickets.IssueTicket, "api.cancel_ticket": tickets.Cancel,
    "api.counter_action": None, "api.login": hall_routes.Login, "api.rate": hall_routes.Rating,
    "api.open_service": hall_routes.ServiceOpen, "api.announcement": hall_routes.Announcement,
    "api.reprint": hall_routes.Reprint, "api.device_status": hall_routes.DeviceStatus,
    "api.add_user": hall_routes.NewUser, "api.lift_lockout": lockouts.Lift,
}
HEADERS = {
    "api.issue_ticket": [{"name": tickets.IDEMPOTENCY_KEY, "in": "header", "required": False, "description":
                          "a new key (e.g. a UUID) for each order, kept for its retries: a retry gets the same ticket "
                          "(with \"replayed\": true), never a second one; unique per kiosk",
                          "schema": {"type": "string", "pattern": f"^{tickets.KEY_FORM.pattern}$"}}],
}
PUBLIC = {"api.services", "api.ticket_status", "api.login", "api.openapi", "api.procedures", "api.counter_state"}
CREATED = {"api.issue_ticket", "api.rate", "api.add_user"}  # the routes that answer 201 Created
ERROR = {"description": "an error: {\"error\": code, \"message\": text} (a 405 names the methods it takes in "
                        "`Allow`)",
         "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _bodies() -> dict:
    from ..web import routes  # the pages' few API routes (imported here: hall.web imports this package)
    return {**BODIES, "web.set_active": routes.Active}


def _schema(model) -> dict:
    schema = model.model_json_schema()
    schema.pop("title", None)
    return schema


def _hall_values(cfg) -> dict:
    """The values this hall's config allows, by field or path parameter name: the document lists them, so that a
    client (and the fuzz test) knows the services, counters and kiosks there are."""
    services, numbers = sorted(cfg.services), sorted(c.number for c in cfg.counters)
    values = {"service": services, "code": services, "unit": sorted(u.code for u in cfg.units),
              "priority": [c.code for c in cfg.priorities.categories], "channel": list(CHANNELS),
              "number": numbers, "counter": numbers, "kiosk": [k.id for k in cfg.devices.kiosks]}
    return {name: enum for name, enum in values.items() if enum}


def _with_values(schema: dict, values: dict) -> dict:
    for name, prop in schema.get("properties", {}).items():
        for alt in prop.get("anyOf", [prop]):
            if name in values and alt.get("type") in ("string", "integer"):
                alt["enum"] = values[name]
    return schema


def _parameter(rule, name: str, values: dict) -> dict:
    if rule.endpoint == "api.counter_action" and name == "action":
        return {"type": "string", "enum": list(counters.ACTIONS)}
    schema = {"type": "integer" if f"int:{name}" in rule.rule else "string"}
    return {**schema, "enum": values[name]} if name in values else schema


def spec() -> dict:
    paths: dict = {}
    bodies, values = _bodies(), _hall_values(current_app.extensions["motcua.hall"].cfg)
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        view = current_app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            doc = (view.__doc__ or rule.endpoint).strip().splitlines()[0]
            op = {"operationId": rule.endpoint.split(".")[-1], "summary": doc,
                  "parameters": [{"name": a, "in": "path", "required": True, "schema": _parameter(rule, a, values)}
                                 for a in sorted(rule.arguments)] + HEADERS.get(rule.endpoint, []),
                  "responses": {"200": {"description": "done"}, "4XX": ERROR}}
            if rule.endpoint == "api.login":
                op["responses"]["429"] = {
                    "description": "sign-ins of this user or from this address are locked after too many failures "
                                   "(error too_many_sign_ins, in the client's language); nothing was checked",
                    "headers": {"Retry-After": {"description": "seconds until a sign-in may be tried again",
                                                "schema": {"type": "integer"}}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                op["responses"]["503"] = {
                    "description": "too many sign-ins are waiting for a password check (error busy); not counted",
                    "headers": {"Retry-After": {"description": "seconds until a sign-in may be tried again",
                                                "schema": {"type": "integer"}}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            if rule.endpoint in CREATED:
                op["responses"]["201"] = op["responses"].pop("200")
                op["responses"]["201"]["description"] = "created" if rule.endpoint != "api.issue_ticket" else \
                    "created (or, for a retried order, the ticket it created)"
            if rule.endpoint not in PUBLIC:
                op["security"] = [{"bearer": []}]
            if rule.endpoint == "api.counter_action":
                op["description"] = "action is one of: " + ", ".join(
                    f"{name} ({', '.join(m.model_fields) or 'no body'})" for name, (m, _) in counters.ACTIONS.items())
            elif bodies.get(rule.endpoint):
                op["requestBody"] = {"required": True, "content": {"application/json": {
                    "schema": _with_values(_schema(bodies[rule.endpoint]), values)}}}
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.0.3",
        "info": {"title": "Một Cửa hall server", "version": "1", "description": "See docs/protocol.md"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error", "message"], "properties": {
                "error": {"type": "string"}, "message": {"type": "string"}}}},
        },
    }


@api.get("/openapi.json")
def openapi():
    """This document."""
    return jsonify(spec())
