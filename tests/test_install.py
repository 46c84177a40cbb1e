"""Reproducible installs: every third-party import is declared in pyproject.toml, constraints.txt pins all of it,
and each part of the hall imports with only its own extra installed — the server without pygame, a kiosk or a wall
display without a database driver, Flask or SQLAlchemy (docs/deployment.md says who installs what)."""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import ROOT

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

FIRST_PARTY = ("hall", "kiosk", "display", "drivers")
SCANNED = FIRST_PARTY + ("bench", "scripts", "tests")
PARTS = {"server": ("server",), "kiosk": ("kiosk",), "display": ("display",)}  # part → the extras it installs


@lru_cache(maxsize=None)
def declared() -> dict[str, tuple[Requirement, ...]]:
    """pyproject.toml's requirements: "" for the base dependencies, then one entry per extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    out = {"": tuple(map(Requirement, project["dependencies"]))}
    out.update({extra: tuple(map(Requirement, reqs)) for extra, reqs in project["optional-dependencies"].items()})
    return out


def closure(extras) -> set[str]:
    """Every distribution that `pip install 'motcua[extras]'` brings, as installed here (canonical names)."""
    todo = [(canonicalize_name(r.name), frozenset(r.extras)) for e in ("", *extras) for r in declared()[e]]
    seen, names = set(), set()
    while todo:
        name, wanted = todo.pop()
        if (name, wanted) in seen:
            continue
        seen.add((name, wanted))
        names.add(name)
        try:
            deps = requires(name) or []
        except PackageNotFoundError:
            pytest.fail(f"{name} is declared but not installed here: run `make install`")
        for dep in map(Requirement, deps):
            if dep.marker is None or any(dep.marker.evaluate({"extra": e}) for e in ("", *wanted)):
                todo.append((canonicalize_name(dep.name), frozenset(dep.extras)))
    return names


@lru_cache(maxsize=None)
def module_owners() -> dict[str, set[str]]:
    """Top-level module → the distributions (canonical names) that install it."""
    return {mod: {canonicalize_name(d) for d in dists} for mod, dists in packages_distributions().items()}


def third_party_imports() -> dict[str, set[str]]:
    """Top-level module → the files importing it, over the whole tree, leaving out the standard library, our own
    packages and the helper modules that sit beside the scripts and tests (conftest, fakes, common …)."""
    local = set(FIRST_PARTY)
    for folder in SCANNED:
        local |= {p.stem for p in (ROOT / folder).glob("*.py")}
        local |= {p.parent.name for p in (ROOT / folder).glob("*/__init__.py")}
    found: dict[str, set[str]] = {}
    for folder in SCANNED:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    names = [node.module]
                else:
                    continue
                for top in (n.partition(".")[0] for n in names):
                    if top not in sys.stdlib_module_names and top not in local:
                        found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_third_party_import_is_declared():
    everything = {canonicalize_name(r.name) for reqs in declared().values() for r in reqs}
    undeclared = []
    for module, files in sorted(third_party_imports().items()):
        owners = module_owners().get(module)
        if not owners:
            undeclared.append(f"{module} (not installed here) in {', '.join(sorted(files))}")
        elif not owners & everything:
            undeclared.append(f"{module} (from {', '.join(sorted(owners))}) in {', '.join(sorted(files))}")
    assert not undeclared, "imported but not declared in pyproject.toml:\n  " + "\n  ".join(undeclared)


def test_the_walk_sees_the_imports_it_must_see():
    """Guards the test above against silently checking nothing (a path or a parse going wrong)."""
    found = third_party_imports()
    assert {"click", "werkzeug", "numpy", "flask", "pygame", "escpos", "sqlalchemy", "pytest"} <= set(found)
    assert not {"fakes", "conftest", "hall", "json"} & set(found)


def pins() -> dict[str, str]:
    """constraints.txt's pins that apply to this interpreter and platform."""
    out = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                (version,) = [s.version for s in req.specifier if s.operator == "=="]
                out[canonicalize_name(req.name)] = version
    return out


def test_constraints_pin_every_package_within_what_pyproject_allows():
    """Fails when pyproject.toml changed and `make lock` wasn't run."""
    pinned = pins()
    missing = sorted(closure(declared()) - set(pinned))
    assert not missing, f"not pinned in constraints.txt: {missing} — run `make lock`"
    refused = [f"{r} (pinned {pinned[canonicalize_name(r.name)]})" for reqs in declared().values() for r in reqs
               if not r.specifier.contains(pinned[canonicalize_name(r.name)], prereleases=True)]
    assert not refused, f"constraints.txt pins what pyproject.toml refuses: {refused} — run `make lock`"


def test_make_installs_only_through_the_constraints():
    """Every `pip install` in the Makefile takes constraints.txt, or one tool pinned exactly (pip, uv)."""
    makefile = (ROOT / "Makefile").read_text()
    pinned_tools = dict(re.findall(r"^(\w+_PIN)\s*:?=\s*(\S+)", makefile, re.M))
    assert pinned_tools and all(re.fullmatch(r"[\w-]+==[\w.]+", v) for v in pinned_tools.values()), pinned_tools
    installs = [line.strip() for line in makefile.splitlines() if line.startswith("\t") and "pip install" in line]
    assert installs
    for line in installs:
        assert "-c constraints.txt" in line or re.search(r"'\$\((\w+_PIN)\)'", line), line


