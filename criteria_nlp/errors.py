"""Coded error messages and the exception types of criteria_nlp.

Every message lives here, under a stable code, so that users can search for a
code and tests can assert on it. Messages name the record (a path, a path and
line, or an id) and the problem, never a parser's internal state.

Codes by stage: ``R`` reading records, ``S`` segmentation, ``X`` resources and
catalogues, ``A`` analysis, ``P`` patients and matching, ``B`` batch runs,
``C`` command line.
"""

from __future__ import annotations

from typing import Any


class Errors:
    """Message templates, keyed by code. Format with ``str.format(**fields)``."""

    # reading
    R001 = "{record}: the file is empty."
    R002 = ("{record}: cannot decode the bytes as text ({detail}); tried {tried}; pass the file's encoding with --encoding"
            " (encoding= in Python), e.g. --encoding cp1252.")
    R003 = "{record}: malformed JSON ({detail})."
    R004 = "{record}: malformed XML ({detail})."
    R005 = "{record}: unknown format: {detail}."
    R006 = "{record}: the XML uses entity declarations or a DTD, which are refused for safety ({detail})."
    R007 = "{record}: not a ClinicalTrials.gov study ({detail})."
    R008 = "{record}: no such file or folder{detail}."
    R009 = "{record}: expected exactly one trial, found {count}."
    R010 = "{record}: a bad .zip archive ({detail})."
    R011 = "{record}: a field has an unexpected shape ({detail})."
    R012 = "{record}: the input has no text."
    R013 = "{record}: cannot read the file or folder ({detail})."
    # segmentation
    S001 = "{record}: the default kind must be 'inclusion', 'exclusion' or None, not {detail!r}."
    # resources
    X001 = "{record}: the resource is invalid ({detail})."
    X002 = "{record}: the resource is missing from the package."
    X003 = "{record}: no such pipeline; use {detail} or the path of a pipeline saved with nlp.to_disk."
    X004 = "{record}: a component setting is invalid ({detail})."
    # analysis
    A001 = "{record}: cannot analyse an object of type {detail}; pass a Trial, criteria text (a str), a pathlib.Path or a mapping."
    A002 = "{record}: the serialised analysis is invalid ({detail})."
    # patients and matching
    P001 = "{record}: the patient record is invalid ({detail})."
    P002 = "{record}: the FHIR bundle is invalid ({detail})."
    P003 = "{record}: cannot convert {detail}."
    P004 = "{record}: no such patient file."
    P005 = "{record}: cannot read the patient file ({detail})."
    P006 = "{record}: malformed JSON ({detail})."
    P007 = "{record}: the patient table is invalid ({detail})."
    P008 = "{record}: cannot match against {detail}; pass a TrialAnalysis or its to_dict() output."
    # batch
    B001 = "{record}: the output format is not supported ({detail})."
    B002 = "{record}: the checkpoint does not belong to this run ({detail})."
    B003 = "{record}: the output already exists ({detail})."
    B004 = "{record}: the pipeline failed on this record ({detail})."
    B005 = "{record}: cannot write the output ({detail}); free the space or fix the cause, then run again with --resume."
    B006 = "{record}: no results to read ({detail})."
    B007 = "{record}: invalid option ({detail})."
    B008 = "{record}: the Dask engine cannot start ({detail})."
    B009 = "{record}: the analysis does not fit the output tables ({detail})."
    B010 = "{record}: another run is writing this output ({detail})."
    # command line
    C001 = "{record}: {detail}"
    C002 = "{record}: unknown encoding {detail!r}; name a Python codec such as utf-8, cp1252 or latin-1."
    C003 = "{record}: cannot read or write the file ({detail})."
    C004 = "{record}: {detail}; see {record} --help."
    # values, units and time windows
    V001 = "{record}: cannot interpret the unit ({detail})."
    # evaluation (Chia corpus and scoring)
    E001 = "{record}: line {line}: malformed brat annotation ({detail})."
    E002 = "{record}: line {line}: the annotated text {detail}; the offsets are used."
    E003 = "{record}: line {line}: the entity spans a line break ({detail}); it is not scored."
    E004 = "{record}: line {line}: unknown entity type {detail!r}; the entity is skipped."
    E005 = "{record}: line {line}: the relation names an unknown entity {detail!r}."
    E006 = "{record}: no Chia files here ({detail})."
    E007 = "{record}: no split named {detail!r}; expected 'train' or 'dev'."
    E008 = "{record}: the split file is invalid ({detail})."
    E009 = "{record}: the predictor returned {detail}."
    E010 = "{record}: not a usable TREC Clinical Trials folder ({detail}); expected topics.jsonl, qrels.tsv and trials/."
    E011 = "{record}: not a usable patient-facts gold file ({detail}); expected JSON Lines with text and facts (annotations/patients/README.md)."


class CriteriaNLPError(Exception):
    """Base class of every error criteria_nlp raises on purpose.

    ``code`` is the message code (``"R003"``), ``record`` names the record or
    file, ``detail`` carries the specific problem.
    """

    def __init__(self, code: str, record: str = "<input>", detail: Any = "", **fields: Any) -> None:
        template: str = getattr(Errors, code)
        self.code = code
        self.record = record
        self.detail = detail
        self.fields = fields
        message = template.format(record=record, detail=detail, **fields)
        super().__init__(f"[{code}] {message}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable description, as written to an errors file."""
        return {"code": self.code, "record": self.record, "reason": str(self), "detail": str(self.detail)}


class ReadError(CriteriaNLPError, ValueError):
    """A record could not be read."""


class EmptyInputError(ReadError):
    """The file or string holds nothing to read."""


class DecodeError(ReadError):
    """The bytes cannot be decoded as text."""


class MalformedRecordError(ReadError):
    """The JSON or XML is not well formed, or a record lacks its structure."""


class UnsafeXMLError(ReadError):
    """The XML declares entities or a DTD (entity-expansion bombs, external entities)."""


class UnknownFormatError(ReadError):
    """The input is in none of the supported formats."""


class ResourceError(CriteriaNLPError, ValueError):
    """A packaged rule, lexicon or catalogue is missing or invalid."""


class AnalysisError(CriteriaNLPError, ValueError):
    """The analysis could not be built or restored."""


class PatientError(CriteriaNLPError, ValueError):
    """A patient record could not be read or used."""


class BatchError(CriteriaNLPError, RuntimeError):
    """A batch run cannot proceed."""


def json_detail(exc: Any, line: int | None = None, column: int | None = None) -> str:
    """A ``json.JSONDecodeError`` as "what at line L, column C" (``line``/``column`` override its own).

    Some of ``json``'s messages end in "at" ("Unterminated string starting at"),
    which is dropped so that the position follows it once.
    """
    msg = exc.msg[:-3] if exc.msg.endswith(" at") else exc.msg
    return f"{msg} at line {exc.lineno if line is None else line}, column {exc.colno if column is None else column}"


def validation_detail(exc: Any) -> str:
    """The first problem a pydantic ``ValidationError`` reports, as "where: what" (and how many more)."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ()))
    more = exc.error_count() - 1
    return f"{loc}: {err.get('msg', '')}" + (f" (and {more} more)" if more > 0 else "")
