"""Sign-off digests: SHA-256 over a canonical JSON of a signed record and its nested rows.

The digest is stored at signing. Recomputing it later (verify) shows whether anything
changed behind the application's back.
"""

import hashlib
import json

from records.models import Assessment, TreatmentSession
from records.snapshots import snapshot

__all__ = [
    "assessment_canonical",
    "assessment_content",
    "content_digest",
    "assessment_digest",
    "session_canonical",
    "session_content",
    "session_digest",
    "verify_assessment",
    "verify_session",
]

# Bookkeeping columns that legitimately change or are the digest itself.
_VOLATILE = ("id", "session", "assessment", "patient", "version", "signature_digest", "status")


def _row(instance) -> dict:
    return snapshot(instance, exclude=_VOLATILE)


def session_canonical(session: TreatmentSession, *, fresh: bool = True) -> dict:
    """The signed content of a session. With ``fresh`` the session row is re-read from the
    database (verify); without, the instance's own values are used (signing, before save)."""
    if fresh:
        session = TreatmentSession.objects.get(pk=session.pk)
    return session_content(
        session,
        targeted_muscles=session.targeted_muscles.all(),
        pain_scores=session.pain_scores.all(),
        adverse_events=session.adverse_events.all(),
    )


def session_content(session: TreatmentSession, *, targeted_muscles, pain_scores, adverse_events) -> dict:
    """The canonical content of a session from rows in hand (used by bulk loaders too)."""
    return {
        "id": str(session.pk),
        "patient": str(session.patient_id),
        "session": snapshot(session, exclude=("version", "signature_digest", "status")),
        "targeted_muscles": sorted((_row(t) for t in targeted_muscles), key=lambda r: r["order"]),
        "pain_scores": sorted(
            (_row(p) for p in pain_scores),
            key=lambda r: (r["recorded_at"], r["moment"], r["score"]),
        ),
        "adverse_events": sorted(
            (_row(a) for a in adverse_events),
            key=lambda r: (r["kind"], r["severity"], r["notes"]),
        ),
    }


def assessment_canonical(assessment: Assessment, *, fresh: bool = True) -> dict:
    """The signed content of an assessment (see :func:`session_canonical` for ``fresh``)."""
    if fresh:
        assessment = Assessment.objects.get(pk=assessment.pk)
    return assessment_content(
        assessment, findings=assessment.findings.all(), plan=assessment.plan.all(),
        segmental_signs=assessment.segmental_signs.values_list("segment", "sign"),
    )


def assessment_content(assessment: Assessment, *, findings, plan, segmental_signs=()) -> dict:
    """The canonical content of an assessment from rows in hand (used by bulk loaders too).

    ``segmental_signs`` ((segment, sign) pairs) enter the content only when there are some:
    assessments signed before signs existed keep exactly the content they were signed with.
    """
    content = {
        "id": str(assessment.pk),
        "patient": str(assessment.patient_id),
        "assessment": snapshot(assessment, exclude=("version", "signature_digest", "status")),
        "findings": sorted(
            (_row(f) for f in findings),
            key=lambda r: (r["muscle"], r["side"], r["notes"]),
        ),
        "plan": sorted((_row(p) for p in plan), key=lambda r: r["order"]),
    }
    signs = sorted({(str(segment), str(sign)) for segment, sign in segmental_signs})
    if signs:
        content["segmental_signs"] = [{"segment": segment, "sign": sign} for segment, sign in signs]
    return content


def content_digest(content: dict) -> str:
    """SHA-256 of the canonical JSON encoding of ``content``."""
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def session_digest(session: TreatmentSession, *, fresh: bool = True) -> str:
    return content_digest(session_canonical(session, fresh=fresh))


def assessment_digest(assessment: Assessment, *, fresh: bool = True) -> str:
    return content_digest(assessment_canonical(assessment, fresh=fresh))


def verify_session(session: TreatmentSession) -> str:
    """``intact`` when the stored digest matches the content now, else ``altered``."""
    stored = TreatmentSession.objects.values_list("signature_digest", flat=True).get(pk=session.pk)
    return "intact" if stored and stored == session_digest(session) else "altered"


def verify_assessment(assessment: Assessment) -> str:
    """``intact`` when the stored digest matches the content now, else ``altered``."""
    stored = Assessment.objects.values_list("signature_digest", flat=True).get(pk=assessment.pk)
    return "intact" if stored and stored == assessment_digest(assessment) else "altered"
