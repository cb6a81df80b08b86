"""Reads behind the FHIR facade, always within one clinic.

Each selector owns its ``select_related``/``prefetch_related`` so that building a
resource never walks a relation with a query of its own: the query count of a request
does not grow with the length of a patient's history. The patient lookup and the whole
record of ``$everything`` (hundreds of rows for a long history) are fixed SQL instead
(:mod:`records.sql`), read into lightweight rows.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet

from api.fhir.mapping import USER_PREFIX
from records.models import (
    AdverseEvent,
    Clinic,
    Consent,
    Membership,
    PainScore,
    Patient,
    TargetedMuscle,
    TreatmentSession,
)
from records.sql import db_id, fetch, to_instant, to_uuid

__all__ = [
    "PatientRecord",
    "adverse_events_for_clinic",
    "consents_for_clinic",
    "parse_uuid",
    "patient_for_clinic",
    "patient_record",
    "pain_scores_for_clinic",
    "practitioners_for_patient",
    "practitioner_user",
    "sessions_for_fhir",
    "targeted_for_clinic",
]

# The practitioner's membership gives the Practitioner id: loaded with the user.
PRACTITIONER = "practitioner__membership"


def parse_uuid(value) -> uuid.UUID | None:
    """The UUID in ``value``, or None when it is not one (an unknown id, never an error)."""
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


# Every FHIR request that returns patient data starts here, so it is fixed SQL (see the
# note on instants below) rather than a query the ORM compiles on each request.
PATIENT_FIELDS = (
    "id", "clinic_id", "created_at", "updated_at", "chart_number", "given_name", "family_name",
    "date_of_birth", "sex", "phone", "email", "archived_at", "version",
)
PATIENT_SQL = """
    SELECT CAST(created_at AS TEXT), CAST(updated_at AS TEXT), chart_number, given_name, family_name,
           CAST(date_of_birth AS TEXT), sex, phone, email, CAST(archived_at AS TEXT), version
    FROM records_patient
    WHERE clinic_id = %s AND id = %s
"""


def patient_for_clinic(clinic: Clinic, patient_id) -> Patient | None:
    """The clinic's patient with this id (archived ones too: their record still exists)."""
    pk = parse_uuid(patient_id)
    if pk is None:
        return None
    rows = fetch(PATIENT_SQL, [db_id(clinic.pk), db_id(pk)])
    if not rows:
        return None
    created, updated, chart_number, given, family, born, sex, phone, email, archived, version = rows[0]
    values = (
        pk, clinic.pk, to_instant(created), to_instant(updated), chart_number, given, family,
        dt.date.fromisoformat(born), sex, phone, email, to_instant(archived), version,
    )
    patient = Patient.from_db(DEFAULT_DB_ALIAS, PATIENT_FIELDS, values)
    patient.clinic = clinic  # same row; spares the audit trail a query
    return patient


def sessions_for_fhir(clinic: Clinic) -> QuerySet[TreatmentSession]:
    """Sessions with their practitioner (and membership, for the Practitioner id)."""
    return TreatmentSession.objects.filter(clinic=clinic).select_related(PRACTITIONER, "patient")


def targeted_for_clinic(clinic: Clinic) -> QuerySet[TargetedMuscle]:
    """Targeted muscles with muscle, session and practitioner: a Procedure or twitch Observation each."""
    return TargetedMuscle.objects.filter(clinic=clinic).select_related(
        "muscle", f"session__{PRACTITIONER}", "session__patient"
    )


def pain_scores_for_clinic(clinic: Clinic) -> QuerySet[PainScore]:
    return PainScore.objects.filter(clinic=clinic).select_related("session", "patient")


def consents_for_clinic(clinic: Clinic) -> QuerySet[Consent]:
    return Consent.objects.filter(clinic=clinic).select_related("patient")


def adverse_events_for_clinic(clinic: Clinic) -> QuerySet[AdverseEvent]:
    return AdverseEvent.objects.filter(clinic=clinic).select_related(f"session__{PRACTITIONER}", "session__patient")


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


# --- $everything: fixed SQL and lightweight rows ----------------------------------
# A long history is hundreds of rows; model instances and compiled ORM queries would cost
# more than the whole Bundle, so ``patient_record`` runs fixed SQL (records.sql) and
# builds these rows, which carry the attribute names api.fhir.mapping reads of the models.
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
    """Everything the facade shows of one patient, loaded in a fixed number of queries."""

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
# PostgreSQL reach the few adverse events of the clinic by index.

# Sessions in the order of the record, each with its practitioner (membership for the
# Practitioner id) and, one row each, its adverse events: a session has few or none.
SESSIONS_SQL = """
    SELECT s.id, CAST(s.updated_at AS TEXT), s.number, s.status, CAST(s.started_at AS TEXT),
           u.id, u.username, u.first_name, u.last_name, u.is_active, m.id,
           a.id, CAST(a.updated_at AS TEXT), CAST(a.created_at AS TEXT), a.kind, a.severity, a.notes
    FROM records_treatmentsession s
    JOIN auth_user u ON u.id = s.practitioner_id
    LEFT JOIN records_membership m ON m.user_id = u.id
    LEFT JOIN records_adverseevent a ON a.session_id = s.id AND a.clinic_id = %s
    WHERE s.clinic_id = %s AND s.patient_id = %s
    ORDER BY s.started_at, s.number, a.created_at
"""

