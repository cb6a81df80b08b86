"""Reads behind the FHIR facade, always within one clinic.

A patient's record — for ``$everything``, for a search by patient and for a read by id —
comes from one set of fixed SQL queries (:mod:`records.sql`) whose columns are read by
name into lightweight rows, the input of :mod:`api.fhir.mapping`. The queries of one
document run in one consistent snapshot (:func:`records.snapshots.consistent_read`), so a
session written meanwhile is either wholly in the Bundle or not at all. The query count
of a request does not grow with the length of a patient's history.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS

from api.fhir.mapping import USER_PREFIX
from records.models import Clinic, Membership, Patient
from records.snapshots import consistent_read
from records.sql import db_id, fetch_named, to_instant, to_uuid

__all__ = [
    "ALL_PARTS",
    "CONSENTS",
    "PAIN_SCORES",
    "SESSIONS",
    "TARGETED",
    "PatientRecord",
    "adverse_event_row",
    "consent_row",
    "pain_score_row",
    "parse_uuid",
    "patient_for_clinic",
    "patient_record",
    "practitioner_user",
    "practitioners_for_patient",
    "session_row",
    "targeted_row",
]


def parse_uuid(value) -> uuid.UUID | None:
    """The UUID in ``value``, or None when it is not one (an unknown id, never an error)."""
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


# Every FHIR request that returns patient data starts here, so it is fixed SQL (see the
# note on instants below) rather than a query the ORM compiles on each request. The
# labels are the model's attribute names: the row becomes a Patient through ``from_db``.
PATIENT_SQL = """
    SELECT id AS id, clinic_id AS clinic_id, CAST(created_at AS TEXT) AS created_at,
           CAST(updated_at AS TEXT) AS updated_at, chart_number AS chart_number, given_name AS given_name,
           family_name AS family_name, CAST(date_of_birth AS TEXT) AS date_of_birth, sex AS sex,
           phone AS phone, email AS email, CAST(archived_at AS TEXT) AS archived_at, version AS version
    FROM records_patient
    WHERE clinic_id = %s AND id = %s
"""
# How each column of PATIENT_SQL becomes the attribute's value.
_PATIENT_CONVERTERS = {
    "id": to_uuid,
    "clinic_id": to_uuid,
    "created_at": to_instant,
    "updated_at": to_instant,
    "date_of_birth": dt.date.fromisoformat,
    "archived_at": to_instant,
}


def patient_for_clinic(clinic: Clinic, patient_id) -> Patient | None:
    """The clinic's patient with this id (archived ones too: their record still exists)."""
    pk = parse_uuid(patient_id)
    if pk is None:
        return None
    rows = fetch_named(PATIENT_SQL, [db_id(clinic.pk), db_id(pk)])
    if not rows:
        return None
    row = rows[0]._asdict()
    for name, convert in _PATIENT_CONVERTERS.items():
        if row[name] is not None:
            row[name] = convert(row[name])
    # from_db takes the values in the model's field order, whatever the query's.
    names = [f.attname for f in Patient._meta.concrete_fields if f.attname in row]
    patient = Patient.from_db(DEFAULT_DB_ALIAS, names, [row[name] for name in names])
    patient.clinic = clinic  # same row; spares the audit trail a query
    return patient


