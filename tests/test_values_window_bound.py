"""Window.bound: inside the window ("within 6 months") or at least that far ("at least 30 days before")."""

from __future__ import annotations

import pytest

from criteria_nlp.values import find_windows


@pytest.mark.parametrize(
    "text,bound",
    [
        ("any malignant tumor in the last 5 years", "within"),
        ("within 4 weeks prior to enrollment", "within"),
        ("during the previous 12 months", "within"),
        ("less than 6 months before entry", "within"),
        ("for at least 30 days before randomization", "at_least"),
        ("more than 2 weeks after surgery", "at_least"),
        ("3 months prior to screening", None),
    ],
)
def test_values_window_bound(text: str, bound: str | None) -> None:
    (mention,) = find_windows(text)
    assert mention.window.bound == bound