TARGETED_SQL = """
    SELECT t.session_id, t.id, CAST(t.updated_at AS TEXT), t."order", t.side, t.segment, t.twitch_response,
           t.twitch_count, t.outcome, t.notes, mu.name, mu.snomed_code
    FROM records_targetedmuscle t
    JOIN records_treatmentsession s ON s.id = t.session_id
    JOIN records_muscle mu ON mu.id = t.muscle_id
    WHERE s.clinic_id = %s AND s.patient_id = %s
    ORDER BY t."order"
"""

PAIN_SCORES_SQL = """
    SELECT id, CAST(updated_at AS TEXT), session_id, moment, score, region, CAST(recorded_at AS TEXT)
    FROM records_painscore
    WHERE clinic_id = %s AND patient_id = %s
    ORDER BY recorded_at, moment
"""

CONSENTS_SQL = """
    SELECT id, CAST(updated_at AS TEXT), CAST(given_at AS TEXT), CAST(withdrawn_at AS TEXT), form_version
    FROM records_consent
    WHERE clinic_id = %s AND patient_id = %s
    ORDER BY given_at
"""


def _text_id(value) -> str | None:
    return None if value is None else str(to_uuid(value))


def _sessions(scope: list, patient_pk: str) -> tuple[list[SessionRow], list[PractitionerRow]]:
    """The sessions with their adverse events, and their practitioners in order of first session."""
    sessions: dict[str, SessionRow] = {}
    practitioners: dict[int, PractitionerRow] = {}
    for (
        session_id, updated_at, number, status, started_at,
        user_id, username, first_name, last_name, is_active, membership_id,
        event_id, event_updated_at, event_created_at, kind, severity, notes,
    ) in fetch(SESSIONS_SQL, [scope[0], *scope]):  # the adverse events' clinic, then the scope
        pk = _text_id(session_id)
        session = sessions.get(pk)
        if session is None:
            practitioner = practitioners.get(user_id)
            if practitioner is None:
                membership = None if membership_id is None else MembershipRow(_text_id(membership_id))
                practitioner = practitioners[user_id] = PractitionerRow(
                    user_id, username, first_name, last_name, bool(is_active), membership
                )
            session = sessions[pk] = SessionRow(
                pk, to_instant(updated_at), number, status, to_instant(started_at), patient_pk, practitioner
            )
        if event_id is not None:
            session.adverse_events.append(
                AdverseEventRow(
                    _text_id(event_id), to_instant(event_updated_at), to_instant(event_created_at), kind, severity,
                    notes,
                )
            )
    return list(sessions.values()), list(practitioners.values())


def _add_targeted_muscles(scope: list, sessions: dict[str, SessionRow]) -> None:
    """Append each session's targeted muscles, in release order; one MuscleRow per muscle."""
    muscles: dict[tuple, MuscleRow] = {}
    for (
        session_id, pk, updated_at, order, side, segment, twitch_response, twitch_count, outcome, notes,
        muscle_name, snomed_code,
    ) in fetch(TARGETED_SQL, scope):
        muscle = muscles.get((muscle_name, snomed_code))
        if muscle is None:
            muscle = muscles[muscle_name, snomed_code] = MuscleRow(muscle_name, snomed_code)
        sessions[_text_id(session_id)].targeted_muscles.append(
            TargetedMuscleRow(
                _text_id(pk), to_instant(updated_at), order, side, segment, twitch_response, twitch_count, outcome,
                notes, muscle,
            )
        )


def _pain_scores(scope: list, patient_pk: str) -> list[PainScoreRow]:
    return [
        PainScoreRow(
            _text_id(pk), to_instant(updated_at), patient_pk, _text_id(session_id), moment, score, region,
            to_instant(recorded_at),
        )
        for pk, updated_at, session_id, moment, score, region, recorded_at in fetch(PAIN_SCORES_SQL, scope)
    ]


def _consents(scope: list, patient_pk: str) -> list[ConsentRow]:
    return [
        ConsentRow(_text_id(pk), to_instant(updated_at), patient_pk, to_instant(given), to_instant(withdrawn), form)
        for pk, updated_at, given, withdrawn, form in fetch(CONSENTS_SQL, scope)
    ]


def patient_record(patient: Patient) -> PatientRecord:
    """The patient's whole record for ``$everything``: four queries whatever its length.

    Sessions (with practitioner, membership and adverse events), their targeted muscles
    (with muscle), all the patient's pain scores, and the consents. ``patient`` comes
    from :func:`patient_for_clinic`, so the clinic is already checked.
    """
    # The parameters of every query: clinic, then patient.
    scope, patient_pk = [db_id(patient.clinic_id), db_id(patient.pk)], str(patient.pk)
    sessions, practitioners = _sessions(scope, patient_pk)
    _add_targeted_muscles(scope, {session.pk: session for session in sessions})
    return PatientRecord(
        patient=patient,
        sessions=sessions,
        practitioners=practitioners,
        pain_scores=_pain_scores(scope, patient_pk),
        consents=_consents(scope, patient_pk),
    )
