"""The clinical record as FHIR R4 resources (DESIGN.md §6), as plain dicts.

Every function maps rows already in hand: the selectors in :mod:`api.fhir.selectors`
load them with their relations, so building a Bundle issues no query per resource.

Ids are the rows' UUIDs, so they are stable across requests and exports. Two resources
have no row of their own and derive theirs: the twitch-response Observation of a
targeted muscle is ``twitch-<targeted muscle id>`` and a Practitioner is the staff
member's clinic membership id (``user-<pk>`` for a superuser without one).
"""

import datetime as dt
import uuid

from django.core.exceptions import ObjectDoesNotExist

from records.choices import AdverseEventKind, Outcome, PainMoment, RecordStatus, Severity, TwitchResponse
from records.models import AdverseEvent, Consent, PainScore, Patient, TargetedMuscle, TreatmentSession

from . import systems as s

__all__ = [
    "TWITCH_PREFIX",
    "USER_PREFIX",
    "adverse_event_resource",
    "consent_resource",
    "encounter_resource",
    "fhir_instant",
    "pain_observation_resource",
    "patient_resource",
    "practitioner_id",
    "practitioner_resource",
    "procedure_resource",
    "twitch_observation_id",
    "twitch_observation_resource",
]

TWITCH_PREFIX = "twitch-"
USER_PREFIX = "user-"

GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}
# Our three severities onto the FHIR value set (mild | moderate | severe).
SEVERITY = {Severity.MILD: "mild", Severity.SIGNIFICANT: "moderate", Severity.SERIOUS: "severe"}


def fhir_instant(value: dt.datetime) -> str:
    """An aware datetime as a FHIR dateTime/instant in UTC, e.g. ``2026-03-02T09:15:00.000Z``."""
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _meta(row) -> dict:
    return {"lastUpdated": fhir_instant(row.updated_at)}


def _ref(resource_type: str, resource_id, display: str | None = None) -> dict:
    reference = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        reference["display"] = display
    return reference


def _coding(system: str, code: str, display: str | None = None) -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _person_name(user) -> str:
    return user.get_full_name() or user.username


def practitioner_id(user) -> str:
    """The Practitioner id of a staff account: its membership UUID (stable, not a counter)."""
    try:
        return str(user.membership.pk)
    except ObjectDoesNotExist:
        return f"{USER_PREFIX}{user.pk}"


def twitch_observation_id(targeted_id: uuid.UUID | str) -> str:
    return f"{TWITCH_PREFIX}{targeted_id}"


def _status_observation(session: TreatmentSession | None) -> str:
    # A draft note can still change; once signed it is final.
    if session is not None and session.status == RecordStatus.DRAFT:
        return "preliminary"
    return "final"


# --- resources ---------------------------------------------------------------------


def patient_resource(patient: Patient, *, clinic_slug: str) -> dict:
    """Patient → Patient: chart number identifier (system per clinic), name, gender, birthDate."""
    resource = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "meta": _meta(patient),
        "identifier": [
            {
                "use": "usual",
                "type": {"coding": [_coding(s.V2_IDENTIFIER_TYPE, "MR", "Medical record number")]},
                "system": s.chart_number_system(clinic_slug),
                "value": patient.chart_number,
            }
        ],
        "active": patient.archived_at is None,
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        "gender": GENDER.get(patient.sex, "unknown"),
        "birthDate": patient.date_of_birth.isoformat(),
    }
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    if telecom:
        resource["telecom"] = telecom
    return resource


def practitioner_resource(user) -> dict:
    """A staff account → Practitioner (name only: no contact details of staff leave the clinic)."""
    name = {"text": _person_name(user)}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    return {
        "resourceType": "Practitioner",
        "id": practitioner_id(user),
        "active": user.is_active,
        "name": [name],
    }


