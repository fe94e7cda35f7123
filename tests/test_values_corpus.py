"""find_values/find_windows over every registry record in the shared corpora: no exception, consistent offsets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import defusedxml.ElementTree as ET
import pytest

from conftest import shared_path
from criteria_nlp.schema import Value, Window
from criteria_nlp.values import find_values, find_windows


def _v2_texts(folder: Path) -> Iterator[str]:
    for path in sorted(folder.glob("*.json")):
        for study in json.loads(path.read_text(encoding="utf-8")):
            text = study.get("protocolSection", {}).get("eligibilityModule", {}).get("eligibilityCriteria")
            if text:
                yield text


def _xml_texts(folder: Path) -> Iterator[str]:
    for path in sorted(folder.rglob("*.xml")):
        node = ET.parse(path).find("eligibility/criteria/textblock")
        if node is not None and node.text:
            yield node.text


def _check(text: str) -> tuple[int, int]:
    values = find_values(text)
    windows = find_windows(text)
    for m in values:
        assert 0 <= m.start < m.end <= len(text)
        assert m.value.text == text[m.start:m.end]
        assert Value.model_validate(m.value.model_dump()) == m.value
    for w in windows:
        assert 0 <= w.start < w.end <= len(text)
        assert w.window.text == text[w.start:w.end]
        assert Window.model_validate(w.window.model_dump()) == w.window
    assert [m.start for m in values] == sorted(m.start for m in values)
    assert all(a.end <= b.start for a, b in zip(values, values[1:]))
    assert all(a.end <= b.start for a, b in zip(windows, windows[1:]))
    # line by line: offsets stay inside the line (a criterion may run over lines, so the
    # mentions can differ from those of the whole text)
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        for m in [*find_values(text, pos, end), *find_windows(text, pos, end)]:
            assert pos <= m.start < m.end <= end
        pos = end + 1
    return len(values), len(windows)


@pytest.mark.slow
@pytest.mark.shared
def test_values_corpus_ctgov_v2() -> None:
    texts = list(_v2_texts(shared_path("data", "ctgov-v2")))
    assert texts
    counts = [_check(t) for t in texts]
    assert sum(v for v, _ in counts) > len(texts)
    assert sum(w for _, w in counts) > len(texts) // 2


@pytest.mark.slow
@pytest.mark.shared
def test_values_corpus_ctgov_xml() -> None:
    texts = list(_xml_texts(shared_path("data", "ctgov-xml")))
    assert texts
    counts = [_check(t) for t in texts]
    assert sum(v for v, _ in counts) > len(texts)
