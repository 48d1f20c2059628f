"""The import graph of the product code: every arrow points down the layers, nothing imports in a
circle (between modules or between packages), and a vendor package is an adapter that imports
only the HTTP client, the settings readers, the kind table and the vendor contract.

The layers, top to bottom, are those of docs/development.md#layers.
"""

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parent.parent
NOT_PRODUCT: Final = frozenset({"tests", "sandbox", "scripts", "docs", "changelog"})
# Each package or top-level module of the product, by layer (0 is the bottom). A node may
# import its own modules and any node of a lower layer, nothing else.
LAYERS: Final = {
    "core": 0,
    "client": 1,
    "vendors": 2,
    "sync": 3,
    "live_events": 4,
    "runtime": 5,
    "webhook_processors": 6,
    "actions": 6,
    "integration": 7,
    "main": 8,
    "sail": 8,
}
# What a vendor's own package may import besides itself.
VENDOR_MAY_IMPORT: Final = frozenset(
    {"client", "core.settings", "core.kinds", "vendors.contract"}
)


def product_modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in NOT_PRODUCT or parts[0].startswith("."):
            continue
        name = ".".join(parts).removesuffix(".py").removesuffix(".__init__")
        modules[name] = path
    return modules


MODULES: Final = product_modules()


def imports_of(name: str) -> Iterator[str]:
    """The product modules `name` imports, anywhere in it (functions included)."""
    tree = ast.parse(MODULES[name].read_text())
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            if target in MODULES:
                yield target
                break


def node_of(module: str) -> str:
    return module.split(".")[0]


EDGES: Final = {(m, i) for m in MODULES for i in imports_of(m) if i != m}


def test_every_product_module_is_in_a_layer() -> None:
    assert {node_of(m) for m in MODULES} <= set(LAYERS)


@pytest.mark.parametrize(("importer", "imported"), sorted(EDGES))
def test_an_import_points_down_or_stays_in_its_package(
    importer: str, imported: str
) -> None:
    upper, lower = node_of(importer), node_of(imported)
    assert (
        upper == lower or LAYERS[upper] > LAYERS[lower]
    ), f"{importer} (layer {LAYERS[upper]}) imports {imported} (layer {LAYERS[lower]})"


def test_no_module_imports_in_a_circle() -> None:
    assert _cycle({m: {i for (n, i) in EDGES if n == m} for m in MODULES}) is None


def test_no_package_imports_in_a_circle() -> None:
    graph: dict[str, set[str]] = {node: set() for node in LAYERS}
    for importer, imported in EDGES:
        if node_of(importer) != node_of(imported):
            graph[node_of(importer)].add(node_of(imported))
    assert _cycle(graph) is None


def test_a_vendor_package_imports_only_the_client_settings_kinds_and_contract() -> None:
    strays = {
        (importer, imported)
        for importer, imported in EDGES
        if _vendor_package(importer) is not None
        and imported not in VENDOR_MAY_IMPORT
        and _vendor_package(imported) != _vendor_package(importer)
    }
    assert strays == set()


def test_the_architecture_check_sees_an_upward_import_and_a_circle() -> None:
    assert ("runtime", "vendors") in EDGES  # the check reads real imports
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def _vendor_package(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "vendors" or len(parts) < 2 or parts[1] == "contract":
        return None
    return parts[1]


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle in `graph`, as the path round it, or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph.get(node, ())):
            if (found := visit(target, [*path, node])) is not None:
                return found
        done.add(node)
        return None

    return next(
        (found for node in sorted(graph) if (found := visit(node, [])) is not None),
        None,
    )
