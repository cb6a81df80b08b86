"""Every read of the clinical record that needs more than one table.

Selectors own ``select_related``/``prefetch_related`` so that no page or endpoint
issues a query per row: their query counts do not grow with the length of a history.
"""

import datetime as dt
from collections import OrderedDict

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from records.choices import NEEDLING_PRECAUTIONS, SEGMENTS, PainMoment, Side, TwitchResponse
from records.models import (
    Addendum,
    AdverseEvent,
    Assessment,
    AssessmentFinding,
    Consent,
    Muscle,
    PainScore,
    Patient,
    PlanItem,
    TargetedMuscle,
    TreatmentSession,
)

__all__ = [
    "TWITCH_GRADE",
    "assessments_for_clinic",
    "current_consent",
    "current_consent_among",
    "muscle_progression",
    "muscles_for_segments",
    "patients_for_clinic",
    "recent_views_of_patient",
    "release_order_for_patient",
    "sessions_for_clinic",
    "session_warnings",
    "signature_states",
    "warnings_for_targets",
    "patient_timeline",
]

# Twitch responses graded 0–3, so charts and trends can compare them.
TWITCH_GRADE = {value: grade for grade, value in enumerate(TwitchResponse.values)}


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


def _targeted_prefetch() -> Prefetch:
    return Prefetch(
        "targeted_muscles",
        queryset=TargetedMuscle.objects.select_related("muscle").order_by("order"),
    )


def sessions_for_clinic(clinic) -> QuerySet[TreatmentSession]:
    """The clinic's sessions with everything a session representation needs, in 6 queries."""
    return (
        TreatmentSession.objects.filter(clinic=clinic)
        .select_related("practitioner", "signed_by", "patient")
        .prefetch_related(
            _targeted_prefetch(),
            Prefetch("pain_scores", queryset=PainScore.objects.order_by("recorded_at", "moment")),
            "adverse_events",
            Prefetch("addenda", queryset=Addendum.objects.select_related("author")),
            "patient__precautions",
        )
    )


def assessments_for_clinic(clinic) -> QuerySet[Assessment]:
    """The clinic's assessments with findings, plan (muscles named), addenda and signers
    prefetched: a constant number of queries for any page of assessments."""
    return (
        Assessment.objects.filter(clinic=clinic)
        .select_related("patient", "practitioner", "signed_by")
        .prefetch_related(
            Prefetch("findings", queryset=AssessmentFinding.objects.select_related("muscle")),
            Prefetch("plan", queryset=PlanItem.objects.select_related("muscle").order_by("order")),
            Prefetch("addenda", queryset=Addendum.objects.select_related("author")),
        )
    )


def muscles_for_segments(segments) -> QuerySet[Muscle]:
    """Muscles whose myotome includes any of ``segments`` (e.g. L5 → gluteus medius …).

    The catalogue is a bounded reference list (about a hundred rows), so the match is
    made in Python, which works the same on SQLite and PostgreSQL.
    """
    wanted = {s.upper() for s in segments}
    ids = [pk for pk, segs in Muscle.objects.values_list("pk", "segments") if wanted & set(segs or ())]
    return Muscle.objects.filter(pk__in=ids)


def _segment_sort_key(muscle: Muscle) -> int:
    segs = [s for s in muscle.segments if s in SEGMENTS]
    return SEGMENTS.index(segs[0]) if segs else len(SEGMENTS)


# --- warnings ---------------------------------------------------------------


def warnings_for_targets(targets, precautions) -> list[dict]:
    """Warnings for needling ``targets`` (pairs of Muscle and side) in a patient with
    ``precautions`` (Precaution rows). They inform; they never block."""
    warnings: list[dict] = []
    lung = [(muscle, side) for muscle, side in targets if muscle.lung_field]
    if lung:
        names = sorted({f"{muscle.name} ({side})" for muscle, side in lung})
        warnings.append(
            {
                "code": "lung_field",
                "message": "Needling over the lung field (pneumothorax risk): " + ", ".join(names) + ".",
                "muscles": sorted({str(muscle.pk) for muscle, _ in lung}),
            }
        )
        sides = set()
        for _, side in lung:
            sides |= {Side.LEFT, Side.RIGHT} if side == Side.BILATERAL else {side}
        if {Side.LEFT, Side.RIGHT} <= sides:
            warnings.append(
                {
                    "code": "lung_field_bilateral",
                    "message": "Lung-field muscles on both sides of the thorax in one session: "
                    "a bilateral pneumothorax would be an emergency. Consider one side per session.",
                    "muscles": sorted({str(muscle.pk) for muscle, _ in lung}),
                }
            )
    for precaution in sorted(precautions, key=lambda p: p.code):
        if precaution.code in NEEDLING_PRECAUTIONS:
            message = f"Precaution: {precaution.get_code_display()}"
            if precaution.note:
                # A dash, not brackets: notes often carry their own "(left chest)".
                message += f" — {precaution.note.rstrip('.')}"
            warnings.append({"code": f"precaution_{precaution.code}", "message": message + "."})
    return warnings


