"""The architecture page drawn from the code: which module imports which, by layer, and each module's one job.

    python scripts/architecture.py            # rewrite docs/architecture.png and the module table in docs/architecture.md
    python scripts/architecture.py --check    # exit 1 when the page no longer matches the code (tests/test_architecture.py)

The layers are the one piece written by hand (LAYERS below); everything else — the modules, their jobs (the first
line of each module's docstring) and the arrows (its imports) — is read from the source with `ast`. An import that
points up a layer (the engine importing the database, the service layer importing an adapter) is reported, and so
is a part of the code no layer names.
"""
from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("hall", "kiosk", "display", "drivers")
DOC = ROOT / "docs" / "architecture.md"
PICTURE = ROOT / "docs" / "architecture.png"
START, END = "<!-- modules: made by scripts/architecture.py -->", "<!-- end of modules -->"

# Bottom to top. A part may import from its own layer and the layers below it, never from a layer above.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("hall.config", "hall.clock", "hall.fonts", "hall.text", "hall.phrases", "hall.public_url",
                    "hall.catalogue")),
    ("engine (plain Python)", ("hall.domain",)),
    ("persistence", ("hall.db",)),
    ("service layer", ("hall.events", "hall.views", "hall.publishing", "hall.group_commit", "hall.operations",
                       "hall.passwords", "hall.lockouts", "hall.accounts", "hall.supervision", "hall.daily",
                       "hall.reports", "hall.bootstrap")),
    ("adapters", ("hall.api", "hall.realtime", "hall.web", "hall.reports.web", "hall.reports.cli", "hall.cli",
                  "hall.app", "hall.serving", "hall.run", "hall.__main__")),
    ("hardware", ("drivers",)),
    ("screens", ("display", "kiosk")),
]
# The reports' pages and command line live in hall/reports beside the figures, but they are adapters.
ADAPTER_MODULES = {"hall.reports.web", "hall.reports.cli"}


@dataclass
class Module:
    name: str
    path: Path
    job: str
    imports: set[str] = field(default_factory=set)

    @property
    def part(self) -> str:
        if self.name in ADAPTER_MODULES:
            return self.name
        bits = self.name.split(".")
        return ".".join(bits[:2]) if bits[0] == "hall" and len(bits) > 1 else bits[0]


def modules(root: Path = ROOT) -> dict[str, Module]:
    found: dict[str, Module] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root)
            if "migrations" in rel.parts:
                continue
            name = ".".join(rel.with_suffix("").parts)
            name = name[: -len(".__init__")] if name.endswith(".__init__") else name
            tree = ast.parse(path.read_text(encoding="utf-8"))
            doc = ast.get_docstring(tree) or ""
            if path.name == "__init__.py" and not doc:
                continue  # a bare package marker: nothing to show
            found[name] = Module(name, rel, " ".join(doc.split("\n\n")[0].split()), _imports(tree, name, path))
    for module in found.values():
        module.imports = {t for t in module.imports if t in found and t != module.name}
    return found


def _imports(tree: ast.AST, name: str, path: Path) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.add(target)
            out.update(f"{target}.{alias.name}" for alias in node.names)
    return out


def layer_of(part: str) -> int | None:
    for index, (_, parts) in enumerate(LAYERS):
        if part in parts:
            return index
    return None


def problems(found: dict[str, Module]) -> list[str]:
    """Parts no layer names, modules with no stated job, and imports that point up a layer."""
    out = []
    for part in sorted({m.part for m in found.values()}):
        if layer_of(part) is None:
            out.append(f"{part}: no layer names it — add it to LAYERS in scripts/architecture.py")
    for module in found.values():
        if not module.job and module.path.name != "__init__.py" and module.name != "hall.__main__":
            out.append(f"{module.path}: no docstring saying what the module is for")
        mine = layer_of(module.part)
        for target in sorted(module.imports):
            theirs = layer_of(found[target].part)
            if mine is not None and theirs is not None and theirs > mine:
                out.append(f"{module.path}: imports {target}, a layer above it ({LAYERS[theirs][0]})")
    return out


