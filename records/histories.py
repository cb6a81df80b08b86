"""A patient's history as two documents: the release order across sessions, and the timeline.

One builder each, over named rows, returning the ``TypedDict`` that is at once its type,
the API's documented response schema (drf-spectacular reads these classes) and what the
chart page shows. The clinical rules they apply (twitch fading, plan adherence) are in
``records.clinical``.

They read whole histories (40 sessions x 8 muscles), so they run fixed SQL
(``records.sql``) instead of ORM queries and model instances, which cost more than the
data; each column is read by its name. Instants are read as ISO text from both vendors
(``to_instant`` parses it): Django's time-zone loader for PostgreSQL costs several times
more per value, and a session's start repeats on every row of its releases. Each
document's queries run in one snapshot (``consistent_read``), so a concurrent write never
shows half in it.
"""

import datetime as dt
import uuid
from typing import Literal, NotRequired, TypedDict

from records import clinical
from records.choices import Outcome, PainMoment, Side, TwitchResponse
from records.models import Assessment, Patient
from records.snapshots import consistent_read
from records.sql import db_id, fetch_named, to_instant, to_json, to_uuid

__all__ = [
    "AddendumEntry",
    "AssessmentEntry",
    "MuscleSummary",
    "PainScoreEntry",
    "PlanStep",
    "Release",
    "ReleaseOrder",
    "ReleaseSession",
    "SessionEntry",
    "Timeline",
    "TimelineAdverseEvent",
    "TimelineEntry",
    "display_name_of",
    "patient_timeline",
    "release_order_for_patient",
]


def display_name_of(first_name: str, last_name: str, username: str) -> str:
    """How staff are named (``user.get_full_name() or user.username``), from a row's columns."""
    return f"{first_name} {last_name}".strip() or username


# --- release order --------------------------------------------------------------


class Release(TypedDict):
    """One muscle needled in a session, in needling order."""

    order: int
    muscle: uuid.UUID
    muscle_name: str
    side: Side
    segment: str
    twitch_response: TwitchResponse
    outcome: Outcome


class ReleaseSession(TypedDict):
    """A session with its releases; ``plan_adherence`` is present when a plan exists."""

    id: uuid.UUID
    number: int
    started_at: dt.datetime
    status: str
    releases: list[Release]
    plan_adherence: NotRequired[clinical.PlanAdherence]


class MuscleSummary(TypedDict):
    """One muscle and side across the sessions, in order of first needling.

    ``twitch_trend``: the twitch response each time the muscle was needled, oldest first.
    """

    muscle: uuid.UUID
    muscle_name: str
    side: Side
    lung_field: bool
    planned_order: int | None
    first_session_number: int
    times_targeted: int
    twitch_trend: list[str]
    twitch_fading: bool
    outcomes: list[str]
    session_numbers: list[int]


class PlanStep(TypedDict):
    """A step of the compared plan, and whether any session has targeted it."""

    order: int
    muscle: uuid.UUID
    muscle_name: str
    side: Side
    rationale: str
    targeted: bool


class ReleaseOrder(TypedDict):
    """The order of release across a patient's sessions, per muscle, and against the plan.

    ``assessment`` is the assessment whose plan is compared; ``plan`` and
    ``plan_adherence`` are present when a plan exists.
    """

    patient: uuid.UUID
    assessment: uuid.UUID | None
    sessions: list[ReleaseSession]
    muscles: list[MuscleSummary]
    plan: NotRequired[list[PlanStep]]
    plan_adherence: NotRequired[clinical.CoursePlanAdherence]


