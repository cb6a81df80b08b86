"""What the documents are built from: the read representations the API and pages use.

``session_representation`` is the one place a PDF reads a session. It calls the API's
builder today (``api.session_documents``); when that builder moves into the domain, only
its import here changes.
"""

import datetime as dt

from api.session_documents import session_documents
from records.choices import RecordStatus
from records.models import Assessment, Patient, TreatmentSession
from records.selectors import patient_timeline, release_order_for_patient

__all__ = [
    "course_sources",
    "practitioner_authorisations",
    "session_representation",
    "session_signature",
]


def session_representation(clinic, session_id) -> dict | None:
    """The session as ``GET /api/v1/sessions/{id}/`` returns it, or None (not of this clinic)."""
    documents = session_documents(clinic, [session_id])
    return documents[0] if documents else None


def session_signature(clinic, session_id) -> str:
    """The stored sign-off digest of a session (not part of the API representation)."""
    return (
        TreatmentSession.objects.filter(clinic=clinic, pk=session_id).values_list("signature_digest", flat=True).first()
        or ""
    )


def practitioner_authorisations(practitioner_id: int, on: dt.date) -> list[str]:
    """SLOT for the needling authorisations of DESIGN §9 (built in parallel, issue "staff").

    Should return one line per authorisation current ``on`` the session's date, e.g.
    ``"IMS, Physiotherapy Board reg. PHY0001234 (granted 2019-02-01, no expiry)"``. Until
    the authorisation model exists it returns nothing and the note says "none on record".
    """
    return []


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
