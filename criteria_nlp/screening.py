"""Screening a cohort: one trial's rules over a table of patients, vectorised.

``screen(patients_df, analysis)`` returns one row per patient: ``patient_id``,
``trial_id``, ``verdict``, the counts ``met``/``not_met``/``unknown`` (over
computable rules) and one column per rule id (``r1``, ``r2``, ...) holding
``met``, ``not_met`` or ``unknown`` (non-computable rules are ``unknown``).
Each rule is evaluated with numpy/pandas operations over the whole table (a
Python loop runs over rules and over the distinct codes of the table, never
over patients), by the same evaluators as :func:`criteria_nlp.match`, so both
give the same answers (:func:`patients_from_frame` is the per-patient reading
of the same table).

Columns (all optional except ``patient_id``; unknown column names are ignored,
but a ``lab:``, ``score:`` or ``obs:`` column the lexicon does not know is an
error ``P007``):

=========================  ==================================================
``patient_id`` (or ``id``)  the patient's id
``as_of``                   the date the row speaks for (else the ``as_of``
                            argument, else today)
``birth_date`` / ``age``    date of birth, or age in years on ``as_of``
                            (``birth_date`` wins)
``sex``                     female / male / other / unknown (F, M accepted)
``pregnant``, ``lactating`` True / False / missing
``conditions``              current (active) conditions: a list of codes or a
                            string of ``;``-separated codes (ICD-10-CM; any
                            other text is coded as a name). Missing (NaN/None)
                            = no list (unknown); ``""`` or ``[]`` = the
                            patient has none (closed world)
``conditions_history``      resolved or past conditions (same format); the
                            condition list is given when either column is
``medications``,            current, past and planned medications: DrugBank
``medications_history``,    ids (DB00635), ATC codes (H02AB07) or names
``medications_planned``
``procedures``,             done and planned procedures: lexicon ids
``procedures_planned``      (``proc:hemodialysis``), ``SYSTEM:code``
                            (``SNOMED:302497006``) or names
``family_history``          relatives' conditions (ICD-10-CM)
``plans_complete``          True when the planned lists are complete
``<LOINC>`` or ``lab:<id>`` a lab value ("2160-0", "lab:creatinine"): a number
                            or a qualitative result ("positive"), with
                            optional ``<col>_unit`` (default: the lab's
                            canonical unit), ``<col>_date`` (default: as_of),
                            ``<col>_low``/``<col>_high`` (the lab's own
                            reference range, in the row's unit)
``score:<ID>`` or ``<ID>``  a score by catalogue id ("SELENA-SLEDAI"), with
                            optional ``<col>_date``
``obs:<id>``                an observation ("obs:smoking"): True/False or
                            current/former/never
=========================  ==================================================

Coded facts in a table have no dates: a current condition is active on
``as_of``, a past one is resolved at an unknown date (so a window cannot place
it: unknown). Windows are anchored on ``as_of`` (a table has no named dates).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .cohort import Array, CodeList, Cohort, LabColumn, ScoreColumn, U
from .errors import PatientError
from .lexicon import Lexicon
from .matching import RESULT_NAMES, VERDICTS, compile_trial
from .patient import (
    Patient,
    condition_concept,
    drug_concept,
    fact_fields,
    lab_entry,
    lab_key,
    observation_value,
    procedure_concept,
    qualitative,
    score_entry,
)
from .schema import Concept, TrialAnalysis


__all__ = ["Cohort", "CodeList", "LIST_COLUMNS", "cohort_from_frame", "patients_from_frame", "screen", "synthetic_patients"]

#: list name -> (column, kind) pairs
LIST_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "conditions": (("conditions", "current"), ("conditions_history", "history")),
    "medications": (("medications", "current"), ("medications_history", "history"), ("medications_planned", "planned")),
    "procedures": (("procedures", "completed"), ("procedures_planned", "planned")),
    "family_history": (("family_history", "family"),),
}
_KIND_STATUS = {
    ("conditions", "current"): "active", ("conditions", "history"): "resolved",
    ("medications", "current"): "active", ("medications", "history"): "completed", ("medications", "planned"): "intended",
    ("procedures", "completed"): "completed", ("procedures", "planned"): "planned",
}
_COMPANIONS = ("_unit", "_date", "_low", "_high")
_SEX = {"f": "female", "female": "female", "woman": "female", "w": "female", "m": "male", "male": "male", "man": "male",
        "other": "other", "unknown": "unknown", "u": "unknown", "": "unknown"}


# --------------------------------------------------------------------------- cells and facts


def _items(cell: Any) -> list[str] | None:
    """The codes of one list cell: None when the list is not given."""
    if cell is None:
        return None
    if isinstance(cell, float) and np.isnan(cell):
        return None
    if isinstance(cell, str):
        return [p.strip() for p in cell.split(";") if p.strip()]
    if isinstance(cell, (list, tuple, np.ndarray, pd.Series)):
        return [str(p).strip() for p in cell if p is not None and str(p).strip() and str(p) != "nan"]
    return [str(cell).strip()]


def item_concept(list_name: str, item: str) -> tuple[Concept | None, str | None]:
    """(concept, name) of a table item, read (:func:`~criteria_nlp.patient.fact_fields`) and coded as the fact models do."""
    f = fact_fields(list_name, item)
    code, name = f.get("code"), f.get("name")
    if list_name in ("conditions", "family_history"):
        return condition_concept(code, None, name), name
    if list_name == "medications":
        return drug_concept(code, None, name), name
    return procedure_concept(code, None, name), name


# --------------------------------------------------------------------------- the cohort


def _bool3(series: pd.Series | None, n: int, column: str) -> Array:
    """True/False/missing cells as 1/0/-1."""
    out = np.full(n, U, dtype=np.int8)
    if series is None:
        return out
    codes, uniques = pd.factorize(series.reset_index(drop=True).astype(object))
    for i, value in enumerate(uniques):
        flag = _yes_no(value)
        if flag is None and str(value).strip().lower() not in ("", "nan", "none", "<na>"):
            raise PatientError("P007", record=column, detail=f"not a yes/no value: {value!r}")
        out[codes == i] = U if flag is None else int(flag)
    return out


def _yes_no(value: Any) -> bool | None:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "yes", "y", "1", "1.0"):
        return True
    if text in ("false", "no", "n", "0", "0.0"):
        return False
    return None


def _dates(series: pd.Series, column: str) -> Array:
    try:
        days: Array = pd.to_datetime(series, errors="raise", utc=False).to_numpy(dtype="datetime64[D]")
        return days
    except (ValueError, TypeError) as exc:
        raise PatientError("P007", record=column, detail=f"not a date ({exc})") from None


def _lab_columns(df: pd.DataFrame) -> dict[str, tuple[str, Any]]:
    lex = Lexicon.load()
    out: dict[str, tuple[str, Any]] = {}
    for col in df.columns:
        name = str(col)
        if name.endswith(_COMPANIONS) and name.rsplit("_", 1)[0] in df.columns:
            continue
        entry = None
        if name.startswith("lab:") or re.match(r"^[0-9]{1,7}-[0-9]$", name):
            entry = lab_entry(name, None)
            if entry is None and name.startswith("lab:"):
                raise PatientError("P007", record=name, detail="not a lab of the lexicon")
            key = lab_key(entry) if entry is not None else name
            if key in out:
                raise PatientError("P007", record=name, detail=f"the same lab as column {out[key][0]!r}")
            out[key] = (name, entry)
    del lex
    return out


def _score_columns(df: pd.DataFrame) -> dict[str, str]:
    lex = Lexicon.load()
    ids = {e.concept.code for e in lex.entries("SCORE")}
    out: dict[str, str] = {}
    for col in df.columns:
        name = str(col)
        if name.startswith("score:") or name in ids:
            entry = score_entry(name.removeprefix("score:"), None) if name.removeprefix("score:") in ids else None
            if entry is None:
                raise PatientError("P007", record=name, detail="not a score of the catalogue")
            if entry.concept.code in out:
                raise PatientError("P007", record=name, detail=f"the same score as column {out[entry.concept.code]!r}")
            out[entry.concept.code] = name
    return out


def _obs_columns(df: pd.DataFrame) -> dict[str, str]:
    lex = Lexicon.load()
    out: dict[str, str] = {}
    for col in df.columns:
        name = str(col)
        if name.startswith("obs:"):
            try:
                lex.get(name)
            except KeyError:
                raise PatientError("P007", record=name, detail="not an observation of the lexicon") from None
            out[name] = name
    return out


def _as_of_array(df: pd.DataFrame, as_of: dt.date | None) -> Array:
    n = len(df)
    default = np.datetime64(as_of or dt.date.today(), "D")
    if "as_of" in df.columns:
        days = _dates(df["as_of"], "as_of")
        return np.where(np.isnat(days), default, days)
    return np.full(n, default, dtype="datetime64[D]")


def _ages(df: pd.DataFrame, as_of: Array) -> tuple[Array, Array]:
    n = len(df)
    completed = np.full(n, np.nan)
    exact = np.full(n, np.nan)
    if "age" in df.columns:
        age = pd.to_numeric(df["age"], errors="coerce").to_numpy(dtype=float)
        completed = np.floor(age)
        exact = age.copy()
    if "birth_date" in df.columns:
        birth = _dates(df["birth_date"], "birth_date")
        known = ~np.isnat(birth)
        a = pd.DatetimeIndex(as_of)
        b = pd.DatetimeIndex(np.where(known, birth, as_of))
        before = (a.month.to_numpy() < b.month.to_numpy()) | ((a.month.to_numpy() == b.month.to_numpy()) & (a.day.to_numpy() < b.day.to_numpy()))
        years = a.year.to_numpy() - b.year.to_numpy() - before.astype(int)
        days = (as_of - np.where(known, birth, as_of)).astype(np.int64)
        completed = np.where(known, years.astype(float), completed)
        exact = np.where(known, days / 365.25, exact)
    return completed, exact


def _code_list(df: pd.DataFrame, list_name: str) -> CodeList:
    n = len(df)
    kinds = tuple(kind for _, kind in LIST_COLUMNS[list_name])
    provided = np.zeros(n, dtype=bool)
    rows_parts: list[Array] = []
    value_parts: list[Array] = []
    kind_parts: list[Array] = []
    for col, kind in LIST_COLUMNS[list_name]:
        if col not in df.columns:
            continue
        s = df[col].reset_index(drop=True).astype(object)
        given = s.notna().to_numpy(dtype=bool)
        provided |= given
        split = s.str.split(";")  # strings split; lists (and missing cells) give NaN here
        parts = split.where(split.notna(), s)[given]
        long = parts.explode()
        long = long[long.notna()].astype(str).str.strip()
        long = long[(long != "") & (long != "nan")]
        rows_parts.append(long.index.to_numpy(dtype=np.int64))
        value_parts.append(long.to_numpy(dtype=object))
        kind_parts.append(np.full(len(long), kinds.index(kind), dtype=np.int64))
    rows = np.concatenate(rows_parts) if rows_parts else np.zeros(0, dtype=np.int64)
    values = np.concatenate(value_parts) if value_parts else np.zeros(0, dtype=object)
    kind_idx = np.concatenate(kind_parts) if kind_parts else np.zeros(0, dtype=np.int64)
    uid, uniq = pd.factorize(pd.Series(values, dtype=object))
    uniques = [item_concept(list_name, str(u)) for u in uniq]
    uncoded = np.zeros(n, dtype=bool)
    if uniques:
        none = np.array([c is None for c, _ in uniques], dtype=bool)
        uncoded[rows[none[uid]]] = True
    return CodeList(n=n, provided=provided, rows=rows, uid=np.asarray(uid, dtype=np.int64), kind=kind_idx, kinds=kinds,
                    uniques=uniques, uncoded=uncoded)


def _lab_column(df: pd.DataFrame, col: str) -> LabColumn:
    n = len(df)
    raw = df[col].reset_index(drop=True)
    value = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    result = np.full(n, U, dtype=np.int8)
    if raw.dtype == object:
        text_rows = raw.notna().to_numpy() & np.isnan(value)
        if text_rows.any():
            words = raw[text_rows].astype(str)
            mapped = words.map(lambda w: {"positive": 1, "negative": 0}.get(qualitative(w) or "", None))
            bad = mapped.isna() & (words.str.strip() != "")
            if bad.any():
                raise PatientError("P007", record=col, detail=f"lab value {words[bad].iloc[0]!r} is neither a number nor a qualitative result")
            result[text_rows] = mapped.fillna(U).to_numpy(dtype=np.int8)
    value[~np.isfinite(value)] = np.nan
    units: list[str | None] = [None]
    unit_code = np.zeros(n, dtype=np.int64)
    if f"{col}_unit" in df.columns:
        u = df[f"{col}_unit"].reset_index(drop=True).astype(object)
        u = u.where(u.notna(), "").astype(str).str.strip()
        codes, levels = pd.factorize(u)
        units = [str(x) or None for x in levels]
        if None not in units:
            units.append(None)
        remap = np.array([units.index(str(x) or None) for x in levels], dtype=np.int64)
        unit_code = remap[codes] if len(levels) else unit_code
    date = _dates(df[f"{col}_date"].reset_index(drop=True), f"{col}_date") if f"{col}_date" in df.columns else None
    low = pd.to_numeric(df[f"{col}_low"], errors="coerce").to_numpy(dtype=float) if f"{col}_low" in df.columns else np.full(n, np.nan)
    high = pd.to_numeric(df[f"{col}_high"], errors="coerce").to_numpy(dtype=float) if f"{col}_high" in df.columns else np.full(n, np.nan)
    return LabColumn(value=value, result=result, units=units, unit_code=unit_code, date=date, ref_low=low, ref_high=high)


def _score_column(df: pd.DataFrame, col: str, code: str) -> ScoreColumn:
    raw = df[col].reset_index(drop=True)
    value = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    if raw.dtype == object:
        text_rows = raw.notna().to_numpy() & np.isnan(value)
        if text_rows.any():
            entry = score_entry(code, None)
            grades = {g.label.casefold(): g.value for g in entry.grades} if entry is not None else {}
            words = raw[text_rows].astype(str).str.strip().str.casefold()
            mapped = words.map(grades)
            if mapped.isna().any():
                raise PatientError("P007", record=col, detail=f"score value {words[mapped.isna()].iloc[0]!r} is not a number or a grade")
            value[text_rows] = mapped.to_numpy(dtype=float)
    date = _dates(df[f"{col}_date"].reset_index(drop=True), f"{col}_date") if f"{col}_date" in df.columns else None
    return ScoreColumn(value=value, date=date)


def _obs_column(df: pd.DataFrame, col: str) -> tuple[Array, Array]:
    raw = df[col].reset_index(drop=True)
    present = np.full(len(df), U, dtype=np.int8)
    ever = np.full(len(df), U, dtype=np.int8)
    codes, uniques = pd.factorize(raw.astype(object).where(raw.notna(), None), use_na_sentinel=True)
    for i, u in enumerate(uniques):
        try:
            p, e = observation_pair(u)
        except ValueError as exc:
            raise PatientError("P007", record=col, detail=str(exc)) from None
        present[codes == i] = U if p is None else int(p)
        ever[codes == i] = U if e is None else int(e)
    return present, ever


def observation_pair(value: Any) -> tuple[bool | None, bool | None]:
    """(present, ever) of an observation cell, with the fact model's completions."""
    if isinstance(value, np.bool_):
        value = bool(value)
    present, ever = observation_value(value)
    if present is True and ever is None:
        ever = True
    if ever is False and present is None:
        present = False
    return present, ever


