"""The session representation: one builder for the API's list, detail and the re-read
after every write (and for the pages and documents that show a session).

Fixed SQL, read by column name: two statements for any number of sessions, sent in one
round trip on PostgreSQL. The ORM's ``.values()`` would need six queries per page and
compile each afresh; on the benchmark (``make bench``) that cost more than the whole
fixed-SQL read, so this resource keeps SQL (README, "How the reads are fast").
"""

import uuid
from collections import namedtuple
from typing import Annotated, NotRequired, TypedDict

from records.choices import AdverseEventKind, Outcome, PainMoment, RecordStatus, Severity, Side, TwitchResponse
from records.clinical import warnings_for_targets
from records.models import Precaution
from records.sql import db_id, placeholders, to_instant, to_number, to_uuid

from .common import AddendumRepresentation, Instant, fetch_named, instant_text, staff_name

__all__ = [
    "AdverseEventRepresentation",
    "SessionPainScoreRepresentation",
    "SessionRepresentation",
    "TargetedMuscleRepresentation",
    "WarningRepresentation",
    "session_representation",
    "session_representations",
]


class TargetedMuscleRepresentation(TypedDict):
    """One muscle needled, in release order, with how it responded."""

    id: uuid.UUID
    order: int
    muscle: uuid.UUID
    muscle_name: str
    side: Side
    segment: Annotated[str, "Root level needled (paraspinals), or empty."]
    needle_length_mm: int | None
    needle_diameter_mm: float | None
    twitch_response: TwitchResponse
    twitch_count: int | None
    outcome: Outcome
    notes: str


class SessionPainScoreRepresentation(TypedDict):
    """Pain (NPRS 0–10) recorded with the session."""

    id: uuid.UUID
    moment: PainMoment
    score: int
    region: str
    recorded_at: Instant


class AdverseEventRepresentation(TypedDict):
    """Something untoward that happened with the session's needling."""

    id: uuid.UUID
    kind: AdverseEventKind
    severity: Severity
    notes: str


class WarningRepresentation(TypedDict):
    """A clinical warning that informs and never blocks: ``lung_field``,
    ``lung_field_bilateral``, ``precaution_<code>``."""

    code: Annotated[str, "`lung_field`, `lung_field_bilateral`, `precaution_<code>`."]
    message: str
    muscles: NotRequired[list[uuid.UUID]]


class SessionRepresentation(TypedDict):
    """A treatment session with the muscles needled in order, pain, adverse events,
    sign-off, addenda and the warnings that apply."""

    id: uuid.UUID
    patient: uuid.UUID
    assessment: uuid.UUID | None
    practitioner: int
    practitioner_name: str
    started_at: Instant
    number: int
    targeted_muscles: list[TargetedMuscleRepresentation]
    pain_scores: list[SessionPainScoreRepresentation]
    adverse_events: list[AdverseEventRepresentation]
    needles_used: int
    needles_removed: int
    exercises: str
    notes: str
    status: RecordStatus
    signed_at: Instant | None
    signed_by: int | None
    signed_by_name: str | None
    version: int
    addenda: list[AddendumRepresentation]
    warnings: Annotated[
        list[WarningRepresentation], "Clinical warnings that do not block: lung-field muscles, needling precautions."
    ]
    created_at: Instant
    updated_at: Instant
    # Why fewer needles were removed than used (a lost needle), when that happened.
    sharps_discrepancy_note: str
    lung_field_precautions_confirmed: bool


# What warnings_for_targets reads of a muscle.
_MuscleRef = namedtuple("_MuscleRef", "pk name lung_field")

