"""Docs that the tests keep honest (Datasette-style): every API route, every realtime event (the registry in
hall/events.py) and every namespace appears in docs/protocol.md; every docs page is linked from the README."""
import re
from pathlib import Path

import pytest

from hall import events

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")


def api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            yield re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "<>", rule.rule)


def test_every_api_route_is_documented(app):
    documented = {re.sub(r"<[a-z_]+>", "<>", path) for path in re.findall(r"`(?:GET|POST) (/api/[^` ?]*)", PROTOCOL)}
    missing = sorted(set(api_routes(app)) - documented)
    assert not missing, f"routes missing from docs/protocol.md: {missing}"


def test_the_event_table_is_the_registry():
    """docs/protocol.md's table of event types is hall/events.py's registry, as `python -m hall.events` prints it
    (tests/test_events.py checks that the registry is what the engine records)."""
    begin = "<!-- events: generated from hall/events.py by `python -m hall.events`; tests/test_docs.py checks it -->\n"
    assert PROTOCOL.count(begin) == 1 and PROTOCOL.count("<!-- /events -->") == 1
    documented = PROTOCOL.split(begin)[1].split("<!-- /events -->")[0]
    assert documented == events.markdown_table(), "run `python -m hall.events` and paste its table into " \
                                                  "docs/protocol.md"
    assert {"issued", "called", "finished", "rated", "announcement"} <= set(events.KINDS)


@pytest.mark.parametrize("namespace", ["/display", "/counter", "/kiosk", "/supervisor", "/pad", "/ticket"])
def test_every_namespace_is_documented(app, namespace):
    assert namespace in app.extensions["socketio"].server.handlers  # the namespace exists …
    assert f"`{namespace}`" in PROTOCOL           # … and is described


def test_the_readme_links_every_doc():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{page.name}" in readme, f"README.md does not link docs/{page.name}"
