"""The README's examples run: every ```python block, in order, in one namespace, in a temporary folder holding the
shipped fixtures (tests/fixtures/seeds, tests/fixtures/patients), and the patient JSON it shows is valid.

A block whose first line is a comment ``# needs ...`` is skipped; the comment says what it needs that a checkout
does not have (a Dask scheduler, the shared corpora). Keep those few.
"""

from __future__ import annotations

import json
import re
import shutil
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from criteria_nlp import read_patient

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
README = REPO / "README.md"
FENCE = re.compile(r"^```(?P<lang>[\w-]*)[ \t]*\n(?P<code>.*?)^```[ \t]*$", re.S | re.M)
SKIP = re.compile(r"^# needs \S")
#: the most blocks that may be skipped: each one is an example nobody checks
MOST_SKIPPED = 2


def blocks(lang: str, text: str | None = None) -> list[tuple[int, str]]:
    """(line number, code) of every fenced block of ``lang`` in the README (or ``text``)."""
    text = README.read_text(encoding="utf-8") if text is None else text
    return [(text.count("\n", 0, m.start()) + 2, m.group("code")) for m in FENCE.finditer(text) if m.group("lang") == lang]


def section(heading: str) -> str:
    """The README's text under ``heading`` up to the next heading of any level."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n{heading}\n")
    following = re.search(r"^#{1,6} ", text[start + len(heading) + 2:], re.M)
    return text[start: start + len(heading) + 2 + following.start()] if following else text[start:]


def test_readme_examples_blocks_are_found() -> None:
    sample = "text\n```python\nx = 1\n```\nmore\n```bash\nls\n```\n```python\n# needs ../shared\ny = 2\n```\n"
    assert blocks("python", sample) == [(3, "x = 1\n"), (10, "# needs ../shared\ny = 2\n")]
    assert len(blocks("python")) >= 4


def test_readme_examples_skip_few_blocks_and_say_why() -> None:
    skipped = [code.splitlines()[0] for _, code in blocks("python") if SKIP.match(code)]
    assert len(skipped) <= MOST_SKIPPED, skipped
    assert all(len(line) > len("# needs ") + 10 for line in skipped), skipped


def test_readme_examples_python_blocks_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("seeds", "patients"):
        shutil.copytree(FIXTURES / name, tmp_path / "tests" / "fixtures" / name)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "readme"}
    ran = 0
    for line, code in blocks("python"):
        if SKIP.match(code):
            continue
        # a failure's traceback names README.md and the block's line
        exec(compile(code, f"README.md, block at line {line}", "exec"), namespace)  # noqa: S102
        ran += 1
    assert ran >= 4
    assert (tmp_path / "out" / "lupus.parquet").is_dir()  # the Quick start's batch run wrote where it says


def test_readme_examples_patient_json_is_valid() -> None:
    shown = blocks("json", section("### The patient JSON"))
    assert shown, "the patient JSON section shows an example"
    schema = json.loads(resources.files("criteria_nlp.resources").joinpath("patient.schema.json").read_text("utf-8"))
    for _, code in shown:
        data = json.loads(code)
        jsonschema.validate(data, schema)
        patient = read_patient(data)
        assert patient.id == data.get("id", "patient")
        assert all(f.concept is not None for f in [*(patient.conditions or []), *(patient.medications or []), *patient.labs,
                                                   *patient.scores, *patient.observations]), "every fact shown is coded"