def cohort_from_frame(df: pd.DataFrame, as_of: dt.date | None = None) -> Cohort:
    """Prepare a patient table (see the module docstring for its columns)."""
    if "patient_id" not in df.columns and "id" not in df.columns:
        raise PatientError("P007", record="<table>", detail="no patient_id column")
    df = df.reset_index(drop=True)
    n = len(df)
    ids = df["patient_id" if "patient_id" in df.columns else "id"].astype(str).to_numpy(dtype=object)
    days = _as_of_array(df, as_of)
    completed, exact = _ages(df, days)
    if "sex" in df.columns:
        text = df["sex"].where(df["sex"].notna(), "").astype(str).str.strip().str.lower()
        sex = text.map(_SEX)
        if sex.isna().any():
            raise PatientError("P007", record="sex", detail=f"unknown sex {text[sex.isna()].iloc[0]!r}")
        sex_arr = sex.to_numpy(dtype=object)
    else:
        sex_arr = np.full(n, "unknown", dtype=object)
    plans = _bool3(df["plans_complete"], n, "plans_complete") == 1 if "plans_complete" in df.columns else np.zeros(n, dtype=bool)
    return Cohort(
        n=n, ids=ids, as_of=days, age_completed=completed, age_exact=exact, sex=sex_arr,
        pregnant=_bool3(df["pregnant"] if "pregnant" in df.columns else None, n, "pregnant"),
        lactating=_bool3(df["lactating"] if "lactating" in df.columns else None, n, "lactating"),
        plans_complete=plans,
        lists={name: _code_list(df, name) for name in LIST_COLUMNS},
        labs={key: _lab_column(df, col) for key, (col, _) in _lab_columns(df).items()},
        scores={code: _score_column(df, col, code) for code, col in _score_columns(df).items()},
        observations={code: _obs_column(df, col) for code, col in _obs_columns(df).items()},
    )