def encounter_resource(session: TreatmentSession) -> dict:
    """TreatmentSession → Encounter: ambulatory, finished once signed, in progress while a draft."""
    practitioner = session.practitioner
    return {
        "resourceType": "Encounter",
        "id": str(session.pk),
        "meta": _meta(session),
        "extension": [{"url": s.SESSION_NUMBER_EXTENSION, "valuePositiveInt": session.number}],
        "status": "finished" if session.status == RecordStatus.SIGNED else "in-progress",
        "class": _coding(s.V3_ACT_CODE, "AMB", "ambulatory"),
        "type": [
            {
                "coding": [_coding(s.PROCEDURE_CODE, "ims-needling", "Intramuscular stimulation / dry needling")],
                "text": f"IMS session {session.number}",
            }
        ],
        "subject": _ref("Patient", session.patient_id),
        "participant": [
            {
                "type": [{"coding": [_coding(s.PARTICIPATION_TYPE, "PPRF", "primary performer")]}],
                "individual": _ref("Practitioner", practitioner_id(practitioner), _person_name(practitioner)),
            }
        ],
        "period": {"start": fhir_instant(session.started_at)},
    }


def _body_site(targeted: TargetedMuscle) -> dict:
    muscle = targeted.muscle
    site: dict = {"text": f"{muscle.name}, {targeted.side}"}
    laterality = s.LATERALITY.get(targeted.side)
    if laterality is not None:
        site["extension"] = [
            {
                "url": s.LATERALITY_EXTENSION,
                "valueCodeableConcept": {"coding": [_coding(s.SNOMED, *laterality)], "text": targeted.side},
            }
        ]
    if muscle.snomed_code:
        # No display: the SNOMED CT term is "Structure of … muscle"; our name goes in text.
        site["coding"] = [_coding(s.SNOMED, muscle.snomed_code)]
    return site


def procedure_resource(targeted: TargetedMuscle, session: TreatmentSession) -> dict:
    """TargetedMuscle → Procedure: one needled muscle, in release order, with its outcome."""
    practitioner = session.practitioner
    extension = [{"url": s.RELEASE_ORDER_EXTENSION, "valueInteger": targeted.order}]
    if targeted.segment:
        extension.append({"url": s.SPINAL_SEGMENT_EXTENSION, "valueCode": targeted.segment})
    resource = {
        "resourceType": "Procedure",
        "id": str(targeted.pk),
        "meta": _meta(targeted),
        "extension": extension,
        "status": "completed",
        "code": {
            "coding": [_coding(s.PROCEDURE_CODE, "ims-needling", "Intramuscular stimulation / dry needling")],
            "text": f"IMS needling of {targeted.muscle.name}",
        },
        "subject": _ref("Patient", session.patient_id),
        "encounter": _ref("Encounter", session.pk),
        "performedDateTime": fhir_instant(session.started_at),
        "performer": [{"actor": _ref("Practitioner", practitioner_id(practitioner), _person_name(practitioner))}],
        "bodySite": [_body_site(targeted)],
        "outcome": {
            "coding": [_coding(s.RELEASE_OUTCOME, targeted.outcome, Outcome(targeted.outcome).label)],
            "text": Outcome(targeted.outcome).label,
        },
    }
    if targeted.notes:
        resource["note"] = [{"text": targeted.notes}]
    return resource


def twitch_observation_resource(targeted: TargetedMuscle, session: TreatmentSession) -> dict:
    """The twitch response of a targeted muscle → Observation ``partOf`` its Procedure."""
    label = TwitchResponse(targeted.twitch_response).label
    practitioner = session.practitioner
    resource = {
        "resourceType": "Observation",
        "id": twitch_observation_id(targeted.pk),
        "meta": _meta(targeted),
        "status": _status_observation(session),
        "category": [{"coding": [_coding(s.OBSERVATION_CATEGORY, "exam", "Exam")]}],
        "code": {
            "coding": [_coding(s.OBSERVATION_CODE, s.TWITCH_RESPONSE_CODE, "Twitch response to needling")],
            "text": "Twitch response to needling",
        },
        "subject": _ref("Patient", session.patient_id),
        "encounter": _ref("Encounter", session.pk),
        "partOf": [_ref("Procedure", targeted.pk)],
        "effectiveDateTime": fhir_instant(session.started_at),
        "performer": [_ref("Practitioner", practitioner_id(practitioner), _person_name(practitioner))],
        "valueCodeableConcept": {
            "coding": [_coding(s.TWITCH_RESPONSE, targeted.twitch_response, label)],
            "text": label,
        },
        "bodySite": _body_site(targeted),
    }
    if targeted.twitch_count is not None:
        resource["component"] = [
            {
                "code": {"coding": [_coding(s.OBSERVATION_CODE, s.TWITCH_COUNT_CODE, "Number of twitches")]},
                "valueInteger": targeted.twitch_count,
            }
        ]
    return resource


