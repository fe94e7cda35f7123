"""The package's layout holds: stages import only the stages before them (the import-linter layers contract in
``[tool.importlinter]`` of pyproject), every module stands in a layer, and no two modules import each other,
directly or round a longer loop (type-checking imports included)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("grimp") is None or importlib.util.find_spec("importlinter") is None,
    reason="import-linter is not installed (pip install -e '.[dev]')",
)


def _layers() -> list[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["type"] == "layers")
    return [name.strip() for layer in contract["layers"] for name in layer.replace("|", ":").split(":")]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_package_architecture_layers_contract_kept() -> None:
    if not (REPO / "pyproject.toml").is_file():
        pytest.skip("needs the source tree (pyproject.toml), not an installed copy")
    done = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_package_architecture_every_module_in_a_layer() -> None:
    import grimp

    graph = grimp.build_graph("criteria_nlp")
    layered = set(_layers())
    top = {m.split(".")[1] for m in graph.modules if m.count(".") >= 1}
    missing = sorted(f"criteria_nlp.{m}" for m in top if f"criteria_nlp.{m}" not in layered)
    assert not missing, f"modules outside the layers of [tool.importlinter]: {missing}"


def test_package_architecture_every_matching_module_in_a_layer() -> None:
    import grimp

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c.get("containers") == ["criteria_nlp.matching"])
    layered = {name.strip() for layer in contract["layers"] for name in layer.replace("|", ":").split(":")}
    graph = grimp.build_graph("criteria_nlp")
    inside = {m.split(".")[2] for m in graph.modules if m.startswith("criteria_nlp.matching.")}
    assert sorted(inside - layered) == [], "modules of criteria_nlp.matching outside its layers in [tool.importlinter]"


def test_package_architecture_no_import_cycles() -> None:
    import grimp

    graph = grimp.build_graph("criteria_nlp")  # type-checking and function-level imports count too
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert _cycles(edges) == []


def test_package_architecture_cycle_finder_finds_loops() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
