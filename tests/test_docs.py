"""Docs that the tests keep honest (Datasette-style): every API route, every realtime event and every namespace
appears in docs/protocol.md; every docs page is linked from the README."""
import re
from pathlib import Path

import pytest

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


def event_kinds():
    kinds = set()
    for path in (ROOT / "hall").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        kinds |= set(re.findall(r'_event\("([a-z_]+)"', text))
        kinds |= set(re.findall(r'Event\("([a-z_]+)"', text))
        for a, b in re.findall(r'Event\("([a-z_]+)" if \w+ else "([a-z_]+)"', text):
            kinds |= {a, b}
    return kinds


def test_every_event_type_is_documented():
    kinds = event_kinds()
    assert {"issued", "called", "finished", "rated", "announcement"} <= kinds  # the scan itself works
    missing = sorted(k for k in kinds if f"`{k}`" not in PROTOCOL)
    assert not missing, f"event types missing from docs/protocol.md: {missing}"


@pytest.mark.parametrize("namespace", ["/display", "/counter", "/kiosk", "/supervisor", "/pad", "/ticket"])
def test_every_namespace_is_documented(app, namespace):
    assert namespace in app.extensions["socketio"].server.handlers  # the namespace exists …
    assert f"`{namespace}`" in PROTOCOL           # … and is described


def test_the_readme_links_every_doc():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{page.name}" in readme, f"README.md does not link docs/{page.name}"