@pytest.mark.parametrize("part, unwanted", [
    ("server", {"pygame", "pyusb", "python-escpos", "matplotlib", "psycopg", "psycopg-binary", "redis"}),
    ("kiosk", {"sqlalchemy", "alembic", "psycopg", "psycopg-binary", "redis", "flask", "flask-socketio", "gevent",
               "matplotlib", "numpy"}),
    ("display", {"sqlalchemy", "alembic", "psycopg", "psycopg-binary", "redis", "flask", "flask-socketio", "gevent",
                 "matplotlib", "numpy", "python-escpos", "pillow"}),
])
def test_each_machine_installs_only_what_it_uses(part, unwanted):
    assert not closure(PARTS[part]) & unwanted


# Each part's entry points, imported (and a little run) in a fresh interpreter that can see only the packages its
# extra brings: every other third-party module raises ModuleNotFoundError, as on a machine without it.
ENTRIES = {
    "server": """
import tempfile
from hall.app import create_app
from hall.cli import main
from hall.config import load_config
from hall.serving import serve
import hall.daily, hall.reports.outbox, hall.accounts
app = create_app(load_config(), db_url=f"sqlite:///{tempfile.mkdtemp()}/hall.db", testing=True)
assert app.test_client().get("/api/services").status_code == 200
main(["serve", "--help"], standalone_mode=False)
""",
    "kiosk": """
from hall.cli import main
from hall.config import load_config
from kiosk.app import KioskApp
from kiosk.ticket import render_ticket
import drivers.printer.usb, drivers.printer.serial, drivers.printer.network, drivers.printer.cups
ticket = {"id": "Xq3pL8vR2mN5tYc7", "number": "A015", "service": "TP-LLTP", "service_name": "Lý lịch tư pháp",
          "unit": "TP", "unit_name": "Sở Tư pháp", "priority": None, "priority_name": None, "channel": "kiosk",
          "state": "waiting", "people_ahead": 4, "estimated_wait_s": 600, "issued_at": "2026-11-26T08:01:02+07:00",
          "counters": [{"number": 5, "label": "Quầy 5"}], "status_url": "http://127.0.0.1:5000/t/Xq3pL8vR2mN5tYc7"}
assert render_ticket(ticket, load_config().centre).escpos().startswith(b"\\x1b@")
main(["kiosk", "--help"], standalone_mode=False)
""",
    "display": """
from hall.cli import main
from display.wall import WallDisplay
from display.pad import RatingPad
import display.announcer, drivers.led, drivers.keypad
main(["display", "--help"], standalone_mode=False)
main(["pad", "--help"], standalone_mode=False)
""",
}

FENCE = """
import sys
BLOCKED = frozenset({blocked!r})

class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (not in this part's extra)", name=name)
        return None

sys.meta_path.insert(0, NotInstalled())
BEFORE = set(sys.modules)  # what the interpreter loaded on its own (site, .pth hooks)
"""


def blocked_for(part: str) -> set[str]:
    allowed = closure(PARTS[part]) | {"motcua"}
    return {mod for mod, owners in module_owners().items()
            if mod not in sys.stdlib_module_names and mod not in FIRST_PARTY and not owners & allowed}


@pytest.mark.parametrize("part", sorted(ENTRIES))
def test_each_part_runs_with_only_its_own_extra(part, tmp_path):
    blocked = blocked_for(part)
    if part == "server":
        assert "pygame" in blocked and not {"flask", "sqlalchemy"} & blocked
    else:
        assert {"sqlalchemy", "flask", "flask_socketio", "psycopg"} <= blocked and "pygame" not in blocked
    script = FENCE.format(blocked=sorted(blocked)) + ENTRIES[part] + \
        "\nimport json; print(json.dumps(sorted(m for m in set(sys.modules) - BEFORE if '.' not in m)))\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", MOTCUA_DATA_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert not loaded & blocked
    assert ("flask" in loaded) == (part == "server") and ("pygame" in loaded) == (part != "server")


@pytest.mark.parametrize("path", ["/reports/charts/arrivals.png", "/reports/export.xlsx"])
def test_a_server_without_the_reports_extra_says_what_to_install(path, client, sign_in, monkeypatch):
    import hall.reports
    for name in ("matplotlib", "openpyxl"):
        monkeypatch.setitem(sys.modules, name, None)  # import → ModuleNotFoundError, as when not installed
    monkeypatch.delitem(sys.modules, "hall.reports.charts", raising=False)
    monkeypatch.delattr(hall.reports, "charts", raising=False)
    r = client.get(path, headers=sign_in(role="supervisor"))
    assert r.status_code == 501
    assert "pip install 'motcua[reports]'" in r.get_data(as_text=True).replace("&#39;", "'")