_SESSIONS = """
    SELECT s.id, s.patient_id, s.assessment_id, s.practitioner_id,
           pu.first_name AS practitioner_first_name, pu.last_name AS practitioner_last_name,
           pu.username AS practitioner_username,
           s.started_at, s.number, s.needles_used, s.needles_removed, s.exercises, s.notes, s.status,
           s.signed_at, s.signed_by_id, su.first_name AS signer_first_name, su.last_name AS signer_last_name,
           su.username AS signer_username, s.version, s.created_at, s.updated_at,
           pc.code AS precaution_code, pc.note AS precaution_note,
           s.sharps_discrepancy_note, s.lung_field_precautions_confirmed
      FROM records_treatmentsession s
      JOIN auth_user pu ON pu.id = s.practitioner_id
      LEFT JOIN auth_user su ON su.id = s.signed_by_id
      -- The patient's precautions ride along (a row per precaution) for the warnings.
      LEFT JOIN records_precaution pc ON pc.patient_id = s.patient_id
     WHERE s.clinic_id = %s AND s.id IN ({ids})
"""
# Everything the sessions list, in one statement: targeted muscles ('t'), pain scores
# ('p'), adverse events ('a') and addenda ('d'); each kind fills its own columns (NULL in
# the others). Each kind is reached from the clinic's sessions by id (primary-key
# lookups, then each table's session index, on both vendors). The first branch gives each
# NULL its type: PostgreSQL resolves a UNION's column types branch by branch.
_CHILDREN = """
    SELECT 't' AS kind, t.session_id, t.id, t."order" AS target_order, t.muscle_id, m.name AS muscle_name,
           m.lung_field, t.side, t.segment, t.needle_length_mm, t.needle_diameter_mm, t.twitch_response,
           t.twitch_count, t.outcome, t.notes AS target_notes,
           CAST(NULL AS TEXT) AS moment, CAST(NULL AS INTEGER) AS score, CAST(NULL AS TEXT) AS region,
           CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS recorded_at,
           CAST(NULL AS TEXT) AS event_kind, CAST(NULL AS TEXT) AS severity, CAST(NULL AS TEXT) AS event_notes,
           CAST(NULL AS INTEGER) AS author_id, CAST(NULL AS TEXT) AS author_first_name,
           CAST(NULL AS TEXT) AS author_last_name, CAST(NULL AS TEXT) AS author_username,
           CAST(NULL AS TEXT) AS text, CAST(NULL AS UUID) AS assessment_id,
           CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS created_at
      FROM records_treatmentsession s
      JOIN records_targetedmuscle t ON t.session_id = s.id
      JOIN records_muscle m ON m.id = t.muscle_id
     WHERE s.clinic_id = %s AND s.id IN ({ids})
    UNION ALL
    SELECT 'p', p.session_id, p.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           p.moment, p.score, p.region, p.recorded_at,
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
      FROM records_treatmentsession s
      JOIN records_painscore p ON p.session_id = s.id
     WHERE s.clinic_id = %s AND s.id IN ({ids})
    UNION ALL
    SELECT 'a', a.session_id, a.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL, NULL, NULL,
           a.kind, a.severity, a.notes, NULL, NULL, NULL, NULL, NULL, NULL, a.created_at
      FROM records_treatmentsession s
      JOIN records_adverseevent a ON a.session_id = s.id
     WHERE s.clinic_id = %s AND s.id IN ({ids})
    UNION ALL
    SELECT 'd', d.session_id, d.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           d.author_id, u.first_name, u.last_name, u.username, d.text, d.assessment_id, d.created_at
      FROM records_treatmentsession s
      JOIN records_addendum d ON d.session_id = s.id
      JOIN auth_user u ON u.id = d.author_id
     WHERE s.clinic_id = %s AND s.id IN ({ids})
"""


def _child_order(row: dict) -> tuple:
    """Each kind in its clinical order: muscles by release order; pain scores by time, and
    at one instant by moment; adverse events and addenda by time of entry."""
    kind = row["kind"]
    if kind == "t":
        return (kind, row["target_order"], 0, "")
    if kind == "p":
        return (kind, 0, to_instant(row["recorded_at"]), row["moment"])
    return (kind, 0, to_instant(row["created_at"]), "")


