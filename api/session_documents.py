"""Session representations built straight from SQL: the API's busiest read.

``SessionSerializer`` documents the shape (OpenAPI) and a test holds these documents
equal to its output; at run time the list, the detail and the re-read after every write
come from here instead: two fixed queries, sent together, for any number of sessions, no model instances
and no per-field serializer calls (see records/sql.py for why).
"""

from collections import namedtuple

from api.serializers.base import api_datetime
from records.models import Precaution
from records.selectors import display_name_of, warnings_for_targets
from records.sql import db_id, fetch_together, placeholders, to_instant, to_number, to_uuid

__all__ = ["session_documents"]

# What warnings_for_targets reads of a muscle.
_MuscleRef = namedtuple("_MuscleRef", "pk name lung_field")

_SESSIONS = """
    SELECT s.id, s.patient_id, s.assessment_id, s.practitioner_id, pu.first_name, pu.last_name, pu.username,
           s.started_at, s.number, s.needles_used, s.needles_removed, s.exercises, s.notes, s.status,
           s.signed_at, s.signed_by_id, su.first_name, su.last_name, su.username, s.version, s.created_at,
           s.updated_at, pc.code, pc.note, s.sharps_discrepancy_note, s.lung_field_precautions_confirmed
      FROM records_treatmentsession s
      JOIN auth_user pu ON pu.id = s.practitioner_id
      LEFT JOIN auth_user su ON su.id = s.signed_by_id
      -- The patient's precautions ride along (a row per precaution) for the warnings.
      LEFT JOIN records_precaution pc ON pc.patient_id = s.patient_id
     WHERE s.clinic_id = %s AND s.id IN ({ids})
"""
# Everything a session lists, in one round trip: targeted muscles ('t'), pain scores ('p'),
# adverse events ('a') and addenda ('d'), each kind in its own columns of one row shape.
# Each kind is reached from the clinic's sessions by id (primary-key lookups, then each
# table's session index, on both vendors).
#   c1 int      order        | score    |          | author id
#   c2 text     muscle name  | moment   | kind     | author first name
#   c3 text     side         | region   | severity | author last name
#   c4 text     segment      |          | notes    | author username
#   c5 text     twitch       |          |          | text
#   c6 text     outcome
#   c7 text     notes
#   c8 int      needle length
#   c9 decimal  needle diameter
#   c10 int     twitch count
#   c11 bool    lung field
#   c12 uuid    muscle id    |          |          | assessment id
#   c13 instant              | recorded | created  | created
_CHILDREN = """
    SELECT 't', t.session_id, t.id, t."order", m.name, t.side, t.segment, t.twitch_response, t.outcome, t.notes,
           t.needle_length_mm, t.needle_diameter_mm, t.twitch_count, m.lung_field, t.muscle_id, NULL
      FROM records_treatmentsession s
      JOIN records_targetedmuscle t ON t.session_id = s.id
      JOIN records_muscle m ON m.id = t.muscle_id
     WHERE s.clinic_id = %s AND s.id IN ({ids})
    UNION ALL
    SELECT 'p', p.session_id, p.id, p.score, p.moment, p.region, NULL, NULL, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, p.recorded_at
      FROM records_treatmentsession s
      JOIN records_painscore p ON p.session_id = s.id
     WHERE s.clinic_id = %s AND s.id IN ({ids})
    UNION ALL
    SELECT 'a', a.session_id, a.id, NULL, a.kind, a.severity, a.notes, NULL, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, a.created_at
      FROM records_treatmentsession s
      JOIN records_adverseevent a ON a.session_id = s.id
     WHERE s.clinic_id = %s AND s.id IN ({ids})
    UNION ALL
    SELECT 'd', d.session_id, d.id, d.author_id, u.first_name, u.last_name, u.username, d.text, NULL, NULL,
           NULL, NULL, NULL, NULL, d.assessment_id, d.created_at
      FROM records_treatmentsession s
      JOIN records_addendum d ON d.session_id = s.id
      JOIN auth_user u ON u.id = d.author_id
     WHERE s.clinic_id = %s AND s.id IN ({ids})
"""


def session_documents(clinic, session_ids) -> list[dict]:
    """The representations of the clinic's sessions among ``session_ids``, in that order;
    ids of other clinics' sessions (or of none) are left out."""
    if not session_ids:
        return []
    clinic_param = db_id(clinic.pk)
    id_params = [db_id(pk) for pk in session_ids]
    ids = placeholders(len(id_params))
    params = [clinic_param, *id_params]

    session_rows, children = fetch_together(
        (_SESSIONS.format(ids=ids), params), (_CHILDREN.format(ids=ids), params * 4)
    )
    documents: dict = {}
    precautions: dict = {}
    for r in session_rows:
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
            "practitioner_name": display_name_of(r[4], r[5], r[6]),
            "started_at": api_datetime(r[7]),
            "number": r[8],
            "targeted_muscles": [],
            "pain_scores": [],
            "adverse_events": [],
            "needles_used": r[9],
            "needles_removed": r[10],
            "exercises": r[11],
            "notes": r[12],
            "status": r[13],
            "signed_at": api_datetime(r[14]),
            "signed_by": r[15],
            "signed_by_name": display_name_of(r[16], r[17], r[18]) if r[15] is not None else None,
            "version": r[19],
            "addenda": [],
            "warnings": [],
            "created_at": api_datetime(r[20]),
            "updated_at": api_datetime(r[21]),
            "sharps_discrepancy_note": r[24],
            "lung_field_precautions_confirmed": bool(r[25]),
        }
    if not documents:
        return []

    targets: dict = {pk: [] for pk in documents}
    # Each kind in the order the serializer's querysets give (model orderings).
    children.sort(key=lambda r: (r[0], r[3] if r[0] == "t" else 0, to_instant(r[15]) if r[0] != "t" else 0,
                                 r[4] if r[0] == "p" else ""))
    for r in children:
        kind, document = r[0], documents[to_uuid(r[1])]
        if kind == "t":
            muscle_id = to_uuid(r[14])
            document["targeted_muscles"].append(
                {
                    "id": str(to_uuid(r[2])),
                    "order": r[3],
                    "muscle": muscle_id,
                    "muscle_name": r[4],
                    "side": r[5],
                    "segment": r[6],
                    "needle_length_mm": r[10],
                    "needle_diameter_mm": to_number(r[11], 2),
                    "twitch_response": r[7],
                    "twitch_count": r[12],
                    "outcome": r[8],
                    "notes": r[9],
                }
            )
            targets[to_uuid(r[1])].append((_MuscleRef(muscle_id, r[4], bool(r[13])), r[5]))
        elif kind == "p":
            document["pain_scores"].append(
                {
                    "id": str(to_uuid(r[2])), "moment": r[4], "score": r[3], "region": r[5],
                    "recorded_at": api_datetime(r[15]),
                }
            )
        elif kind == "a":
            document["adverse_events"].append({"id": str(to_uuid(r[2])), "kind": r[4], "severity": r[5], "notes": r[6]})
        else:
            document["addenda"].append(
                {
                    "id": str(to_uuid(r[2])),
                    "session": to_uuid(r[1]),
                    "assessment": to_uuid(r[14]),
                    "author": r[3],
                    "author_name": display_name_of(r[4], r[5], r[6]),
                    "text": r[7],
                    "created_at": api_datetime(r[15]),
                }
            )
    for pk, document in documents.items():
        document["warnings"] = warnings_for_targets(targets[pk], precautions.get(pk, ()))
    return [documents[pk] for pk in map(to_uuid, session_ids) if pk in documents]

