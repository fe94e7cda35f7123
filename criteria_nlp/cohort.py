"""The patient table a screening run evaluates: coded lists, labs and scores as columns over a cohort
(:func:`criteria_nlp.screening.cohort_from_frame` builds it; the evaluators of :mod:`criteria_nlp.matching`
read it), and the three-valued truth both use."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .schema import Concept

#: a numpy array (one value per patient, or per item of a long list)
Array = npt.NDArray[Any]

#: three-valued truth: holds, does not hold, unknown
T, F, U = 1, 0, -1

__all__ = ["Array", "CodeList", "Cohort", "F", "LabColumn", "ScoreColumn", "T", "U"]


@dataclass
class CodeList:
    """One coded list over a cohort, long form: an item per (row, code)."""

    n: int
    provided: Array  # bool per row: the list is given
    rows: Array  # int per item
    uid: Array  # int per item: index into ``uniques``
    kind: Array  # int per item: index into ``kinds``
    kinds: tuple[str, ...]
    uniques: list[tuple[Concept | None, str | None]]
    uncoded: Array  # bool per row: an item could not be coded

    def _per_unique(self, fn: Callable[[Concept, str | None], bool]) -> Array:
        return np.array([bool(fn(c, name)) if c is not None else False for c, name in self.uniques], dtype=bool)

    def any_rows(self, pred: Callable[[Concept, str | None], bool], kinds: Iterable[str]) -> Array:
        """Rows with an item of one of ``kinds`` for which ``pred(concept, name)`` holds."""
        out = np.zeros(self.n, dtype=bool)
        if not len(self.rows):
            return out
        ok = self._per_unique(pred)
        wanted = np.array([k in set(kinds) for k in self.kinds], dtype=bool)
        mask = ok[self.uid] & wanted[self.kind]
        out[self.rows[mask]] = True
        return out

    def timings(self, fn: Callable[[Concept, str | None, str], int]) -> Array:
        """Three-valued OR per row of ``fn(concept, name, kind)`` over its coded items (false without any)."""
        out = np.full(self.n, 0, dtype=np.int8)
        if not len(self.rows):
            return out
        table = np.zeros((len(self.uniques), len(self.kinds)), dtype=np.int8)
        for i, (c, name) in enumerate(self.uniques):
            if c is None:
                continue
            for j, k in enumerate(self.kinds):
                table[i, j] = fn(c, name, k)
        t = table[self.uid, self.kind]
        any_t = np.zeros(self.n, dtype=bool)
        any_u = np.zeros(self.n, dtype=bool)
        any_t[self.rows[t == 1]] = True
        any_u[self.rows[t == U]] = True
        return np.where(any_t, 1, np.where(any_u, U, 0)).astype(np.int8)

    def closed_world(self, fn: Callable[[Concept, str | None, str], int]) -> Array:
        """:meth:`timings` with the completeness convention: unknown without a list or with uncoded items."""
        base = self.timings(fn)
        return np.where(~self.provided, U, np.where(base != 0, base, np.where(self.uncoded, U, 0))).astype(np.int8)


@dataclass
class LabColumn:
    """One lab over a cohort."""

    value: Array
    result: Array
    units: list[str | None]  # distinct units; None: the lab's canonical unit
    unit_code: Array  # int per row: index into ``units``
    date: Array | None
    ref_low: Array
    ref_high: Array

    def unit_values(self) -> list[str | None]:
        """The distinct units of the column (None: the lab's canonical unit)."""
        return list(self.units)

    def unit_mask(self, unit: str | None) -> Array:
        """Rows whose unit is ``unit``."""
        return np.asarray(self.unit_code == self.units.index(unit))


@dataclass
class ScoreColumn:
    """One score over a cohort."""

    value: Array
    date: Array | None


@dataclass
class Cohort:
    """A patient table prepared for the evaluators of :mod:`criteria_nlp.matching`."""

    n: int
    ids: Array
    as_of: Array  # datetime64[D]
    age_completed: Array
    age_exact: Array
    sex: Array
    pregnant: Array
    lactating: Array
    plans_complete: Array
    lists: dict[str, CodeList]
    labs: dict[str, LabColumn]
    scores: dict[str, ScoreColumn]
    observations: dict[str, tuple[Array, Array]]
