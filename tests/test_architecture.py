"""The packages stack in the order data flows: each imports only from itself and the packages below it.

core -> loaders -> tables -> goals -> analyses -> report -> teaching; the command line and the
package's public face stand on top. Read from the source (AST), lazy imports inside functions included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from paths import ROOT

PACKAGE = ROOT / "engagekit"
#: The stages, lowest first.
LAYERS = ("core", "loaders", "tables", "goals", "analyses", "report", "teaching")
TOP = len(LAYERS)  # cli.py and __init__.py


def _layer(module: str) -> int:
    """The layer of a dotted module name under engagekit (``engagekit.tables.client`` -> tables)."""
    parts = module.split(".")
    if len(parts) < 2:
        return TOP
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else TOP


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, absolute module) of every engagekit import in ``path`` (a file under ``root``)."""
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found += [(node.lineno, f"{module}.{alias.name}" if not node.module and not node.level else module)
                      for alias in node.names]
    return [(line, module) for line, module in found if module == "engagekit" or module.startswith("engagekit.")]


def _violations() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = _layer(_module_name(path))
        for line, module in _imports(path):
            if _layer(module) > own:
                out.append(f"{path.relative_to(ROOT)}:{line} imports {module} ({LAYERS[own] if own < TOP else 'top'} "
                           f"-> {LAYERS[_layer(module)] if _layer(module) < TOP else 'top'})")
    return out


def test_every_module_lives_in_a_stage_package():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "cli.py")]
    assert loose == []
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("__")} == {*LAYERS}


def test_imports_only_point_down_the_flow():
    assert _violations() == []


@pytest.mark.parametrize(("module", "layer"), [
    ("engagekit.core.schema", "core"), ("engagekit.analyses.evidence.verdict", "analyses"), ("engagekit", None),
])
def test_layer_of_a_module(module, layer):
    assert _layer(module) == (LAYERS.index(layer) if layer else TOP)


def test_an_upward_import_inside_a_function_is_found(tmp_path):
    source = tmp_path / "engagekit" / "core" / "bad.py"
    source.parent.mkdir(parents=True)
    source.write_text("def f():\n    from ..report import plots\n", encoding="utf-8")
    assert _imports(source, tmp_path) == [(2, "engagekit.report")]
    assert _layer("engagekit.report") > _layer(_module_name(source, tmp_path))
