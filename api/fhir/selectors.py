"""Reads behind the FHIR facade, always within one clinic.

Each selector owns its ``select_related``/``prefetch_related`` so that building a
resource never walks a relation with a query of its own: the query count of a request
does not grow with the length of a patient's history.
"""

import uuid
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet

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


def patient_for_clinic(clinic: Clinic, patient_id) -> Patient | None:
    """The clinic's patient with this id (archived ones too: their record still exists)."""
    pk = parse_uuid(patient_id)
    if pk is None:
        return None
    patient = Patient.objects.filter(clinic=clinic, pk=pk).first()
    if patient is not None:
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


@dataclass
class PatientRecord:
    """Everything the facade shows of one patient, loaded in a fixed number of queries."""

    patient: Patient
    sessions: list[TreatmentSession] = field(default_factory=list)
    pain_scores: list[PainScore] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)

    @property
    def sessions_by_id(self) -> dict:
        return {session.pk: session for session in self.sessions}

    @property
    def practitioners(self) -> list:
        seen: dict = {}
        for session in self.sessions:
            seen.setdefault(session.practitioner_id, session.practitioner)
        return list(seen.values())


def patient_record(patient: Patient) -> PatientRecord:
    """The patient's whole record for ``$everything``: five queries whatever its length.

    Sessions (with practitioner and membership), their targeted muscles (with muscle),
    their adverse events, all the patient's pain scores, and the consents.
    """
    sessions = list(
        TreatmentSession.objects.filter(patient=patient)
        .select_related(PRACTITIONER)
        .prefetch_related(
            Prefetch("targeted_muscles", queryset=TargetedMuscle.objects.select_related("muscle").order_by("order")),
            Prefetch("adverse_events", queryset=AdverseEvent.objects.order_by("created_at")),
        )
        .order_by("started_at", "number")
    )
    for session in sessions:
        session.patient = patient
    pain_scores = list(PainScore.objects.filter(patient=patient).order_by("recorded_at", "moment"))
    consents = list(Consent.objects.filter(patient=patient).order_by("given_at"))
    return PatientRecord(patient=patient, sessions=sessions, pain_scores=pain_scores, consents=consents)
