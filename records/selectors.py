"""Every read of the clinical record that needs more than one table.

Selectors own ``select_related``/``prefetch_related`` so that no page or endpoint
issues a query per row: their query counts do not grow with the length of a history.
"""

import datetime as dt
import uuid
from collections import OrderedDict

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from records.choices import NEEDLING_PRECAUTIONS, SEGMENTS, PainMoment, Side, TwitchResponse
from records.models import (
    Addendum,
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
from records.sql import db_id, fetch, to_instant, to_json, to_uuid

__all__ = [
    "TWITCH_GRADE",
    "assessments_for_clinic",
    "current_consent",
    "current_consent_among",
    "display_name_of",
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
            "segmental_signs",
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

# The API's release-order and timeline endpoints and the chart read whole histories:
# fixed SQL (records.sql) instead of ORM queries and model instances, which cost more
# than the data (40 sessions x 8 muscles). Each query is one of these strings.
# Instants are read as ISO text from both vendors (``to_instant`` parses it): Django's
# time-zone loader for PostgreSQL costs several times more per value, and a session's
# start repeats on every row of its releases.

# A patient's sessions, oldest first (at the same time, in the order they are numbered),
# each on a row per release in needling order (one row of NULLs when it has none).
_RELEASE_SESSIONS_SQL = """
SELECT s.id, s.number, CAST(s.started_at AS TEXT), s.status,
       t."order", t.muscle_id, m.name, m.lung_field, t.side, t.segment, t.twitch_response, t.outcome
FROM records_treatmentsession s
LEFT JOIN records_targetedmuscle t ON t.session_id = s.id
LEFT JOIN records_muscle m ON m.id = t.muscle_id
WHERE s.patient_id = %s{course}
ORDER BY s.started_at, s.number, t."order"
"""
_ALL_SESSIONS_SQL = _RELEASE_SESSIONS_SQL.format(course="")
_COURSE_SESSIONS_SQL = _RELEASE_SESSIONS_SQL.format(course=" AND s.assessment_id = %s")

# The steps of one assessment's plan, or of the patient's latest assessment that has one.
_PLAN_SQL = """
SELECT p.assessment_id, p."order", p.muscle_id, m.name, p.side, p.rationale
FROM records_planitem p
INNER JOIN records_muscle m ON m.id = p.muscle_id
WHERE p.assessment_id = {assessment}
ORDER BY p."order"
"""
_PLAN_OF_SQL = _PLAN_SQL.format(assessment="%s")
_LATEST_PLAN_SQL = _PLAN_SQL.format(
    assessment="""(
    SELECT a.id FROM records_assessment a
    INNER JOIN records_planitem planned ON planned.assessment_id = a.id
    WHERE a.patient_id = %s
    ORDER BY a.assessed_at DESC
    LIMIT 1)"""
)


def _plan_for(patient: Patient, assessment: Assessment | None) -> tuple[uuid.UUID | None, list[dict]]:
    """The assessment whose plan is compared (``assessment`` itself when given) and its steps."""
    if assessment is not None:
        rows = fetch(_PLAN_OF_SQL, [db_id(assessment.pk)])
    else:
        rows = fetch(_LATEST_PLAN_SQL, [db_id(patient.pk)])
    plan = [
        {"order": order, "muscle": to_uuid(muscle), "muscle_name": name, "side": side, "rationale": rationale}
        for _, order, muscle, name, side, rationale in rows
    ]
    if assessment is not None:
        return assessment.pk, plan
    return (to_uuid(rows[0][0]) if rows else None), plan


def _release_sessions(patient: Patient, assessment: Assessment | None) -> tuple[list[dict], dict]:
    """The sessions as release-order rows with their releases, and which muscles lie over
    the lung field (by muscle id)."""
    if assessment is None:
        rows = fetch(_ALL_SESSIONS_SQL, [db_id(patient.pk)])
    else:
        rows = fetch(_COURSE_SESSIONS_SQL, [db_id(patient.pk), db_id(assessment.pk)])
    sessions: dict = {}
    lung_fields: dict = {}
    for session_id, number, started_at, status, order, muscle, name, lung_field, side, segment, twitch, outcome in rows:
        row = sessions.get(session_id)
        if row is None:
            row = sessions[session_id] = {
                "id": to_uuid(session_id),
                "number": number,
                "started_at": to_instant(started_at),
                "status": status,
                "releases": [],
            }
        if order is None:  # a session without targeted muscles
            continue
        muscle = to_uuid(muscle)
        lung_fields[muscle] = bool(lung_field)
        row["releases"].append(
            {
                "order": order,
                "muscle": muscle,
                "muscle_name": name,
                "side": side,
                "segment": segment,
                "twitch_response": twitch,
                "outcome": outcome,
            }
        )
    return list(sessions.values()), lung_fields


def _plan_adherence(releases: list[dict], plan_position: dict) -> dict:
    """How a session's actual order kept to the plan: which planned steps were done, in order?"""
    keys = ((r["muscle"], r["side"]) for r in releases)
    positions = [plan_position[key] for key in keys if key in plan_position]
    in_order = all(a < b for a, b in zip(positions, positions[1:], strict=False))
    return {
        "planned_targeted": len(positions),
        "unplanned_targeted": len(releases) - len(positions),
        "followed_plan_order": in_order,
    }


def _muscle_summaries(sessions: list[dict], plan_position: dict, lung_fields: dict) -> list[dict]:
    """Per muscle and side, in order of first needling: how often, and how the twitch evolved.

    Keys in the order the API writes them (``twitch_fading`` is known only at the end).
    """
    muscles: dict[tuple, dict] = {}
    for row in sessions:
        number = row["number"]
        for release in row["releases"]:
            key = (release["muscle"], release["side"])
            summary = muscles.get(key)
            if summary is None:
                summary = muscles[key] = {
                    "muscle": release["muscle"],
                    "muscle_name": release["muscle_name"],
                    "side": release["side"],
                    "lung_field": lung_fields[release["muscle"]],
                    "planned_order": plan_position.get(key),
                    "first_session_number": number,
                    "times_targeted": 0,
                    "twitch_trend": [],
                    "twitch_fading": False,
                    "outcomes": [],
                    "session_numbers": [],
                }
            summary["times_targeted"] += 1
            summary["twitch_trend"].append(release["twitch_response"])
            summary["outcomes"].append(release["outcome"])
            summary["session_numbers"].append(number)
    for summary in muscles.values():
        trend = summary["twitch_trend"]
        summary["twitch_fading"] = len(trend) > 1 and TWITCH_GRADE[trend[-1]] < TWITCH_GRADE[trend[0]]
    return list(muscles.values())


def release_order_for_patient(patient: Patient, *, assessment: Assessment | None = None) -> dict:
    """The order of release across a patient's sessions (DESIGN §5 ``release-order``).

    Two queries whatever the number of sessions: the sessions with their releases and
    muscles, and the plan with its muscles. Ids are ``uuid.UUID``, times aware datetimes.
    """
    plan_assessment, plan = _plan_for(patient, assessment)
    plan_position = {}
    for step in plan:
        plan_position.setdefault((step["muscle"], step["side"]), step["order"])
    session_rows, lung_fields = _release_sessions(patient, assessment)
    if plan:
        for row in session_rows:
            row["plan_adherence"] = _plan_adherence(row["releases"], plan_position)
    muscles = _muscle_summaries(session_rows, plan_position, lung_fields)
    result = {
        "patient": patient.pk,
        "assessment": plan_assessment,
        "sessions": session_rows,
        "muscles": muscles,
    }
    if plan:
        done = {(m["muscle"], m["side"]) for m in muscles}
        result["plan"] = [{**step, "targeted": (step["muscle"], step["side"]) in done} for step in plan]
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

# Each query orders its rows by time as the models' default orderings do (the final
# sort by time is stable, so rows of one kind at the same instant keep this order).
# Assessments and sessions come with a row per plan step or release: ties between two
# of them are broken by time of entry, latest first, so that their rows stay together.
_TIMELINE_ASSESSMENTS_SQL = """
SELECT a.id, CAST(a.assessed_at AS TEXT), a.status, u.first_name, u.last_name, u.username,
       a.chief_complaint, a.affected_segments, p."order", m.name, p.side
FROM records_assessment a
INNER JOIN auth_user u ON u.id = a.practitioner_id
LEFT JOIN records_planitem p ON p.assessment_id = a.id
LEFT JOIN records_muscle m ON m.id = p.muscle_id
WHERE a.patient_id = %s
ORDER BY a.assessed_at DESC, a.created_at DESC, a.id, p."order"
"""
_TIMELINE_SESSIONS_SQL = """
SELECT s.id, CAST(s.started_at AS TEXT), s.number, s.status, u.first_name, u.last_name, u.username,
       t."order", m.name, t.side
FROM records_treatmentsession s
INNER JOIN auth_user u ON u.id = s.practitioner_id
LEFT JOIN records_targetedmuscle t ON t.session_id = s.id
LEFT JOIN records_muscle m ON m.id = t.muscle_id
WHERE s.patient_id = %s
ORDER BY s.started_at DESC, s.created_at DESC, s.id, t."order"
"""
# Pain scores (with a session, before and after it, and standalone ones) and adverse
# events in one query; each kind keeps the model's time order (sorted in Python).
_TIMELINE_PAIN_AND_ADVERSE_SQL = """
SELECT 'p', p.id, p.session_id, p.moment, p.score, NULL, NULL, CAST(p.recorded_at AS TEXT)
FROM records_painscore p
WHERE p.patient_id = %s
UNION ALL
SELECT 'a', e.id, e.session_id, e.kind, NULL, e.severity, e.notes, CAST(e.created_at AS TEXT)
FROM records_adverseevent e
INNER JOIN records_treatmentsession s ON s.id = e.session_id
WHERE s.patient_id = %s
"""
_TIMELINE_ADDENDA_SQL = """
SELECT d.id, CAST(d.created_at AS TEXT), d.session_id, d.assessment_id, u.first_name, u.last_name, u.username, d.text
FROM records_addendum d
INNER JOIN auth_user u ON u.id = d.author_id
WHERE d.patient_id = %s
ORDER BY d.created_at
"""
_MOMENT_LABELS = dict(PainMoment.choices)


def display_name_of(first_name: str, last_name: str, username: str) -> str:
    """How staff are named (``user.get_full_name() or user.username``), from a row's columns."""
    return f"{first_name} {last_name}".strip() or username


def _timeline_assessments(patient_id) -> list[dict]:
    entries: dict = {}
    for assessment_id, at, status, first, last, username, complaint, segments, order, name, side in fetch(
        _TIMELINE_ASSESSMENTS_SQL, [patient_id]
    ):
        entry = entries.get(assessment_id)
        if entry is None:
            entry = entries[assessment_id] = {
                "type": "assessment",
                "at": to_instant(at),
                "id": to_uuid(assessment_id),
                "status": status,
                "practitioner": display_name_of(first, last, username),
                "summary": complaint,
                "affected_segments": to_json(segments),
                "plan": [],
            }
        if order is not None:
            entry["plan"].append(f"{order}. {name} ({side})")
    return list(entries.values())


def _timeline_sessions(patient_id, pains: dict, adverse_events: dict) -> list[dict]:
    entries: dict = {}
    targets: dict = {}
    for session_id, at, number, status, first, last, username, order, name, side in fetch(
        _TIMELINE_SESSIONS_SQL, [patient_id]
    ):
        if session_id not in entries:
            session_pains = pains.get(session_id, {})
            targets[session_id] = []
            entries[session_id] = {
                "type": "session",
                "at": to_instant(at),
                "id": to_uuid(session_id),
                "number": number,
                "status": status,
                "practitioner": display_name_of(first, last, username),
                "summary": "",
                "pain_before": session_pains.get(PainMoment.PRE_SESSION),
                "pain_after": session_pains.get(PainMoment.POST_SESSION),
                "adverse_events": adverse_events.get(session_id, []),
            }
        if order is not None:
            targets[session_id].append(f"{order}. {name} ({side})")
    for session_id, entry in entries.items():
        entry["summary"] = ", ".join(targets[session_id])
    return list(entries.values())


def _timeline_pain_and_adverse(patient_id) -> tuple[dict, list[dict], dict]:
    """Each session's pain scores by moment (the latest of a moment wins), the standalone
    scores as entries, and each session's adverse events, oldest first."""
    rows = fetch(_TIMELINE_PAIN_AND_ADVERSE_SQL, [patient_id, patient_id])
    timed = sorted(((to_instant(row[7]), row) for row in rows), key=lambda pair: pair[0])
    pains: dict = {}
    standalone = []
    adverse_events: dict = {}
    for at, (kind, row_id, session_id, label, score, severity, notes, _) in timed:
        if kind == "a":
            adverse_events.setdefault(session_id, []).append({"kind": label, "severity": severity, "notes": notes})
        elif session_id is not None:
            pains.setdefault(session_id, {})[label] = score
        else:
            standalone.append(
                {
                    "type": "pain_score",
                    "at": at,
                    "id": to_uuid(row_id),
                    "moment": label,
                    "score": score,
                    "summary": f"NPRS {score}/10 ({_MOMENT_LABELS.get(label, label)})",
                }
            )
    return pains, standalone, adverse_events


def _timeline_addenda(patient_id) -> list[dict]:
    return [
        {
            "type": "addendum",
            "at": to_instant(at),
            "id": to_uuid(addendum_id),
            "amends": to_uuid(session_id or assessment_id),
            "amends_type": "session" if session_id else "assessment",
            "author": display_name_of(first, last, username),
            "summary": text,
        }
        for addendum_id, at, session_id, assessment_id, first, last, username, text in fetch(
            _TIMELINE_ADDENDA_SQL, [patient_id]
        )
    ]


def patient_timeline(patient: Patient) -> list[dict]:
    """Assessments, sessions, standalone pain scores and addenda, in time order.

    Four queries whatever the length of the history; ids are ``uuid.UUID``, times aware
    datetimes.
    """
    patient_id = db_id(patient.pk)
    pains, entries, adverse_events = _timeline_pain_and_adverse(patient_id)
    entries += _timeline_assessments(patient_id)
    entries += _timeline_sessions(patient_id, pains, adverse_events)
    entries += _timeline_addenda(patient_id)
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
    assessments = Assessment.objects.filter(patient=patient, status="signed").prefetch_related(
        "findings", "plan", "segmental_signs"
    )
    for assessment in assessments:
        digest = content_digest(
            assessment_content(
                assessment, findings=assessment.findings.all(), plan=assessment.plan.all(),
                segmental_signs=[(sign.segment, sign.sign) for sign in assessment.segmental_signs.all()],
            )
        )
        states[assessment.pk] = "intact" if digest == assessment.signature_digest else "altered"
    return states


def recent_views_of_patient(patient: Patient, *, limit: int = 20) -> list:
    """Who read this patient's record lately (audit events with action ``view``), newest first."""
    from records.models import AuditEvent

    return list(AuditEvent.objects.filter(patient=patient, action="view").order_by("-at")[:limit])
