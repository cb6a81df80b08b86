"""Issuing the two documents: scoping, the signed-only rule, rendering and the ``export`` audit.

The API and the pages both call these, so a browser and an integration get the same PDF.
"""

import datetime as dt
import uuid

from django.http import Http404
from django.utils import timezone

from records import services
from records.choices import RecordStatus
from records.exceptions import InvalidInput, NotSigned
from records.models import Assessment, Patient

from .course_summary import course_summary_pdf, pain_series
from .layout import ChartSeries
from .procedure_note import procedure_note_pdf
from .sources import (
    course_sources,
    outcome_responses,
    practitioner_authorisations,
    session_representation,
    session_signature,
)

__all__ = ["IssuedDocument", "course_summary", "outcome_trends", "procedure_note"]


class IssuedDocument:
    """A rendered PDF and the file name it is offered under (ids only, no patient data)."""

    def __init__(self, filename: str, content: bytes):
        self.filename = filename
        self.content = content


def _uuid(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def procedure_note(*, actor, clinic, session_id, base_url: str) -> IssuedDocument:
    """The signed session's procedure note. Another clinic's session is 404, a draft ``NotSigned``."""
    session = session_representation(clinic, _uuid(session_id))
    if session is None:
        raise Http404
    if session["status"] != RecordStatus.SIGNED:
        raise NotSigned("A draft session has no procedure note: sign it first.")
    patient = Patient.objects.get(clinic=clinic, pk=session["patient"])
    patient.clinic = clinic
    started = dt.datetime.fromisoformat(session["started_at"])
    content = procedure_note_pdf(
        session=session, patient=patient, clinic=clinic, digest=session_signature(clinic, session["id"]),
        verify_url=f"{base_url}/api/v1/sessions/{session['id']}/verify/",
        authorisations=practitioner_authorisations(session["practitioner"], started.date()),
        generated_at=timezone.now(),
    )
    services.document_issued(actor=actor, patient=patient, document="procedure_note", object_id=session["id"])
    return IssuedDocument(f"procedure-note-{session['id']}.pdf", content)


def outcome_trends(sources: dict) -> list[ChartSeries]:
    """The trend series of the summary, pain (NPRS) first.

    Then one series per outcome instrument the patient answered (PSFS …), in order of
    first use: ``(instrument name and direction, [(date, score)], mcid)``.
    """
    series = [pain_series(sources["sessions"])]
    by_instrument: dict[str, tuple[str, list, float]] = {}
    for row in sources.get("outcome_responses", ()):
        direction = "higher is better" if row["instrument__higher_is_better"] else "lower is better"
        name, points, mcid = by_instrument.setdefault(
            row["instrument__code"],
            (f"{row['instrument__name']} ({direction})", [], float(row["instrument__mcid"])),
        )
        points.append((row["recorded_at"].date().isoformat(), float(row["score"])))
    return series + list(by_instrument.values())


def course_summary(*, actor, clinic, patient_id, assessment_id=None, base_url: str) -> IssuedDocument:
    """The course summary of a patient (one course with ``assessment_id``), from signed records.

    Another clinic's patient is 404; an unknown assessment ``InvalidInput``; a draft
    assessment, or a patient with nothing signed yet, ``NotSigned``.
    """
    patient = Patient.objects.filter(clinic=clinic, pk=_uuid(patient_id)).first()
    if patient is None:
        raise Http404
    patient.clinic = clinic
    assessment = None
    if assessment_id:
        try:
            assessment = Assessment.objects.filter(patient=patient, pk=uuid.UUID(str(assessment_id))).first()
        except ValueError:
            assessment = None
        if assessment is None:
            raise InvalidInput({"assessment": ["No such assessment of this patient."]})
        if assessment.status != RecordStatus.SIGNED:
            raise NotSigned("This assessment is a draft: sign it before issuing its course summary.")
    sources = course_sources(patient, assessment)
    sources["outcome_responses"] = outcome_responses(patient, assessment)
    if not sources["sessions"] and not sources["assessments"]:
        raise NotSigned("Nothing of this patient's record is signed yet: there is nothing to summarise.")
    content = course_summary_pdf(
        patient=patient, clinic=clinic, sources=sources, outcome_series=outcome_trends(sources),
        verify_base=base_url, generated_at=timezone.now(),
    )
    services.document_issued(
        actor=actor, patient=patient, document="course_summary",
        object_id=str(assessment.pk) if assessment else str(patient.pk),
        after={"sessions": [str(s["id"]) for s in sources["sessions"]]},
    )
    suffix = f"-{assessment.pk}" if assessment else ""
    return IssuedDocument(f"course-summary-{patient.pk}{suffix}.pdf", content)