# A patient's sessions, oldest first (at the same time, in the order they are numbered),
# each on a row per release in needling order (one row of NULLs when it has none).
_RELEASE_SESSIONS_SQL = """
SELECT s.id AS session_id, s.number AS number, CAST(s.started_at AS TEXT) AS started_at, s.status AS status,
       t."order" AS release_order, t.muscle_id AS muscle_id, m.name AS muscle_name, m.lung_field AS lung_field,
       t.side AS side, t.segment AS segment, t.twitch_response AS twitch_response, t.outcome AS outcome
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
SELECT p.assessment_id AS assessment_id, p."order" AS step_order, p.muscle_id AS muscle_id,
       m.name AS muscle_name, p.side AS side, p.rationale AS rationale
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
        rows = fetch_named(_PLAN_OF_SQL, [db_id(assessment.pk)])
    else:
        rows = fetch_named(_LATEST_PLAN_SQL, [db_id(patient.pk)])
    plan = [
        {
            "order": row.step_order,
            "muscle": to_uuid(row.muscle_id),
            "muscle_name": row.muscle_name,
            "side": row.side,
            "rationale": row.rationale,
        }
        for row in rows
    ]
    if assessment is not None:
        return assessment.pk, plan
    return (to_uuid(rows[0].assessment_id) if rows else None), plan


def _release_sessions(patient: Patient, assessment: Assessment | None) -> tuple[list[ReleaseSession], dict]:
    """The sessions as release-order rows with their releases, and which muscles lie over
    the lung field (by muscle id)."""
    if assessment is None:
        rows = fetch_named(_ALL_SESSIONS_SQL, [db_id(patient.pk)])
    else:
        rows = fetch_named(_COURSE_SESSIONS_SQL, [db_id(patient.pk), db_id(assessment.pk)])
    sessions: dict = {}
    lung_fields: dict = {}
    for row in rows:
        session = sessions.get(row.session_id)
        if session is None:
            session = sessions[row.session_id] = {
                "id": to_uuid(row.session_id),
                "number": row.number,
                "started_at": to_instant(row.started_at),
                "status": row.status,
                "releases": [],
            }
        if row.release_order is None:  # a session without targeted muscles
            continue
        muscle = to_uuid(row.muscle_id)
        lung_fields[muscle] = bool(row.lung_field)
        session["releases"].append(
            {
                "order": row.release_order,
                "muscle": muscle,
                "muscle_name": row.muscle_name,
                "side": row.side,
                "segment": row.segment,
                "twitch_response": row.twitch_response,
                "outcome": row.outcome,
            }
        )
    return list(sessions.values()), lung_fields


def _muscle_summaries(sessions: list[ReleaseSession], plan_position: dict, lung_fields: dict) -> list[MuscleSummary]:
    """Per muscle and side, in order of first needling: how often, and how the twitch evolved.

    Keys in the order the API writes them (``twitch_fading`` is known only at the end).
    """
    muscles: dict[tuple, dict] = {}
    for session in sessions:
        number = session["number"]
        for release in session["releases"]:
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
        summary["twitch_fading"] = clinical.twitch_fading(summary["twitch_trend"])
    return list(muscles.values())


def release_order_for_patient(patient: Patient, *, assessment: Assessment | None = None) -> ReleaseOrder:
    """The order of release across a patient's sessions (the API's ``release-order``), per
    muscle, and, where a plan exists, how the actual order kept to it.

    Two queries whatever the number of sessions, in one snapshot: the sessions with their
    releases and muscles, and the plan with its muscles. Ids are ``uuid.UUID``, times
    aware datetimes.
    """
    with consistent_read():
        plan_assessment, plan = _plan_for(patient, assessment)
        session_rows, lung_fields = _release_sessions(patient, assessment)
    plan_position = clinical.plan_positions((step["muscle"], step["side"], step["order"]) for step in plan)
    if plan:
        for session in session_rows:
            keys = [(r["muscle"], r["side"]) for r in session["releases"]]
            session["plan_adherence"] = clinical.plan_adherence(keys, plan_position)
    muscles = _muscle_summaries(session_rows, plan_position, lung_fields)
    result: ReleaseOrder = {
        "patient": patient.pk,
        "assessment": plan_assessment,
        "sessions": session_rows,
        "muscles": muscles,
    }
    if plan:
        done = {(m["muscle"], m["side"]) for m in muscles}
        result["plan"] = [{**step, "targeted": (step["muscle"], step["side"]) in done} for step in plan]
        result["plan_adherence"] = clinical.course_plan_adherence(
            [session["plan_adherence"] for session in session_rows],
            planned_steps=len(plan),
            planned_steps_targeted=sum(1 for step in result["plan"] if step["targeted"]),
        )
    return result


# --- timeline -------------------------------------------------------------------


class AssessmentEntry(TypedDict):
    """An assessment on the timeline; ``plan`` lists its steps as ``"1. Muscle (side)"``."""

    type: Literal["assessment"]
    at: dt.datetime
    id: uuid.UUID
    status: str
    practitioner: str
    summary: str
    affected_segments: list[str]
    plan: list[str]


class TimelineAdverseEvent(TypedDict):
    kind: str
    severity: str
    notes: str


class SessionEntry(TypedDict):
    """A session on the timeline; ``summary`` lists its releases as ``"1. Muscle (side)"``."""

    type: Literal["session"]
    at: dt.datetime
    id: uuid.UUID
    number: int
    status: str
    practitioner: str
    summary: str
    pain_before: int | None
    pain_after: int | None
    adverse_events: list[TimelineAdverseEvent]


class PainScoreEntry(TypedDict):
    """A pain score recorded outside a session (baseline, follow-up)."""

    type: Literal["pain_score"]
    at: dt.datetime
    id: uuid.UUID
    moment: str
    score: int
    summary: str


class AddendumEntry(TypedDict):
    """An addendum; ``amends`` is the session or assessment it corrects."""

    type: Literal["addendum"]
    at: dt.datetime
    id: uuid.UUID
    amends: uuid.UUID
    amends_type: Literal["session", "assessment"]
    author: str
    summary: str


TimelineEntry = AssessmentEntry | SessionEntry | PainScoreEntry | AddendumEntry


class Timeline(TypedDict):
    """A patient's record in time order; entries carry more keys by ``type``."""

    patient: uuid.UUID
    entries: list[TimelineEntry]