def pain_observation_resource(pain: PainScore, session: TreatmentSession | None) -> dict:
    """PainScore → Observation: LOINC 72514-3 (NPRS 0–10) with ``valueInteger``."""
    moment = PainMoment(pain.moment)
    resource = {
        "resourceType": "Observation",
        "id": str(pain.pk),
        "meta": _meta(pain),
        "extension": [
            {"url": s.PAIN_MOMENT_EXTENSION, "valueCoding": _coding(s.PAIN_MOMENT, moment.value, moment.label)}
        ],
        "status": _status_observation(session),
        "category": [{"coding": [_coding(s.OBSERVATION_CATEGORY, "survey", "Survey")]}],
        "code": {
            "coding": [_coding(s.LOINC, s.PAIN_LOINC, s.PAIN_LOINC_DISPLAY)],
            "text": "Pain (NPRS 0-10)",
        },
        "subject": _ref("Patient", pain.patient_id),
        "effectiveDateTime": fhir_instant(pain.recorded_at),
        "valueInteger": pain.score,
    }
    if session is not None:
        resource["encounter"] = _ref("Encounter", session.pk)
    if pain.region:
        resource["bodySite"] = {"text": pain.region}
    return resource


def consent_resource(consent: Consent) -> dict:
    """Consent → Consent: treatment scope, active until withdrawn."""
    period = {"start": fhir_instant(consent.given_at)}
    if consent.withdrawn_at is not None:
        period["end"] = fhir_instant(consent.withdrawn_at)
    return {
        "resourceType": "Consent",
        "id": str(consent.pk),
        "meta": _meta(consent),
        "status": "active" if consent.withdrawn_at is None else "inactive",
        "scope": {"coding": [_coding(s.CONSENT_SCOPE, "treatment", "Treatment")]},
        "category": [{"coding": [_coding(s.LOINC, s.CONSENT_CATEGORY_LOINC, "Patient Consent")]}],
        "patient": _ref("Patient", consent.patient_id),
        "dateTime": fhir_instant(consent.given_at),
        "policyRule": {"text": f"Informed consent to needling, form {consent.form_version}"},
        "sourceAttachment": {"title": f"Consent form {consent.form_version}"},
        "provision": {"type": "permit", "period": period},
    }


def adverse_event_resource(event: AdverseEvent, session: TreatmentSession) -> dict:
    """AdverseEvent → AdverseEvent (actual): kind coded locally, severity and seriousness mapped."""
    kind = AdverseEventKind(event.kind)
    serious = event.severity == Severity.SERIOUS
    practitioner = session.practitioner
    text = kind.label if not event.notes else f"{kind.label}: {event.notes}"
    return {
        "resourceType": "AdverseEvent",
        "id": str(event.pk),
        "meta": _meta(event),
        "actuality": "actual",
        "event": {"coding": [_coding(s.ADVERSE_EVENT_KIND, kind.value, kind.label)], "text": text},
        "subject": _ref("Patient", session.patient_id),
        "encounter": _ref("Encounter", session.pk),
        "date": fhir_instant(session.started_at),
        "recordedDate": fhir_instant(event.created_at),
        "recorder": _ref("Practitioner", practitioner_id(practitioner), _person_name(practitioner)),
        "seriousness": {
            "coding": [
                _coding(s.ADVERSE_SERIOUSNESS, "serious", "Serious")
                if serious
                else _coding(s.ADVERSE_SERIOUSNESS, "non-serious", "Non-serious")
            ]
        },
        "severity": {
            "coding": [_coding(s.ADVERSE_SEVERITY, SEVERITY[event.severity], SEVERITY[event.severity].capitalize())],
            "text": Severity(event.severity).label,
        },
    }