def practitioners_for_patient(patient: Patient) -> list:
    """Staff who treated the patient (recorded one of their sessions), in name order."""
    user_model = get_user_model()
    return list(
        user_model.objects.filter(treatment_sessions__patient=patient)
        .select_related("membership")
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def practitioner_user(clinic: Clinic, practitioner_id: str):
    """The staff account behind a Practitioner id, if it belongs to (or treated in) the clinic."""
    user_model = get_user_model()
    if practitioner_id.startswith(USER_PREFIX):
        # A superuser without membership who recorded sessions here.
        pk = practitioner_id.removeprefix(USER_PREFIX)
        if not pk.isdigit():
            return None
        return (
            user_model.objects.filter(pk=int(pk), membership__isnull=True, treatment_sessions__clinic=clinic)
            .distinct()
            .first()
        )
    pk = parse_uuid(practitioner_id)
    if pk is None:
        return None
    membership = Membership.objects.filter(clinic=clinic, pk=pk).select_related("user").first()
    if membership is None:
        return None
    user = membership.user
    user.membership = membership
    return user


# --- the record as rows: one reader for $everything, reads and searches ------------
# A long history is hundreds of rows; model instances and compiled ORM queries would cost
# more than the whole Bundle, so the record is read with fixed SQL (records.sql) whose
# columns are taken by name, into these rows, which carry the attribute names
# api.fhir.mapping reads. ``$everything``, the reads by id and the searches by patient
# all go through the same queries and rows; they differ only in the WHERE clause.
# Ids are the canonical UUID text the resources print.


@dataclass(slots=True)
class MembershipRow:
    pk: str


@dataclass(slots=True)
class PractitionerRow:
    pk: int
    username: str
    first_name: str
    last_name: str
    is_active: bool
    membership: MembershipRow | None


@dataclass(slots=True)
class MuscleRow:
    name: str
    snomed_code: str


@dataclass(slots=True)
class TargetedMuscleRow:
    pk: str
    updated_at: dt.datetime
    order: int
    side: str
    segment: str
    twitch_response: str
    twitch_count: int | None
    outcome: str
    notes: str
    muscle: MuscleRow


@dataclass(slots=True)
class AdverseEventRow:
    pk: str
    updated_at: dt.datetime
    created_at: dt.datetime
    kind: str
    severity: str
    notes: str


@dataclass(slots=True)
class SessionRow:
    pk: str
    updated_at: dt.datetime
    number: int
    status: str
    started_at: dt.datetime
    patient_id: str
    practitioner: PractitionerRow
    targeted_muscles: list[TargetedMuscleRow] = field(default_factory=list)
    adverse_events: list[AdverseEventRow] = field(default_factory=list)


@dataclass(slots=True)
class PainScoreRow:
    pk: str
    updated_at: dt.datetime
    patient_id: str
    session_id: str | None
    moment: str
    score: int
    region: str
    recorded_at: dt.datetime


@dataclass(slots=True)
class ConsentRow:
    pk: str
    updated_at: dt.datetime
    patient_id: str
    given_at: dt.datetime
    withdrawn_at: dt.datetime | None
    form_version: str


@dataclass
class PatientRecord:
    """What the facade shows of one patient (all of it, or the parts a search asked for),
    loaded in a fixed number of queries from one consistent snapshot."""

    patient: Patient
    sessions: list[SessionRow] = field(default_factory=list)
    practitioners: list[PractitionerRow] = field(default_factory=list)
    pain_scores: list[PainScoreRow] = field(default_factory=list)
    consents: list[ConsentRow] = field(default_factory=list)

    @property
    def sessions_by_id(self) -> dict[str, SessionRow]:
        return {session.pk: session for session in self.sessions}


# Instants come as text (CAST … AS TEXT, read back by records.sql.to_instant): psycopg's
# timestamptz loader costs a few microseconds a value in Python, and a long history has
# hundreds of them. PostgreSQL writes them in UTC (Django sets the connection's time zone)
# in ISO style (the only DateStyle psycopg reads anyway); SQLite stores them as UTC text.
# Every query also filters on the clinic: isolation as a plain filter, and it lets
# PostgreSQL reach the few adverse events of the clinic by index. ``{where}`` narrows
# each query to a patient or to one row (see the *_BY_* constants).

# Sessions in the order of the record, each with its practitioner (membership for the
# Practitioner id) and, one row each, its adverse events: a session has few or none.
SESSIONS_SQL = """
    SELECT s.id AS session_id, CAST(s.updated_at AS TEXT) AS updated_at, s.number AS number,
           s.status AS status, CAST(s.started_at AS TEXT) AS started_at, s.patient_id AS patient_id,
           u.id AS user_id, u.username AS username, u.first_name AS first_name, u.last_name AS last_name,
           u.is_active AS is_active, m.id AS membership_id,
           a.id AS event_id, CAST(a.updated_at AS TEXT) AS event_updated_at,
           CAST(a.created_at AS TEXT) AS event_created_at, a.kind AS kind, a.severity AS severity,
           a.notes AS event_notes
    FROM records_treatmentsession s
    JOIN auth_user u ON u.id = s.practitioner_id
    LEFT JOIN records_membership m ON m.user_id = u.id
    LEFT JOIN records_adverseevent a ON a.session_id = s.id AND a.clinic_id = s.clinic_id
    WHERE s.clinic_id = %s AND {where}
    ORDER BY s.started_at, s.number, a.created_at
"""
SESSIONS_OF_PATIENT = "s.patient_id = %s"
SESSION_BY_ID = "s.id = %s"
SESSION_BY_ADVERSE_EVENT = "s.id = (SELECT e.session_id FROM records_adverseevent e WHERE e.id = %s)"

TARGETED_SQL = """
    SELECT t.session_id AS session_id, t.id AS targeted_id, CAST(t.updated_at AS TEXT) AS updated_at,
           t."order" AS release_order, t.side AS side, t.segment AS segment,
           t.twitch_response AS twitch_response, t.twitch_count AS twitch_count, t.outcome AS outcome,
           t.notes AS notes, mu.name AS muscle_name, mu.snomed_code AS snomed_code
    FROM records_targetedmuscle t
    JOIN records_treatmentsession s ON s.id = t.session_id
    JOIN records_muscle mu ON mu.id = t.muscle_id
    WHERE s.clinic_id = %s AND {where}
    ORDER BY t."order"
"""
TARGETED_OF_PATIENT = "s.patient_id = %s"
TARGETED_BY_ID = "t.id = %s"

PAIN_SCORES_SQL = """
    SELECT id AS pain_id, CAST(updated_at AS TEXT) AS updated_at, patient_id AS patient_id,
           session_id AS session_id, moment AS moment, score AS score, region AS region,
           CAST(recorded_at AS TEXT) AS recorded_at
    FROM records_painscore
    WHERE clinic_id = %s AND {where}
    ORDER BY recorded_at, moment
"""
PAIN_SCORES_OF_PATIENT = "patient_id = %s"
PAIN_SCORE_BY_ID = "id = %s"

CONSENTS_SQL = """
    SELECT id AS consent_id, CAST(updated_at AS TEXT) AS updated_at, patient_id AS patient_id,
           CAST(given_at AS TEXT) AS given_at, CAST(withdrawn_at AS TEXT) AS withdrawn_at,
           form_version AS form_version
    FROM records_consent
    WHERE clinic_id = %s AND {where}
    ORDER BY given_at
"""
CONSENTS_OF_PATIENT = "patient_id = %s"
CONSENT_BY_ID = "id = %s"


def _text_id(value) -> str | None:
    return None if value is None else str(to_uuid(value))


def _sessions(clinic_id, where: str, param) -> tuple[list[SessionRow], list[PractitionerRow]]:
    """The sessions with their adverse events, and their practitioners in order of first session."""
    sessions: dict[str, SessionRow] = {}
    practitioners: dict[int, PractitionerRow] = {}
    for row in fetch_named(SESSIONS_SQL.format(where=where), [clinic_id, param]):
        pk = _text_id(row.session_id)
        session = sessions.get(pk)
        if session is None:
            practitioner = practitioners.get(row.user_id)
            if practitioner is None:
                membership = None if row.membership_id is None else MembershipRow(_text_id(row.membership_id))
                practitioner = practitioners[row.user_id] = PractitionerRow(
                    pk=row.user_id, username=row.username, first_name=row.first_name, last_name=row.last_name,
                    is_active=bool(row.is_active), membership=membership,
                )
            session = sessions[pk] = SessionRow(
                pk=pk, updated_at=to_instant(row.updated_at), number=row.number, status=row.status,
                started_at=to_instant(row.started_at), patient_id=_text_id(row.patient_id),
                practitioner=practitioner,
            )
        if row.event_id is not None:
            session.adverse_events.append(
                AdverseEventRow(
                    pk=_text_id(row.event_id), updated_at=to_instant(row.event_updated_at),
                    created_at=to_instant(row.event_created_at), kind=row.kind, severity=row.severity,
                    notes=row.event_notes,
                )
            )
    return list(sessions.values()), list(practitioners.values())


def _targeted(clinic_id, where: str, param) -> list[tuple[str, TargetedMuscleRow]]:
    """``(session id, row)`` per targeted muscle, in release order; one MuscleRow per muscle."""
    muscles: dict[tuple, MuscleRow] = {}
    rows = []
    for row in fetch_named(TARGETED_SQL.format(where=where), [clinic_id, param]):
        muscle = muscles.get((row.muscle_name, row.snomed_code))
        if muscle is None:
            muscle = muscles[row.muscle_name, row.snomed_code] = MuscleRow(row.muscle_name, row.snomed_code)
        targeted = TargetedMuscleRow(
            pk=_text_id(row.targeted_id), updated_at=to_instant(row.updated_at), order=row.release_order,
            side=row.side, segment=row.segment, twitch_response=row.twitch_response,
            twitch_count=row.twitch_count, outcome=row.outcome, notes=row.notes, muscle=muscle,
        )
        rows.append((_text_id(row.session_id), targeted))
    return rows


def _pain_scores(clinic_id, where: str, param) -> list[PainScoreRow]:
    return [
        PainScoreRow(
            pk=_text_id(row.pain_id), updated_at=to_instant(row.updated_at), patient_id=_text_id(row.patient_id),
            session_id=_text_id(row.session_id), moment=row.moment, score=row.score, region=row.region,
            recorded_at=to_instant(row.recorded_at),
        )
        for row in fetch_named(PAIN_SCORES_SQL.format(where=where), [clinic_id, param])
    ]


def _consents(clinic_id, where: str, param) -> list[ConsentRow]:
    return [
        ConsentRow(
            pk=_text_id(row.consent_id), updated_at=to_instant(row.updated_at), patient_id=_text_id(row.patient_id),
            given_at=to_instant(row.given_at), withdrawn_at=to_instant(row.withdrawn_at),
            form_version=row.form_version,
        )
        for row in fetch_named(CONSENTS_SQL.format(where=where), [clinic_id, param])
    ]


# The parts of a record a search may ask for (``$everything`` takes them all).
SESSIONS, TARGETED, PAIN_SCORES, CONSENTS = "sessions", "targeted", "pain_scores", "consents"
ALL_PARTS = frozenset({SESSIONS, TARGETED, PAIN_SCORES, CONSENTS})


def patient_record(patient: Patient, *, parts: frozenset[str] = ALL_PARTS) -> PatientRecord:
    """The patient's record for ``$everything`` and the searches by patient: a query per
    part (at most four) whatever the length of the history, all from one snapshot.

    ``parts`` leaves out what a search does not show (the sessions are read whenever
    targeted muscles are: they give each Procedure its context). ``patient`` comes from
    :func:`patient_for_clinic`, so the clinic is already checked.
    """
    clinic_id, patient_id, patient_pk = db_id(patient.clinic_id), db_id(patient.pk), str(patient.pk)
    record = PatientRecord(patient=patient)
    with consistent_read():
        if SESSIONS in parts or TARGETED in parts:
            record.sessions, record.practitioners = _sessions(clinic_id, SESSIONS_OF_PATIENT, patient_id)
        if TARGETED in parts:
            by_id = record.sessions_by_id
            for session_id, targeted in _targeted(clinic_id, TARGETED_OF_PATIENT, patient_id):
                by_id[session_id].targeted_muscles.append(targeted)
        if PAIN_SCORES in parts:
            record.pain_scores = _pain_scores(clinic_id, PAIN_SCORES_OF_PATIENT, patient_id)
        if CONSENTS in parts:
            record.consents = _consents(clinic_id, CONSENTS_OF_PATIENT, patient_id)
    for pain in record.pain_scores:
        pain.patient_id = patient_pk
    return record


# --- one row by id (``GET <Type>/<id>``) --------------------------------------------
# Each returns the rows its resource maps from, or None when the id is not one of the
# clinic's: the same queries as the record, narrowed to the row.


def session_row(clinic: Clinic, session_id) -> SessionRow | None:
    pk = parse_uuid(session_id)
    if pk is None:
        return None
    sessions, _ = _sessions(db_id(clinic.pk), SESSION_BY_ID, db_id(pk))
    return sessions[0] if sessions else None


def targeted_row(clinic: Clinic, targeted_id) -> tuple[TargetedMuscleRow, SessionRow] | None:
    """A targeted muscle and its session (the Procedure's and twitch Observation's context)."""
    pk = parse_uuid(targeted_id)
    if pk is None:
        return None
    with consistent_read():
        found = _targeted(db_id(clinic.pk), TARGETED_BY_ID, db_id(pk))
        if not found:
            return None
        session_id, targeted = found[0]
        session = session_row(clinic, session_id)
    return (targeted, session) if session is not None else None


def pain_score_row(clinic: Clinic, pain_id) -> tuple[PainScoreRow, SessionRow | None] | None:
    """A pain score and, when it was scored at a session, that session."""
    pk = parse_uuid(pain_id)
    if pk is None:
        return None
    with consistent_read():
        found = _pain_scores(db_id(clinic.pk), PAIN_SCORE_BY_ID, db_id(pk))
        if not found:
            return None
        pain = found[0]
        session = session_row(clinic, pain.session_id) if pain.session_id else None
    return pain, session


def consent_row(clinic: Clinic, consent_id) -> ConsentRow | None:
    pk = parse_uuid(consent_id)
    if pk is None:
        return None
    found = _consents(db_id(clinic.pk), CONSENT_BY_ID, db_id(pk))
    return found[0] if found else None


def adverse_event_row(clinic: Clinic, event_id) -> tuple[AdverseEventRow, SessionRow] | None:
    """An adverse event and the session it happened in."""
    pk = parse_uuid(event_id)
    if pk is None:
        return None
    sessions, _ = _sessions(db_id(clinic.pk), SESSION_BY_ADVERSE_EVENT, db_id(pk))
    if not sessions:
        return None
    session = sessions[0]
    event = next((e for e in session.adverse_events if e.pk == str(pk)), None)
    return (event, session) if event is not None else None