# --------------------------------------------------------------------------- screening


def screen(patients_df: "pd.DataFrame | Cohort", analysis: TrialAnalysis | Mapping[str, Any], *,
           as_of: dt.date | None = None) -> pd.DataFrame:
    """One trial over a table of patients: a row per patient with the verdict and a column per rule.

    ``as_of`` is the date for rows without an ``as_of`` column (default today).
    The answers are those of :func:`criteria_nlp.match` on :func:`patients_from_frame`.
    To screen one table against many trials, prepare it once with
    :func:`cohort_from_frame` and pass the :class:`Cohort` instead of the frame.
    """
    compiled = compile_trial(analysis)
    cohort = patients_df if isinstance(patients_df, Cohort) else cohort_from_frame(patients_df, as_of)
    truth, verdict = compiled.evaluate_cohort(cohort)
    cats = ["met", "not_met", "unknown"]
    code_of = {1: 0, 0: 1, U: 2}
    out: dict[str, Any] = {
        "patient_id": cohort.ids,
        "trial_id": np.full(cohort.n, compiled.trial_id, dtype=object),
        "verdict": pd.Categorical.from_codes(verdict, categories=list(VERDICTS)),
    }
    met = np.zeros(cohort.n, dtype=np.int64)
    not_met = np.zeros(cohort.n, dtype=np.int64)
    unknown = np.zeros(cohort.n, dtype=np.int64)
    columns: dict[str, Any] = {}
    for rule in compiled.rules:
        if rule.id in truth:
            t = truth[rule.id]
            met += t == 1
            not_met += t == 0
            unknown += t == U
            codes = np.select([t == 1, t == 0], [code_of[1], code_of[0]], code_of[U]).astype(np.int8)
        else:
            codes = np.full(cohort.n, code_of[U], dtype=np.int8)
        columns[rule.id] = pd.Categorical.from_codes(codes, categories=cats)
    out.update(met=met, not_met=not_met, unknown=unknown)
    out.update(columns)
    frame = pd.DataFrame(out)
    frame.attrs["trial_id"] = compiled.trial_id
    return frame