# Each query orders its rows by time as the models' default orderings do (the final
# sort by time is stable, so rows of one kind at the same instant keep this order).
# Assessments and sessions come with a row per plan step or release: ties between two
# of them are broken by time of entry, latest first, so that their rows stay together.
_TIMELINE_ASSESSMENTS_SQL = """
SELECT a.id AS assessment_id, CAST(a.assessed_at AS TEXT) AS at, a.status AS status,
       u.first_name AS first_name, u.last_name AS last_name, u.username AS username,
       a.chief_complaint AS chief_complaint, a.affected_segments AS affected_segments,
       p."order" AS step_order, m.name AS muscle_name, p.side AS side
FROM records_assessment a
INNER JOIN auth_user u ON u.id = a.practitioner_id
LEFT JOIN records_planitem p ON p.assessment_id = a.id
LEFT JOIN records_muscle m ON m.id = p.muscle_id
WHERE a.patient_id = %s
ORDER BY a.assessed_at DESC, a.created_at DESC, a.id, p."order"
"""
_TIMELINE_SESSIONS_SQL = """
SELECT s.id AS session_id, CAST(s.started_at AS TEXT) AS at, s.number AS number, s.status AS status,
       u.first_name AS first_name, u.last_name AS last_name, u.username AS username,
       t."order" AS release_order, m.name AS muscle_name, t.side AS side
FROM records_treatmentsession s
INNER JOIN auth_user u ON u.id = s.practitioner_id
LEFT JOIN records_targetedmuscle t ON t.session_id = s.id
LEFT JOIN records_muscle m ON m.id = t.muscle_id
WHERE s.patient_id = %s
ORDER BY s.started_at DESC, s.created_at DESC, s.id, t."order"
"""
# Addenda, pain scores (with a session, before and after it, and standalone ones) and
# adverse events in one query, so the document's reads and its snapshot's BEGIN and COMMIT
# stay within the query budget. Addenda come first: their columns give the others' NULLs
# a type. ``notes`` is an adverse event's notes or an addendum's text. Each kind keeps the
# models' time order (sorted in Python).
_TIMELINE_SCORES_EVENTS_ADDENDA_SQL = """
SELECT 'd' AS kind, d.id AS row_id, d.session_id AS session_id, d.assessment_id AS assessment_id,
       NULL AS label, NULL AS score, NULL AS severity, d.text AS notes, u.first_name AS first_name,
       u.last_name AS last_name, u.username AS username, CAST(d.created_at AS TEXT) AS at
FROM records_addendum d
INNER JOIN auth_user u ON u.id = d.author_id
WHERE d.patient_id = %s
UNION ALL
SELECT 'p', p.id, p.session_id, NULL, p.moment, p.score, NULL, NULL, NULL, NULL, NULL, CAST(p.recorded_at AS TEXT)
FROM records_painscore p
WHERE p.patient_id = %s
UNION ALL
SELECT 'a', e.id, e.session_id, NULL, e.kind, NULL, e.severity, e.notes, NULL, NULL, NULL, CAST(e.created_at AS TEXT)
FROM records_adverseevent e
INNER JOIN records_treatmentsession s ON s.id = e.session_id
WHERE s.patient_id = %s
"""
_MOMENT_LABELS = dict(PainMoment.choices)


