"""The notebooks run from top to bottom on a fresh kernel, and are kept in git without outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EXPECTED = ["01_quickstart.ipynb", "02_comparing_trials.ipynb", "03_matching.ipynb", "04_registry_scale.ipynb",
            "05_patient_notes.ipynb"]


def test_notebooks_are_the_five_guides() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_notebooks_stored_without_outputs(name: str) -> None:
    notebook = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code, f"{name} has no code"
    assert all(not cell.get("outputs") and cell.get("execution_count") is None for cell in code), (
        f"{name} carries outputs: clear them before committing (jupyter nbconvert --clear-output --inplace)"
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", EXPECTED)
def test_notebooks_run(name: str) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib", reason="the notebooks plot with matplotlib (pip install -e '.[notebooks]')")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    errors = [o for cell in notebook.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
    shown = [o for cell in notebook.cells for o in cell.get("outputs", []) if o.get("output_type") in ("execute_result", "display_data", "stream")]
    assert shown, f"{name} ran but showed nothing"