def _cell(row: Mapping[str, Any], col: str) -> Any:
    value = row.get(col)
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if value is pd.NaT or (isinstance(value, type(pd.NA)) and value is pd.NA):
        return None
    return value


def patients_from_frame(df: pd.DataFrame, as_of: dt.date | None = None) -> list[Patient]:
    """The patients of a table, one :class:`Patient` per row (the per-patient reading :func:`screen` agrees with)."""
    df = df.reset_index(drop=True)
    labs = _lab_columns(df)
    scores = _score_columns(df)
    obs = _obs_columns(df)
    default = as_of or dt.date.today()
    patients: list[Patient] = []
    for row in df.to_dict(orient="records"):
        data: dict[str, Any] = {"id": str(row.get("patient_id", row.get("id")))}
        data["as_of"] = _cell(row, "as_of") or default
        for key in ("birth_date", "age", "sex"):
            value = _cell(row, key)
            if value is not None:
                data[key] = value
        for key in ("pregnant", "lactating", "plans_complete"):
            value = _cell(row, key)
            flag = _yes_no(value) if value is not None else None
            if flag is not None:
                data[key] = flag
        for list_name, pairs in LIST_COLUMNS.items():
            items: list[dict[str, Any]] | None = None
            for col, kind in pairs:
                if col not in row:
                    continue
                codes = _items(row[col])
                if codes is None:
                    continue
                items = items or []
                for code in codes:
                    fact = fact_fields(list_name, code)
                    status = _KIND_STATUS.get((list_name, kind))
                    if status is not None:
                        fact["status"] = status
                    items.append(fact)
            if items is not None:
                data[list_name] = items
        lab_facts = []
        for key, (col, _) in labs.items():
            value = _cell(row, col)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            lab: dict[str, Any] = {"code": col, "value": value}
            unit = _cell(row, f"{col}_unit")
            if unit is not None and str(unit).strip():
                lab["unit"] = str(unit).strip()
            for suffix, name in (("_date", "date"), ("_low", "reference_low"), ("_high", "reference_high")):
                extra = _cell(row, col + suffix)
                if extra is not None:
                    lab[name] = extra
            lab_facts.append(lab)
        data["labs"] = lab_facts
        data["scores"] = [
            {"code": code, "value": _cell(row, col), **({"date": _cell(row, col + "_date")} if _cell(row, col + "_date") is not None else {})}
            for code, col in scores.items() if _cell(row, col) is not None
        ]
        observations = []
        for code, col in obs.items():
            value = _cell(row, col)
            if value is None:
                continue
            present, ever = observation_pair(value)
            observations.append({"code": code, "present": present, "ever": ever})
        data["observations"] = observations
        try:
            patients.append(Patient.model_validate(data))
        except Exception as exc:
            raise PatientError("P007", record=data["id"], detail=str(exc).splitlines()[0]) from None
    return patients


