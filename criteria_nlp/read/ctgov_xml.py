"""ClinicalTrials.gov legacy XML records (``<clinical_study>``) as ``Trial`` objects.

Parsing goes through ``defusedxml`` with DTDs, entity declarations and external
references forbidden: a document that declares any of them is refused
(``UnsafeXMLError`` R006) before anything is expanded or fetched.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import defusedxml
import defusedxml.ElementTree as SafeET

from ..errors import MalformedRecordError, UnknownFormatError, UnsafeXMLError
from ..schema import Eligibility, Intervention, Trial
from . import normalize as norm
from .common import bom_encoding, choose_id, decode, record_name

FORMAT = "ctgov-xml"
REGISTRY = "ClinicalTrials.gov"
ROOT = "clinical_study"

_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*\bencoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


def parse_xml(data: bytes | str, name: str) -> ET.Element:
    """Parse XML (bytes, or text already decoded) safely; typed errors (R002, R004, R006) name ``name``."""
    if isinstance(data, bytes):
        declared = _DECLARED_ENCODING.match(data)
        if bom_encoding(data) is None and (declared is None or declared.group(1).lower() in {b"utf-8", b"utf8"}):
            decode(data, name)  # invalid UTF-8 with no other declared encoding: DecodeError R002
    try:
        root: ET.Element = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        raise UnsafeXMLError("R006", record=name, detail="a DOCTYPE declaration") from None
    except defusedxml.EntitiesForbidden as exc:
        raise UnsafeXMLError("R006", record=name, detail=f"the entity {exc.name!r}") from None
    except defusedxml.ExternalReferenceForbidden as exc:
        raise UnsafeXMLError("R006", record=name, detail=f"an external reference to {exc.sysid!r}") from None
    except defusedxml.DefusedXmlException as exc:
        raise UnsafeXMLError("R006", record=name, detail=type(exc).__name__) from None
    except ET.ParseError as exc:
        line, column = exc.position
        message = str(exc).split(":", 1)[0]
        raise MalformedRecordError("R004", record=name, detail=f"{message} at line {line}, column {column + 1}") from None
    except (LookupError, ValueError) as exc:  # an unknown declared encoding
        raise MalformedRecordError("R004", record=name, detail=str(exc)) from None
    return root


def _text(root: ET.Element, path: str) -> str | None:
    return norm.clean(root.findtext(path))


def _all(root: ET.Element, path: str) -> list[str]:
    out = []
    for element in root.findall(path):
        value = norm.clean(element.text)
        if value:
            out.append(value)
    return out


def trial_from_element(root: ET.Element, name: str) -> Trial:
    """Build a ``Trial`` from a parsed ``<clinical_study>`` element."""
    if root.tag != ROOT:
        raise UnknownFormatError("R005", record=name, detail=f"XML whose root is <{root.tag}>, not <{ROOT}>")
    nct = _text(root, "id_info/nct_id")
    text = norm.criteria_text(root.findtext("eligibility/criteria/textblock"))
    secondary = _all(root, "id_info/org_study_id") + _all(root, "id_info/secondary_id")
    interventions = []
    for element in root.findall("intervention"):
        intervention_name = _text(element, "intervention_name")
        if intervention_name:
            interventions.append(Intervention(type=norm.intervention_type(element.findtext("intervention_type")), name=intervention_name))
    enrollment_text = _text(root, "enrollment")
    enrollment = norm.enrollment(enrollment_text)
    if enrollment_text is not None and enrollment is None:
        raise MalformedRecordError("R011", record=record_name(name, nct), detail=f"enrollment {enrollment_text!r} is not a number")
    return Trial(
        id=choose_id(nct, *secondary, text=text),
        registry=REGISTRY,
        title=_text(root, "brief_title") or _text(root, "official_title"),
        status=norm.status(_text(root, "overall_status")),
        phases=norm.phases(_text(root, "phase")),
        enrollment=enrollment,
        study_type=norm.study_type(_text(root, "study_type")),
        conditions=_all(root, "condition"),
        interventions=interventions,
        eligibility_text=text,
        eligibility=Eligibility(
            minimum_age=norm.age(_text(root, "eligibility/minimum_age")),
            maximum_age=norm.age(_text(root, "eligibility/maximum_age")),
            sex=norm.sex(_text(root, "eligibility/gender")),
            healthy_volunteers=norm.healthy_volunteers(_text(root, "eligibility/healthy_volunteers")),
        ),
        secondary_ids=secondary,
        format=FORMAT,
        source=name,
    )


def trial_from_xml(data: bytes, name: str) -> Trial:
    """Parse one ``<clinical_study>`` document (bytes) into a ``Trial``."""
    return trial_from_element(parse_xml(data, name), name)