def session_warnings(session: TreatmentSession) -> list[dict]:
    """Warnings for a saved session; uses prefetched rows when present (see sessions_for_clinic)."""
    targets = [(t.muscle, t.side) for t in session.targeted_muscles.all()]
    return warnings_for_targets(targets, session.patient.precautions.all())


# --- release order ------------------------------------------------------------


def _plan_for(patient: Patient, assessment: Assessment | None) -> tuple[Assessment | None, list[PlanItem]]:
    if assessment is None:
        assessment = (
            Assessment.objects.filter(patient=patient, plan__isnull=False)
            .order_by("-assessed_at")
            .first()
        )
    if assessment is None:
        return None, []
    plan = list(PlanItem.objects.filter(assessment=assessment).select_related("muscle").order_by("order"))
    return assessment, plan


def _plan_adherence(releases: list[TargetedMuscle], plan_position: dict) -> dict:
    """How a session's actual order kept to the plan: which planned steps were done, in order?"""
    positions = [plan_position[(t.muscle_id, t.side)] for t in releases if (t.muscle_id, t.side) in plan_position]
    in_order = all(a < b for a, b in zip(positions, positions[1:], strict=False))
    return {
        "planned_targeted": len(positions),
        "unplanned_targeted": len(releases) - len(positions),
        "followed_plan_order": in_order,
    }


def release_order_for_patient(patient: Patient, *, assessment: Assessment | None = None) -> dict:
    """The order of release across a patient's sessions (DESIGN §5 ``release-order``).

    Four queries whatever the number of sessions: sessions, their targeted muscles with
    muscles, the plan's assessment, and the plan with muscles.
    """
    sessions_qs = TreatmentSession.objects.filter(patient=patient).order_by("started_at", "number")
    if assessment is not None:
        sessions_qs = sessions_qs.filter(assessment=assessment)
    sessions = list(sessions_qs.prefetch_related(_targeted_prefetch()))
    plan_assessment, plan = _plan_for(patient, assessment)
    plan_position = {}
    for item in plan:
        plan_position.setdefault((item.muscle_id, item.side), item.order)

    session_rows = []
    muscles: OrderedDict[tuple, dict] = OrderedDict()
    for session in sessions:
        releases = list(session.targeted_muscles.all())
        row = {
            "id": session.pk,
            "number": session.number,
            "started_at": session.started_at,
            "status": session.status,
            "releases": [
                {
                    "order": t.order,
                    "muscle": t.muscle_id,
                    "muscle_name": t.muscle.name,
                    "side": t.side,
                    "segment": t.segment,
                    "twitch_response": t.twitch_response,
                    "outcome": t.outcome,
                }
                for t in releases
            ],
        }
        if plan:
            row["plan_adherence"] = _plan_adherence(releases, plan_position)
        session_rows.append(row)
        for t in releases:
            key = (t.muscle_id, t.side)
            summary = muscles.get(key)
            if summary is None:
                summary = muscles[key] = {
                    "muscle": t.muscle_id,
                    "muscle_name": t.muscle.name,
                    "side": t.side,
                    "lung_field": t.muscle.lung_field,
                    "planned_order": plan_position.get(key),
                    "first_session_number": session.number,
                    "times_targeted": 0,
                    "twitch_trend": [],
                    "outcomes": [],
                    "session_numbers": [],
                }
            summary["times_targeted"] += 1
            summary["twitch_trend"].append(t.twitch_response)
            summary["outcomes"].append(t.outcome)
            summary["session_numbers"].append(session.number)

    for summary in muscles.values():
        grades = [TWITCH_GRADE[t] for t in summary["twitch_trend"]]
        summary["twitch_fading"] = len(grades) > 1 and grades[-1] < grades[0]

    result = {
        "patient": patient.pk,
        "assessment": plan_assessment.pk if plan_assessment else None,
        "sessions": session_rows,
        "muscles": list(muscles.values()),
    }
    if plan:
        done = {key for key in muscles}
        result["plan"] = [
            {
                "order": item.order,
                "muscle": item.muscle_id,
                "muscle_name": item.muscle.name,
                "side": item.side,
                "rationale": item.rationale,
                "targeted": (item.muscle_id, item.side) in done,
            }
            for item in plan
        ]
        with_plan = [row for row in session_rows if row["plan_adherence"]["planned_targeted"]]
        result["plan_adherence"] = {
            "sessions": len(session_rows),
            "sessions_following_plan_order": sum(1 for r in with_plan if r["plan_adherence"]["followed_plan_order"]),
            "planned_steps": len(plan),
            "planned_steps_targeted": sum(1 for p in result["plan"] if p["targeted"]),
        }
    return result