# --------------------------------------------------------------------------- synthetic cohorts

_CONDITIONS = ["M32.14", "M32.9", "M32.13", "M32.19", "B20", "C50.919", "C44.91", "I10", "I21.4", "I50.9", "N18.6", "Z99.2",
               "E11.9", "E10.9", "A15.0", "J18.9", "F32.A", "K76.0", "K70.30", "M05.79", "G35", "Z33.1", "B18.1", "I11.9",
               "N17.9", "R51.9", "lupus", "hypertension"]
_HISTORY = ["C50.919", "C44.91", "Z85.3", "I21.4", "A15.0", "J18.9", "N17.9"]
_MEDS = ["DB00635", "DB00531", "H02AB07", "L04AX01", "DB01611", "hydroxychloroquine", "rituximab", "DB00563"]
_PROCS = ["proc:hemodialysis", "SNOMED:302497006", "proc:renal-biopsy", "proc:kidney-transplant", "CPT:90935", "proc:mri"]
_PLANNED = ["proc:kidney-transplant", "proc:renal-biopsy"]
_FAMILY = ["C50.919", "I21.4", "E11.9", "C18.9", "M32.9"]


def synthetic_patients(n: int, *, seed: int = 0, as_of: dt.date = dt.date(2026, 1, 1)) -> pd.DataFrame:
    """A random table of ``n`` patients in :func:`screen`'s columns (lupus-trial facts, with gaps), for tests and benchmarks.

    Not clinical data: codes, values, units and missing cells are drawn at random
    so that every kind of rule meets met, not met and unknown cases.
    """
    rng = np.random.default_rng(seed)

    def pick_lists(pool: list[str], p_missing: float, max_items: int, weights: Sequence[float] | None = None) -> list[Any]:
        count = rng.integers(0, max_items + 1, size=n)
        missing = rng.random(n) < p_missing
        p = np.array(weights, dtype=float) / np.sum(weights) if weights is not None else None
        idx = rng.choice(len(pool), size=(n, max_items), p=p)
        as_list = rng.random(n) < 0.2  # some cells are Python lists, the others ";"-joined strings
        out: list[Any] = []
        for i in range(n):
            if missing[i]:
                out.append(None)
                continue
            items = list(dict.fromkeys(pool[j] for j in idx[i, : count[i]]))
            out.append(items if as_list[i] else "; ".join(items))
        return out

    def maybe(values: Array, p_missing: float) -> Array:
        v = values.astype(object)
        v[rng.random(n) < p_missing] = None
        return v

    ages = rng.integers(10, 85, size=n).astype(float)
    birth = np.array([as_of - dt.timedelta(days=int(a * 365.25) + int(d)) for a, d in zip(ages, rng.integers(0, 365, size=n))], dtype=object)
    use_birth = rng.random(n) < 0.5
    sex = rng.choice(np.array(["female", "male", "unknown", "F"], dtype=object), size=n, p=[0.6, 0.3, 0.05, 0.05])
    creat_unit = rng.choice(np.array(["mg/dL", "µmol/L", None], dtype=object), size=n, p=[0.5, 0.3, 0.2])
    creat = np.where(creat_unit == "µmol/L", rng.normal(90, 40, size=n), rng.normal(1.0, 0.45, size=n)).round(2)
    lab_days = np.array([as_of - dt.timedelta(days=int(d)) for d in rng.integers(-5, 400, size=n)], dtype=object)
    dsdna = rng.choice(np.array(["positive", "negative", "12.5", "250", None], dtype=object), size=n)
    frame = pd.DataFrame({
        "patient_id": [f"p{i:06d}" for i in range(n)],
        "age": np.where(use_birth, np.nan, ages),
        "birth_date": np.where(use_birth, birth, np.array(None, dtype=object)),
        "sex": maybe(sex, 0.02),
        "pregnant": maybe(rng.random(n) < 0.1, 0.4),
        "lactating": maybe(rng.random(n) < 0.05, 0.5),
        "conditions": pick_lists(_CONDITIONS, 0.1, 3, [12, 6, 2, 2] + [1] * (len(_CONDITIONS) - 4)),
        "conditions_history": pick_lists(_HISTORY, 0.6, 2),
        "medications": pick_lists(_MEDS, 0.2, 3),
        "medications_history": pick_lists(_MEDS, 0.7, 2),
        "procedures": pick_lists(_PROCS, 0.3, 2),
        "procedures_planned": pick_lists(_PLANNED, 0.8, 1),
        "family_history": pick_lists(_FAMILY, 0.5, 2),
        "plans_complete": rng.random(n) < 0.3,
        "2160-0": maybe(creat, 0.3),
        "2160-0_unit": creat_unit,
        "2160-0_date": maybe(lab_days, 0.3),
        "1742-6": maybe(rng.lognormal(3.3, 0.6, size=n).round(0), 0.3),
        "1742-6_high": maybe(np.full(n, 40.0), 0.5),
        "1920-8": maybe(rng.lognormal(3.2, 0.6, size=n).round(0), 0.4),
        "1920-8_low": maybe(np.full(n, 10.0), 0.6),
        "1920-8_high": maybe(np.full(n, 35.0), 0.6),
        "5130-0": dsdna,
        "10230-1": maybe(rng.normal(58, 9, size=n).round(0), 0.5),
        "SELENA-SLEDAI": maybe(rng.integers(0, 20, size=n).astype(float), 0.3),
        "ACR-1997": maybe(rng.integers(0, 12, size=n).astype(float), 0.4),
        "obs:smoking": maybe(rng.choice(np.array(["current", "former", "never"], dtype=object), size=n), 0.4),
    })
    return frame