def _timeline_assessments(patient_id) -> list[AssessmentEntry]:
    entries: dict = {}
    for row in fetch_named(_TIMELINE_ASSESSMENTS_SQL, [patient_id]):
        entry = entries.get(row.assessment_id)
        if entry is None:
            entry = entries[row.assessment_id] = {
                "type": "assessment",
                "at": to_instant(row.at),
                "id": to_uuid(row.assessment_id),
                "status": row.status,
                "practitioner": display_name_of(row.first_name, row.last_name, row.username),
                "summary": row.chief_complaint,
                "affected_segments": to_json(row.affected_segments),
                "plan": [],
            }
        if row.step_order is not None:
            entry["plan"].append(f"{row.step_order}. {row.muscle_name} ({row.side})")
    return list(entries.values())


def _timeline_sessions(patient_id, pains: dict, adverse_events: dict) -> list[SessionEntry]:
    entries: dict = {}
    targets: dict = {}
    for row in fetch_named(_TIMELINE_SESSIONS_SQL, [patient_id]):
        session_id = row.session_id
        if session_id not in entries:
            session_pains = pains.get(session_id, {})
            targets[session_id] = []
            entries[session_id] = {
                "type": "session",
                "at": to_instant(row.at),
                "id": to_uuid(session_id),
                "number": row.number,
                "status": row.status,
                "practitioner": display_name_of(row.first_name, row.last_name, row.username),
                "summary": "",
                "pain_before": session_pains.get(PainMoment.PRE_SESSION),
                "pain_after": session_pains.get(PainMoment.POST_SESSION),
                "adverse_events": adverse_events.get(session_id, []),
            }
        if row.release_order is not None:
            targets[session_id].append(f"{row.release_order}. {row.muscle_name} ({row.side})")
    for session_id, entry in entries.items():
        entry["summary"] = ", ".join(targets[session_id])
    return list(entries.values())


def _timeline_scores_events_addenda(patient_id) -> tuple[dict, list[PainScoreEntry], dict, list[AddendumEntry]]:
    """Each session's pain scores by moment (the latest of a moment wins), the standalone
    scores as entries, each session's adverse events, and the addenda, oldest first."""
    rows = fetch_named(_TIMELINE_SCORES_EVENTS_ADDENDA_SQL, [patient_id, patient_id, patient_id])
    timed = sorted(((to_instant(row.at), row) for row in rows), key=lambda pair: pair[0])
    pains: dict = {}
    standalone: list[PainScoreEntry] = []
    adverse_events: dict = {}
    addenda: list[AddendumEntry] = []
    for at, row in timed:
        if row.kind == "d":
            addenda.append(
                {
                    "type": "addendum",
                    "at": at,
                    "id": to_uuid(row.row_id),
                    "amends": to_uuid(row.session_id or row.assessment_id),
                    "amends_type": "session" if row.session_id else "assessment",
                    "author": display_name_of(row.first_name, row.last_name, row.username),
                    "summary": row.notes,
                }
            )
        elif row.kind == "a":
            adverse_events.setdefault(row.session_id, []).append(
                {"kind": row.label, "severity": row.severity, "notes": row.notes}
            )
        elif row.session_id is not None:
            pains.setdefault(row.session_id, {})[row.label] = row.score
        else:
            standalone.append(
                {
                    "type": "pain_score",
                    "at": at,
                    "id": to_uuid(row.row_id),
                    "moment": row.label,
                    "score": row.score,
                    "summary": f"NPRS {row.score}/10 ({_MOMENT_LABELS.get(row.label, row.label)})",
                }
            )
    return pains, standalone, adverse_events, addenda


def patient_timeline(patient: Patient) -> list[TimelineEntry]:
    """Assessments, sessions, standalone pain scores and addenda, in time order.

    Three queries whatever the length of the history, in one snapshot; ids are
    ``uuid.UUID``, times aware datetimes.
    """
    patient_id = db_id(patient.pk)
    with consistent_read():
        pains, entries, adverse_events, addenda = _timeline_scores_events_addenda(patient_id)
        entries += _timeline_assessments(patient_id)
        entries += _timeline_sessions(patient_id, pains, adverse_events)
    entries += addenda
    entries.sort(key=lambda e: (e["at"], e["type"]))
    return entries
