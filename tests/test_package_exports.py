"""The package's public names stay what they say, whatever submodules are imported."""

from __future__ import annotations

import importlib
import pkgutil
import types

import criteria_nlp


def test_package_exports_are_never_shadowed_by_submodules() -> None:
    # importing a submodule sets it as an attribute of the package: a module named like an
    # exported function (match.py for match()) would replace the function
    for module in pkgutil.walk_packages(criteria_nlp.__path__, prefix="criteria_nlp."):
        importlib.import_module(module.name)
    for name in criteria_nlp.__all__:
        value = getattr(criteria_nlp, name)
        assert not isinstance(value, types.ModuleType), f"criteria_nlp.{name} is a module"


def test_package_exports_resolve_lazily() -> None:
    assert set(criteria_nlp.__all__) <= set(dir(criteria_nlp))