def _session(row: dict) -> SessionRepresentation:
    signed = row["signed_by_id"] is not None
    return {
        "id": to_uuid(row["id"]),
        "patient": to_uuid(row["patient_id"]),
        "assessment": to_uuid(row["assessment_id"]),
        "practitioner": row["practitioner_id"],
        "practitioner_name": staff_name(
            row["practitioner_first_name"], row["practitioner_last_name"], row["practitioner_username"]
        ),
        "started_at": instant_text(row["started_at"]),
        "number": row["number"],
        "targeted_muscles": [],
        "pain_scores": [],
        "adverse_events": [],
        "needles_used": row["needles_used"],
        "needles_removed": row["needles_removed"],
        "exercises": row["exercises"],
        "notes": row["notes"],
        "status": row["status"],
        "signed_at": instant_text(row["signed_at"]),
        "signed_by": row["signed_by_id"],
        "signed_by_name": (
            staff_name(row["signer_first_name"], row["signer_last_name"], row["signer_username"]) if signed else None
        ),
        "version": row["version"],
        "addenda": [],
        "warnings": [],
        "created_at": instant_text(row["created_at"]),
        "updated_at": instant_text(row["updated_at"]),
        "sharps_discrepancy_note": row["sharps_discrepancy_note"],
        "lung_field_precautions_confirmed": bool(row["lung_field_precautions_confirmed"]),
    }


def session_representations(clinic, session_ids) -> list[SessionRepresentation]:
    """The representations of the clinic's sessions among ``session_ids``, in that order;
    ids of other clinics' sessions (or of none) are left out."""
    if not session_ids:
        return []
    id_params = [db_id(pk) for pk in session_ids]
    ids = placeholders(len(id_params))
    params = [db_id(clinic.pk), *id_params]
    session_rows, children = fetch_named(
        (_SESSIONS.format(ids=ids), params), (_CHILDREN.format(ids=ids), params * 4)
    )
    sessions: dict[uuid.UUID, SessionRepresentation] = {}
    precautions: dict[uuid.UUID, list[Precaution]] = {}
    for row in session_rows:
        session_id = to_uuid(row["id"])
        if row["precaution_code"] is not None:
            precautions.setdefault(session_id, []).append(
                Precaution(code=row["precaution_code"], note=row["precaution_note"])
            )
        if session_id not in sessions:
            sessions[session_id] = _session(row)
    if not sessions:
        return []

    targets: dict[uuid.UUID, list] = {pk: [] for pk in sessions}
    children.sort(key=_child_order)
    for row in children:
        session_id = to_uuid(row["session_id"])
        session = sessions[session_id]
        kind = row["kind"]
        if kind == "t":
            muscle_id = to_uuid(row["muscle_id"])
            session["targeted_muscles"].append(
                {
                    "id": to_uuid(row["id"]),
                    "order": row["target_order"],
                    "muscle": muscle_id,
                    "muscle_name": row["muscle_name"],
                    "side": row["side"],
                    "segment": row["segment"],
                    "needle_length_mm": row["needle_length_mm"],
                    "needle_diameter_mm": to_number(row["needle_diameter_mm"], 2),
                    "twitch_response": row["twitch_response"],
                    "twitch_count": row["twitch_count"],
                    "outcome": row["outcome"],
                    "notes": row["target_notes"],
                }
            )
            muscle = _MuscleRef(muscle_id, row["muscle_name"], bool(row["lung_field"]))
            targets[session_id].append((muscle, row["side"]))
        elif kind == "p":
            session["pain_scores"].append(
                {
                    "id": to_uuid(row["id"]),
                    "moment": row["moment"],
                    "score": row["score"],
                    "region": row["region"],
                    "recorded_at": instant_text(row["recorded_at"]),
                }
            )
        elif kind == "a":
            session["adverse_events"].append(
                {"id": to_uuid(row["id"]), "kind": row["event_kind"], "severity": row["severity"],
                 "notes": row["event_notes"]}
            )
        else:
            session["addenda"].append(
                {
                    "id": to_uuid(row["id"]),
                    "session": session_id,
                    "assessment": to_uuid(row["assessment_id"]),
                    "author": row["author_id"],
                    "author_name": staff_name(
                        row["author_first_name"], row["author_last_name"], row["author_username"]
                    ),
                    "text": row["text"],
                    "created_at": instant_text(row["created_at"]),
                }
            )
    for pk, session in sessions.items():
        session["warnings"] = warnings_for_targets(targets[pk], precautions.get(pk, ()))
    return [sessions[pk] for pk in map(to_uuid, session_ids) if pk in sessions]


def session_representation(clinic, session_id) -> SessionRepresentation | None:
    """One session of the clinic, or None (another clinic's, or no such session)."""
    found = session_representations(clinic, [session_id])
    return found[0] if found else None