def module_table(found: dict[str, Module]) -> str:
    lines = [START, ""]
    for title, parts in reversed(LAYERS):
        lines += [f"**{title}**", "", "| file | its one job |", "|---|---|"]
        for module in sorted((m for m in found.values() if m.part in parts), key=lambda m: str(m.path)):
            if module.job:
                lines.append(f"| `{module.path}` | {module.job.replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines + [END])


def part_edges(found: dict[str, Module]) -> dict[tuple[str, str], int]:
    edges: dict[tuple[str, str], int] = defaultdict(int)
    for module in found.values():
        for target in module.imports:
            if found[target].part != module.part:
                edges[(module.part, found[target].part)] += 1
    return edges


def draw(found: dict[str, Module], out: Path = PICTURE) -> None:  # noqa: C901 — one picture, drawn in one go
    """One row per layer, one box per part listing its files, an arrow per importing pair of parts."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    files: dict[str, list[str]] = defaultdict(list)
    for module in found.values():
        files[module.part].append(module.name[len(module.part) + 1:].replace(".", "/"))
    rows = [(title, [p for p in parts if p in files]) for title, parts in LAYERS]
    width, row_h = 17.0, 1.55
    fig, ax = plt.subplots(figsize=(width, row_h * len(rows) + 0.4), dpi=110)
    ax.set_xlim(0, width)
    ax.set_ylim(0, row_h * len(rows))
    ax.axis("off")
    boxes: dict[str, tuple[float, float, float, float]] = {}
    for index, (title, parts) in enumerate(rows):
        y = index * row_h + 0.15
        ax.text(0.1, y + row_h / 2 - 0.1, title, fontsize=9, fontweight="bold", va="center", color="#444")
        span = (width - 1.9) / max(len(parts), 1)
        for n, part in enumerate(parts):
            x, w, h = 1.9 + n * span + 0.05, span - 0.15, row_h - 0.45
            names = sorted(f for f in files[part] if f)
            package = (ROOT / part.replace(".", "/")).is_dir()
            label = part.replace(".", "/") + ("/" if package else ".py")
            if not package and part.startswith("hall."):
                label = label.removeprefix("hall/")  # a blue box is in hall/ anyway; the full path won't fit
            colour = "#dcebf7" if part.startswith("hall") else "#e8f3e0"
            ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02", fc=colour, ec="#5a7fa0", lw=0.8))
            ax.text(x + w / 2, y + h - 0.12, label, ha="center", va="top", fontsize=8 if len(parts) < 10 else 7,
                    fontweight="bold")
            if len(names) > 1:
                lines, line = [], ""
                for name in names:
                    if line and (len(line) + len(name) + 2) * 0.062 > w:
                        lines.append(line)
                        line = ""
                    line = f"{line}  {name}" if line else name
                ax.text(x + w / 2, y + h - 0.36, "\n".join(lines + [line]), ha="center", va="top", fontsize=7,
                        color="#333", linespacing=1.3)
            boxes[part] = (x, y, w, h)
    for (source, target), count in sorted(part_edges(found).items()):
        if source not in boxes or target not in boxes:
            continue
        sx, sy, sw, sh = boxes[source]
        tx, ty, tw, th = boxes[target]
        up = layer_of(target) > layer_of(source)
        start = (sx + sw / 2, sy + (sh if up else 0))
        end = (tx + tw / 2, ty + (0 if up else th)) if sy != ty else (tx + (0 if tx > sx else tw), ty + th / 2)
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=7, lw=0.4 + 0.15 * min(count, 6),
                                     color="#c0392b" if up else "#8a8a8a", alpha=0.55,
                                     connectionstyle="arc3,rad=0.08"))
    ax.set_title("Một Cửa — who imports whom (drawn by scripts/architecture.py from the source)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def page_with_table(page: str, table: str) -> str:
    if START not in page or END not in page:
        raise SystemExit(f"{DOC}: the markers {START} … {END} are missing")
    head, rest = page.split(START, 1)
    return head + table + rest.split(END, 1)[1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that the page matches the code")
    args = parser.parse_args(argv)
    found = modules()
    trouble = problems(found)
    page = DOC.read_text(encoding="utf-8")
    wanted = page_with_table(page, module_table(found))
    if args.check:
        if wanted != page:
            trouble.append(f"{DOC.relative_to(ROOT)}: the module table is out of date — run "
                           "`python scripts/architecture.py`")
        for line in trouble:
            print(line)
        return 1 if trouble else 0
    DOC.write_text(wanted, encoding="utf-8")
    draw(found)
    for line in trouble:
        print(line)
    print(f"wrote {DOC.relative_to(ROOT)} and {PICTURE.relative_to(ROOT)}")
    return 1 if trouble else 0


if __name__ == "__main__":
    sys.exit(main())
