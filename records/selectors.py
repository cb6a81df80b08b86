"""Every read of the clinical record that needs more than one table.

Selectors own ``select_related``/``prefetch_related`` so that no page or endpoint
issues a query per row: their query counts do not grow with the length of a history.
"""

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

# The rules and the history documents have their own modules; their names stay
# importable from here, where every read used to live.
from records.clinical import TWITCH_GRADE, myotome_matches, warnings_for_targets
from records.histories import display_name_of, patient_timeline, release_order_for_patient
from records.models import (
    Assessment,
    Consent,
    Muscle,
    Patient,
    TreatmentSession,
)
from records.muscle_search import MuscleEntry, rank

__all__ = [
    "TWITCH_GRADE",
    "current_consent",
    "muscles_matching",
    "current_consent_among",
    "display_name_of",
    "muscles_for_segments",
    "patients_for_clinic",
    "recent_views_of_patient",
    "release_order_for_patient",
    "session_warnings",
    "signature_states",
    "warnings_for_targets",
    "patient_timeline",
]

def current_consent_among(consents, *, at: dt.datetime | None = None) -> Consent | None:
    """The consent in force at ``at`` (default now) among consent rows already in hand."""
    at = at or timezone.now()
    return max((c for c in consents if c.is_current(at)), key=lambda c: c.given_at, default=None)


def current_consent(patient: Patient, *, at: dt.datetime | None = None) -> Consent | None:
    """The consent in force at ``at`` (default now), if any.

    Uses the patient's prefetched ``consents`` when a list was loaded with them, so a
    page of patients costs no query per row; otherwise asks the database.
    """
    prefetched = getattr(patient, "_prefetched_objects_cache", {}).get("consents")
    if prefetched is not None:
        return current_consent_among(prefetched, at=at)
    at = at or timezone.now()
    return (
        Consent.objects.filter(patient=patient, given_at__lte=at)
        .exclude(withdrawn_at__lte=at)
        .order_by("-given_at")
        .first()
    )


def patients_for_clinic(clinic, *, include_archived: bool = False) -> QuerySet[Patient]:
    """The clinic's patients with what a list shows (precautions, consents) prefetched."""
    queryset = Patient.objects.filter(clinic=clinic).prefetch_related("precautions", "consents")
    if not include_archived:
        queryset = queryset.filter(archived_at__isnull=True)
    return queryset


def muscles_for_segments(segments) -> QuerySet[Muscle]:
    """Muscles whose myotome includes any of ``segments`` (e.g. L5 → gluteus medius …).

    The catalogue is a bounded reference list (about a hundred rows), so the match is
    made in Python, which works the same on SQLite and PostgreSQL.
    """
    ids = myotome_matches(Muscle.objects.values_list("pk", "segments"), segments)
    return Muscle.objects.filter(pk__in=ids)


# --- warnings ---------------------------------------------------------------


def session_warnings(session: TreatmentSession) -> list[dict]:
    """Warnings for a saved session; uses prefetched ``targeted_muscles`` and ``patient__precautions`` when present."""
    targets = [(t.muscle, t.side) for t in session.targeted_muscles.all()]
    return warnings_for_targets(targets, session.patient.precautions.all())


# --- integrity ----------------------------------------------------------------


def signature_states(patient: Patient) -> dict:
    """``{record id: "intact" | "altered" | "unknown_key"}`` for every signed session and assessment.

    Each stored digest is recomputed from prefetched rows, so the cost is seven queries
    however long the history is (the chart marks altered records with it).
    """
    from records.integrity import assessment_content, digest_state, session_content

    states = {}
    sessions = TreatmentSession.objects.filter(patient=patient, status="signed").prefetch_related(
        "targeted_muscles", "pain_scores", "adverse_events"
    )
    for session in sessions:
        content = session_content(
            session,
            targeted_muscles=session.targeted_muscles.all(),
            pain_scores=session.pain_scores.all(),
            adverse_events=session.adverse_events.all(),
        )
        states[session.pk] = digest_state(content, session.signature_digest, session.signature_key_id)
    assessments = Assessment.objects.filter(patient=patient, status="signed").prefetch_related(
        "findings", "plan", "segmental_signs"
    )
    for assessment in assessments:
        content = assessment_content(
            assessment, findings=assessment.findings.all(), plan=assessment.plan.all(),
            segmental_signs=[(sign.segment, sign.sign) for sign in assessment.segmental_signs.all()],
        )
        states[assessment.pk] = digest_state(content, assessment.signature_digest, assessment.signature_key_id)
    return states


def recent_views_of_patient(patient: Patient, *, limit: int = 20) -> list:
    """Who read this patient's record lately (audit events with action ``view``), newest first."""
    from records.models import AuditEvent

    return list(AuditEvent.objects.filter(patient=patient, action="view").order_by("-at")[:limit])


def muscles_matching(query: str, muscles) -> list:
    """``muscles`` (Muscle rows) that match what a clinician typed, best first
    (records.muscle_search: aliases, prefixes, substrings, one-letter misspellings)."""
    entries = [MuscleEntry(m, m.name, m.slug) for m in muscles]
    return [entry.key for entry in rank(query, entries)]
