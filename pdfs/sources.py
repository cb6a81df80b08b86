"""What the documents are built from: the read representations the API and pages use.

``session_representation`` is the one place a PDF reads a session: the domain's session
builder (``records.representations``), the same one the API's list and detail use.
"""

import datetime as dt

from django.db.models import Q

from records import representations
from records.choices import AuthorisationKind, RecordStatus
from records.clinical import authorisation_current_on
from records.models import Assessment, NeedlingAuthorisation, OutcomeResponse, Patient, TreatmentSession
from records.selectors import patient_timeline, release_order_for_patient

__all__ = [
    "course_sources",
    "outcome_responses",
    "practitioner_authorisations",
    "session_representation",
    "session_signature",
]


def session_representation(clinic, session_id) -> dict | None:
    """The session as ``GET /api/v1/sessions/{id}/`` returns it, or None (not of this clinic)."""
    return representations.session_representation(clinic, session_id)


def session_signature(clinic, session_id) -> str:
    """The stored sign-off digest of a session (not part of the API representation)."""
    return (
        TreatmentSession.objects.filter(clinic=clinic, pk=session_id).values_list("signature_digest", flat=True).first()
        or ""
    )


def practitioner_authorisations(practitioner_id: int, on: dt.date) -> list[str]:
    """The practitioner's needling authorisations current ``on`` the session's date, one
    line each, e.g. ``"IMS, Physiotherapy Board reg. PHY0001234 (granted 2019-02-01, no expiry)"``."""
    kinds = dict(AuthorisationKind.choices)
    lines = []
    for item in NeedlingAuthorisation.objects.filter(user_id=practitioner_id).order_by("granted_on"):
        if not authorisation_current_on([(item.granted_on, item.expires_on)], on):
            continue
        where = ", ".join(part for part in (item.regulator, f"reg. {item.registration_number}"
                                            if item.registration_number else "") if part)
        until = f"expires {item.expires_on.isoformat()}" if item.expires_on else "no expiry"
        lines.append(f"{kinds.get(item.kind, item.kind)}{', ' + where if where else ''} "
                     f"(granted {item.granted_on.isoformat()}, {until})")
    return lines


def course_sources(patient: Patient, assessment: Assessment | None) -> dict:
    """The course's signed record from the timeline and the release-order representation.

    With ``assessment`` only that course's sessions (and addenda to them) are kept. Drafts
    are left out and counted: a document is built from signed records only.
    """
    order = release_order_for_patient(patient, assessment=assessment)
    timeline = patient_timeline(patient)
    course_ids = {row["id"] for row in order["sessions"]}
    sessions = [e for e in timeline if e["type"] == "session" and e["id"] in course_ids]
    signed = [e for e in sessions if e["status"] == RecordStatus.SIGNED]
    signed_ids = {e["id"] for e in signed}
    assessments = [
        e for e in timeline
        if e["type"] == "assessment" and e["status"] == RecordStatus.SIGNED
        and (assessment is None or e["id"] == assessment.pk)
    ]
    kept = signed_ids | {e["id"] for e in assessments}
    return {
        "order": order,
        "release_sessions": [row for row in order["sessions"] if row["id"] in signed_ids],
        "sessions": signed,
        "drafts_left_out": len(sessions) - len(signed),
        "assessments": assessments,
        "addenda": [e for e in timeline if e["type"] == "addendum" and e["amends"] in kept],
        "standalone_pain": [e for e in timeline if e["type"] == "pain_score"],
    }


def outcome_responses(patient: Patient, assessment: Assessment | None) -> list[dict]:
    """The patient's scored questionnaires (NPRS aside: pain has its own series), oldest
    first, with their instrument's name, direction and MCID; with ``assessment`` only
    those of that course (recorded at the assessment or at one of its sessions)."""
    rows = OutcomeResponse.objects.filter(patient=patient).exclude(instrument__code="nprs")
    if assessment is not None:
        rows = rows.filter(Q(assessment=assessment) | Q(session__assessment=assessment))
    return list(
        rows.order_by("recorded_at").values(
            "recorded_at", "score", "instrument__code", "instrument__name", "instrument__mcid",
            "instrument__higher_is_better",
        )
    )
