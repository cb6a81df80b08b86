"""Session representations built straight from SQL: the API's busiest read.

``SessionSerializer`` documents the shape (OpenAPI) and a test holds these documents
equal to its output; at run time the list, the detail and the re-read after every write
come from here instead: five fixed queries for any number of sessions, no model instances
and no per-field serializer calls (see records/sql.py for why).
"""

from collections import namedtuple

from records.models import Precaution
from records.selectors import warnings_for_targets
from records.sql import db_id, fetch, iso, placeholders, to_number, to_uuid

__all__ = ["session_documents"]

# What warnings_for_targets reads of a muscle.
_MuscleRef = namedtuple("_MuscleRef", "pk name lung_field")

_SESSIONS = """
    SELECT s.id, s.patient_id, s.assessment_id, s.practitioner_id, pu.first_name, pu.last_name, pu.username,
           s.started_at, s.number, s.needles_used, s.needles_removed, s.exercises, s.notes, s.status,
           s.signed_at, s.signed_by_id, su.first_name, su.last_name, su.username, s.version, s.created_at,
           s.updated_at, pc.code, pc.note
      FROM records_treatmentsession s
      JOIN auth_user pu ON pu.id = s.practitioner_id
      LEFT JOIN auth_user su ON su.id = s.signed_by_id
      -- The patient's precautions ride along (a row per precaution) for the warnings.
      LEFT JOIN records_precaution pc ON pc.patient_id = s.patient_id
     WHERE s.clinic_id = %s AND s.id IN ({ids})
"""
_TARGETED = """
    SELECT t.session_id, t.id, t."order", t.muscle_id, m.name, m.lung_field, t.side, t.segment,
           t.needle_length_mm, t.needle_diameter_mm, t.twitch_response, t.twitch_count, t.outcome, t.notes
      FROM records_targetedmuscle t
      JOIN records_muscle m ON m.id = t.muscle_id
     WHERE t.clinic_id = %s AND t.session_id IN ({ids})
     ORDER BY t.session_id, t."order"
"""
_PAIN = """
    SELECT p.session_id, p.id, p.moment, p.score, p.region, p.recorded_at
      FROM records_painscore p
     WHERE p.clinic_id = %s AND p.session_id IN ({ids})
     ORDER BY p.recorded_at, p.moment
"""
_ADVERSE = """
    SELECT a.session_id, a.id, a.kind, a.severity, a.notes
      FROM records_adverseevent a
     WHERE a.clinic_id = %s AND a.session_id IN ({ids})
     ORDER BY a.session_id, a.created_at
"""
_ADDENDA = """
    SELECT d.session_id, d.id, d.assessment_id, d.author_id, u.first_name, u.last_name, u.username, d.text,
           d.created_at
      FROM records_addendum d
      JOIN auth_user u ON u.id = d.author_id
     WHERE d.clinic_id = %s AND d.session_id IN ({ids})
     ORDER BY d.created_at
"""
def _name(first: str, last: str, username: str) -> str:
    """``display_name``: the full name as Django forms it, else the username."""
    return f"{first} {last}".strip() or username


def session_documents(clinic, session_ids) -> list[dict]:
    """The representations of the clinic's sessions among ``session_ids``, in that order;
    ids of other clinics' sessions (or of none) are left out."""
    if not session_ids:
        return []
    clinic_param = db_id(clinic.pk)
    id_params = [db_id(pk) for pk in session_ids]
    ids = placeholders(len(id_params))
    params = [clinic_param, *id_params]

    documents: dict = {}
    precautions: dict = {}
    for r in fetch(_SESSIONS.format(ids=ids), params):
        session_id = to_uuid(r[0])
        if r[22] is not None:
            precautions.setdefault(session_id, []).append(Precaution(code=r[22], note=r[23]))
        if session_id in documents:
            continue
        documents[session_id] = {
            "id": str(session_id),
            "patient": to_uuid(r[1]),
            "assessment": to_uuid(r[2]),
            "practitioner": r[3],
            "practitioner_name": _name(r[4], r[5], r[6]),
            "started_at": iso(r[7]),
            "number": r[8],
            "targeted_muscles": [],
            "pain_scores": [],
            "adverse_events": [],
            "needles_used": r[9],
            "needles_removed": r[10],
            "exercises": r[11],
            "notes": r[12],
            "status": r[13],
            "signed_at": iso(r[14]),
            "signed_by": r[15],
            "signed_by_name": _name(r[16], r[17], r[18]) if r[15] is not None else None,
            "version": r[19],
            "addenda": [],
            "warnings": [],
            "created_at": iso(r[20]),
            "updated_at": iso(r[21]),
        }
    if not documents:
        return []

    targets: dict = {pk: [] for pk in documents}
    for r in fetch(_TARGETED.format(ids=ids), params):
        session_id, muscle_id = to_uuid(r[0]), to_uuid(r[3])
        documents[session_id]["targeted_muscles"].append(
            {
                "id": str(to_uuid(r[1])),
                "order": r[2],
                "muscle": muscle_id,
                "muscle_name": r[4],
                "side": r[6],
                "segment": r[7],
                "needle_length_mm": r[8],
                "needle_diameter_mm": to_number(r[9], 2),
                "twitch_response": r[10],
                "twitch_count": r[11],
                "outcome": r[12],
                "notes": r[13],
            }
        )
        targets[session_id].append((_MuscleRef(muscle_id, r[4], bool(r[5])), r[6]))
    for r in fetch(_PAIN.format(ids=ids), params):
        documents[to_uuid(r[0])]["pain_scores"].append(
            {"id": str(to_uuid(r[1])), "moment": r[2], "score": r[3], "region": r[4], "recorded_at": iso(r[5])}
        )
    for r in fetch(_ADVERSE.format(ids=ids), params):
        documents[to_uuid(r[0])]["adverse_events"].append(
            {"id": str(to_uuid(r[1])), "kind": r[2], "severity": r[3], "notes": r[4]}
        )
    for r in fetch(_ADDENDA.format(ids=ids), params):
        documents[to_uuid(r[0])]["addenda"].append(
            {
                "id": str(to_uuid(r[1])),
                "session": to_uuid(r[0]),
                "assessment": to_uuid(r[2]),
                "author": r[3],
                "author_name": _name(r[4], r[5], r[6]),
                "text": r[7],
                "created_at": iso(r[8]),
            }
        )
    for pk, document in documents.items():
        document["warnings"] = warnings_for_targets(targets[pk], precautions.get(pk, ()))
    return [documents[pk] for pk in map(to_uuid, session_ids) if pk in documents]

