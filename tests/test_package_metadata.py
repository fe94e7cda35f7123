"""Packaging metadata that setuptools reads without deprecation warnings: the licence as an SPDX expression with
its text shipped (a TOML table made every install print setuptools' deprecation notice three times)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def project() -> dict[str, object]:
    if not (REPO / "pyproject.toml").is_file():
        pytest.skip("needs the source tree (pyproject.toml), not an installed copy")
    return dict(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"])


def test_package_metadata_license_is_spdx(project: dict[str, object]) -> None:
    assert project["license"] == "MIT"
    assert not any(str(c).startswith("License ::") for c in project.get("classifiers", []))  # type: ignore[attr-defined]


def test_package_metadata_license_file_ships(project: dict[str, object]) -> None:
    files = project["license-files"]
    assert isinstance(files, list) and files
    for name in files:
        text = (REPO / name).read_text(encoding="utf-8")
        assert text.startswith("MIT License")