def muscle_progression(patient: Patient) -> list[dict]:
    """Per muscle and side: each time it was needled, with twitch grade and outcome."""
    rows = (
        TargetedMuscle.objects.filter(session__patient=patient)
        .select_related("muscle", "session")
        .order_by("session__started_at", "session__number", "order")
    )
    progression: OrderedDict[tuple, dict] = OrderedDict()
    for t in rows:
        entry = progression.setdefault(
            (t.muscle_id, t.side),
            {"muscle": t.muscle_id, "muscle_name": t.muscle.name, "side": t.side, "points": []},
        )
        entry["points"].append(
            {
                "session": t.session_id,
                "session_number": t.session.number,
                "started_at": t.session.started_at,
                "order": t.order,
                "twitch_response": t.twitch_response,
                "twitch_grade": TWITCH_GRADE[t.twitch_response],
                "outcome": t.outcome,
            }
        )
    return list(progression.values())


# --- timeline -----------------------------------------------------------------


def patient_timeline(patient: Patient) -> list[dict]:
    """Assessments, sessions, standalone pain scores and addenda, in time order.

    Constant query count: one query per kind of entry plus the sessions' prefetches.
    """
    entries: list[dict] = []
    for assessment in (
        Assessment.objects.filter(patient=patient).select_related("practitioner").prefetch_related("plan__muscle")
    ):
        entries.append(
            {
                "type": "assessment",
                "at": assessment.assessed_at,
                "id": assessment.pk,
                "status": assessment.status,
                "practitioner": assessment.practitioner.get_full_name() or assessment.practitioner.username,
                "summary": assessment.chief_complaint,
                "affected_segments": assessment.affected_segments,
                "plan": [f"{p.order}. {p.muscle.name} ({p.side})" for p in assessment.plan.all()],
            }
        )
    sessions = (
        TreatmentSession.objects.filter(patient=patient)
        .select_related("practitioner")
        .prefetch_related(
            _targeted_prefetch(),
            Prefetch("pain_scores", queryset=PainScore.objects.order_by("recorded_at")),
            Prefetch("adverse_events", queryset=AdverseEvent.objects.order_by("created_at")),
        )
    )
    for session in sessions:
        pains = {p.moment: p.score for p in session.pain_scores.all()}
        entries.append(
            {
                "type": "session",
                "at": session.started_at,
                "id": session.pk,
                "number": session.number,
                "status": session.status,
                "practitioner": session.practitioner.get_full_name() or session.practitioner.username,
                "summary": ", ".join(f"{t.order}. {t.muscle.name} ({t.side})" for t in session.targeted_muscles.all()),
                "pain_before": pains.get(PainMoment.PRE_SESSION),
                "pain_after": pains.get(PainMoment.POST_SESSION),
                "adverse_events": [
                    {"kind": a.kind, "severity": a.severity, "notes": a.notes} for a in session.adverse_events.all()
                ],
            }
        )
    for pain in PainScore.objects.filter(patient=patient, session__isnull=True):
        entries.append(
            {
                "type": "pain_score",
                "at": pain.recorded_at,
                "id": pain.pk,
                "moment": pain.moment,
                "score": pain.score,
                "summary": f"NPRS {pain.score}/10 ({pain.get_moment_display()})",
            }
        )
    for addendum in Addendum.objects.filter(patient=patient).select_related("author"):
        entries.append(
            {
                "type": "addendum",
                "at": addendum.created_at,
                "id": addendum.pk,
                "amends": addendum.session_id or addendum.assessment_id,
                "amends_type": "session" if addendum.session_id else "assessment",
                "author": addendum.author.get_full_name() or addendum.author.username,
                "summary": addendum.text,
            }
        )
    entries.sort(key=lambda e: (e["at"], e["type"]))
    return entries


# --- integrity ----------------------------------------------------------------


def signature_states(patient: Patient) -> dict:
    """``{record id: "intact" | "altered"}`` for every signed session and assessment.

    Each stored digest is recomputed from prefetched rows, so the cost is seven queries
    however long the history is (the chart marks altered records with it).
    """
    from records.integrity import assessment_content, content_digest, session_content

    states = {}
    sessions = TreatmentSession.objects.filter(patient=patient, status="signed").prefetch_related(
        "targeted_muscles", "pain_scores", "adverse_events"
    )
    for session in sessions:
        digest = content_digest(
            session_content(
                session,
                targeted_muscles=session.targeted_muscles.all(),
                pain_scores=session.pain_scores.all(),
                adverse_events=session.adverse_events.all(),
            )
        )
        states[session.pk] = "intact" if digest == session.signature_digest else "altered"
    assessments = Assessment.objects.filter(patient=patient, status="signed").prefetch_related("findings", "plan")
    for assessment in assessments:
        digest = content_digest(
            assessment_content(assessment, findings=assessment.findings.all(), plan=assessment.plan.all())
        )
        states[assessment.pk] = "intact" if digest == assessment.signature_digest else "altered"
    return states


def recent_views_of_patient(patient: Patient, *, limit: int = 20) -> list:
    """Who read this patient's record lately (audit events with action ``view``), newest first."""
    from records.models import AuditEvent

    return list(AuditEvent.objects.filter(patient=patient, action="view").order_by("-at")[:limit])
