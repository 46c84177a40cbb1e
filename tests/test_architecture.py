"""docs/architecture.md stays true to the code: its module table, its picture's inputs, the layer rule, and every
file its two trips name."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("architecture", ROOT / "scripts" / "architecture.py")
architecture = sys.modules["architecture"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(architecture)


def test_the_page_matches_the_code():
    """Fails when a module is added without a docstring or a layer, an import points up a layer, or the table is
    stale (`python scripts/architecture.py` rewrites it)."""
    assert architecture.main(["--check"]) == 0


def test_the_engine_imports_nothing_but_itself_and_the_standard_library():
    found = architecture.modules()
    for module in (m for m in found.values() if m.part == "hall.domain"):
        tree = module.path.read_text(encoding="utf-8")
        outside = {t for t in architecture._imports(__import__("ast").parse(tree), module.name, ROOT / module.path)
                   if t.split(".")[0] in {"flask", "flask_socketio", "sqlalchemy", "socketio", "hall"}
                   and not t.startswith("hall.domain")}
        assert not outside, f"{module.path} imports {sorted(outside)}"


def test_an_upward_import_is_caught(tmp_path):
    """The check itself can fail: a domain module importing the database is reported."""
    found = architecture.modules()
    model = found["hall.domain.model"]
    model.imports.add("hall.db.repository")
    assert any("hall.db.repository, a layer above" in p for p in architecture.problems(found))


def test_every_file_the_page_names_exists():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:hall|kiosk|display|drivers|scripts|tests)/[\w/.]+)`", page))
    assert len(named) > 30
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, f"docs/architecture.md names files that don't exist: {missing}"


def test_the_picture_draws(tmp_path):
    out = tmp_path / "architecture.png"
    architecture.draw(architecture.modules(), out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000
