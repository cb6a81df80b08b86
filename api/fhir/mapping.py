"""The clinical record as FHIR R4 resources (DESIGN.md §6), as plain dicts.

Every function maps rows already in hand: the selectors in :mod:`api.fhir.selectors`
load them with their relations, so building a Bundle issues no query per resource. The
rows are the selectors' lightweight rows (the patient and staff accounts are model
instances with the same attribute names); a ``$everything`` Bundle holds hundreds of resources, so the parts that never
vary (codings, categories, value sets) are built once at import and shared between the
resources that carry them: a resource is read-only once built.

Ids are the rows' UUIDs, so they are stable across requests and exports. Two resources
have no row of their own and derive theirs: the twitch-response Observation of a
targeted muscle is ``twitch-<targeted muscle id>`` and a Practitioner is the staff
member's clinic membership id (``user-<pk>`` for a superuser without one).
"""

import datetime as dt
import uuid
from typing import NamedTuple

from records.choices import AdverseEventKind, Outcome, PainMoment, RecordStatus, Severity, TwitchResponse
from records.models import AdverseEvent, Consent, PainScore, Patient, TargetedMuscle, TreatmentSession
from records.selectors import display_name_of

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
    "session_resources",
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


def _concept(system: str, code: str, display: str) -> dict:
    """A CodeableConcept of one coding whose text is the coding's display."""
    return {"coding": [_coding(system, code, display)], "text": display}


# --- the parts that never vary: built once, shared by every resource carrying them -------

_IMS_NEEDLING = [_coding(s.PROCEDURE_CODE, "ims-needling", "Intramuscular stimulation / dry needling")]
_AMBULATORY = _coding(s.V3_ACT_CODE, "AMB", "ambulatory")
_PRIMARY_PERFORMER = [{"coding": [_coding(s.PARTICIPATION_TYPE, "PPRF", "primary performer")]}]
_EXAM = [{"coding": [_coding(s.OBSERVATION_CATEGORY, "exam", "Exam")]}]
_SURVEY = [{"coding": [_coding(s.OBSERVATION_CATEGORY, "survey", "Survey")]}]
_TWITCH_RESPONSE_CODE = _concept(s.OBSERVATION_CODE, s.TWITCH_RESPONSE_CODE, "Twitch response to needling")
_TWITCH_COUNT_CODE = {"coding": [_coding(s.OBSERVATION_CODE, s.TWITCH_COUNT_CODE, "Number of twitches")]}
_PAIN_CODE = {"coding": [_coding(s.LOINC, s.PAIN_LOINC, s.PAIN_LOINC_DISPLAY)], "text": "Pain (NPRS 0-10)"}
_CONSENT_SCOPE = {"coding": [_coding(s.CONSENT_SCOPE, "treatment", "Treatment")]}
_CONSENT_CATEGORY = [{"coding": [_coding(s.LOINC, s.CONSENT_CATEGORY_LOINC, "Patient Consent")]}]

_OUTCOMES = {outcome.value: _concept(s.RELEASE_OUTCOME, outcome.value, outcome.label) for outcome in Outcome}
_TWITCH_RESPONSES = {
    response.value: _concept(s.TWITCH_RESPONSE, response.value, response.label) for response in TwitchResponse
}
_PAIN_MOMENTS = {
    moment.value: [{"url": s.PAIN_MOMENT_EXTENSION, "valueCoding": _coding(s.PAIN_MOMENT, moment.value, moment.label)}]
    for moment in PainMoment
}
_LATERALITIES = {
    side: [
        {
            "url": s.LATERALITY_EXTENSION,
            "valueCodeableConcept": {"coding": [_coding(s.SNOMED, *laterality)], "text": side},
        }
    ]
    for side, laterality in s.LATERALITY.items()
}
_ADVERSE_EVENT_KINDS = {kind.value: _coding(s.ADVERSE_EVENT_KIND, kind.value, kind.label) for kind in AdverseEventKind}
_SERIOUSNESS = {
    severity.value: {
        "coding": [
            _coding(s.ADVERSE_SERIOUSNESS, "serious", "Serious")
            if severity == Severity.SERIOUS
            else _coding(s.ADVERSE_SERIOUSNESS, "non-serious", "Non-serious")
        ]
    }
    for severity in Severity
}
_SEVERITIES = {
    severity.value: {
        "coding": [_coding(s.ADVERSE_SEVERITY, SEVERITY[severity], SEVERITY[severity].capitalize())],
        "text": severity.label,
    }
    for severity in Severity
}


def _person_name(user) -> str:
    # The staff naming rule, also for the selectors' practitioner rows (no get_full_name).
    return display_name_of(user.first_name, user.last_name, user.username)


def practitioner_id(user) -> str:
    """The Practitioner id of a staff account: its membership UUID (stable, not a counter)."""
    # A user without membership raises RelatedObjectDoesNotExist, an AttributeError too.
    membership = getattr(user, "membership", None)
    return f"{USER_PREFIX}{user.pk}" if membership is None else str(membership.pk)


def twitch_observation_id(targeted_id: uuid.UUID | str) -> str:
    return f"{TWITCH_PREFIX}{targeted_id}"


def _status_observation(session: TreatmentSession | None) -> str:
    # A draft note can still change; once signed it is final.
    if session is not None and session.status == RecordStatus.DRAFT:
        return "preliminary"
    return "final"


class _SessionContext(NamedTuple):
    """What every resource of one session repeats, worked out once per session."""

    subject: dict
    encounter: dict
    performer: dict
    started: str
    observation_status: str


def _session_context(session: TreatmentSession) -> _SessionContext:
    practitioner = session.practitioner
    return _SessionContext(
        subject=_ref("Patient", session.patient_id),
        encounter=_ref("Encounter", session.pk),
        performer=_ref("Practitioner", practitioner_id(practitioner), _person_name(practitioner)),
        started=fhir_instant(session.started_at),
        observation_status=_status_observation(session),
    )


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


def session_resources(session: TreatmentSession, targeted_muscles, adverse_events) -> list[dict]:
    """A session's Encounter, a Procedure and a twitch Observation per targeted muscle (in
    the order given), then its AdverseEvents: what ``$everything`` carries of one session."""
    context = _session_context(session)
    resources = [_encounter(session, context)]
    for targeted in targeted_muscles:
        # The Procedure and its twitch Observation share the row's meta and body site.
        meta, site = _meta(targeted), _body_site(targeted)
        resources.append(_procedure(targeted, context, meta, site))
        resources.append(_twitch_observation(targeted, context, meta, site))
    resources += [_adverse_event(event, context) for event in adverse_events]
    return resources


def encounter_resource(session: TreatmentSession) -> dict:
    """TreatmentSession → Encounter: ambulatory, finished once signed, in progress while a draft."""
    return _encounter(session, _session_context(session))


def _encounter(session: TreatmentSession, context: _SessionContext) -> dict:
    return {
        "resourceType": "Encounter",
        "id": str(session.pk),
        "meta": _meta(session),
        "extension": [{"url": s.SESSION_NUMBER_EXTENSION, "valuePositiveInt": session.number}],
        "status": "finished" if session.status == RecordStatus.SIGNED else "in-progress",
        "class": _AMBULATORY,
        "type": [{"coding": _IMS_NEEDLING, "text": f"IMS session {session.number}"}],
        "subject": context.subject,
        "participant": [{"type": _PRIMARY_PERFORMER, "individual": context.performer}],
        "period": {"start": context.started},
    }


def _body_site(targeted: TargetedMuscle) -> dict:
    muscle = targeted.muscle
    site: dict = {"text": f"{muscle.name}, {targeted.side}"}
    laterality = _LATERALITIES.get(targeted.side)
    if laterality is not None:
        site["extension"] = laterality
    if muscle.snomed_code:
        # No display: the SNOMED CT term is "Structure of … muscle"; our name goes in text.
        site["coding"] = [{"system": s.SNOMED, "code": muscle.snomed_code}]
    return site


def procedure_resource(targeted: TargetedMuscle, session: TreatmentSession) -> dict:
    """TargetedMuscle → Procedure: one needled muscle, in release order, with its outcome."""
    return _procedure(targeted, _session_context(session), _meta(targeted), _body_site(targeted))


def _procedure(targeted: TargetedMuscle, context: _SessionContext, meta: dict, site: dict) -> dict:
    extension = [{"url": s.RELEASE_ORDER_EXTENSION, "valueInteger": targeted.order}]
    if targeted.segment:
        extension.append({"url": s.SPINAL_SEGMENT_EXTENSION, "valueCode": targeted.segment})
    resource = {
        "resourceType": "Procedure",
        "id": str(targeted.pk),
        "meta": meta,
        "extension": extension,
        "status": "completed",
        "code": {"coding": _IMS_NEEDLING, "text": f"IMS needling of {targeted.muscle.name}"},
        "subject": context.subject,
        "encounter": context.encounter,
        "performedDateTime": context.started,
        "performer": [{"actor": context.performer}],
        "bodySite": [site],
        "outcome": _OUTCOMES[targeted.outcome],
    }
    if targeted.notes:
        resource["note"] = [{"text": targeted.notes}]
    return resource


def twitch_observation_resource(targeted: TargetedMuscle, session: TreatmentSession) -> dict:
    """The twitch response of a targeted muscle → Observation ``partOf`` its Procedure."""
    return _twitch_observation(targeted, _session_context(session), _meta(targeted), _body_site(targeted))


def _twitch_observation(targeted: TargetedMuscle, context: _SessionContext, meta: dict, site: dict) -> dict:
    resource = {
        "resourceType": "Observation",
        "id": twitch_observation_id(targeted.pk),
        "meta": meta,
        "status": context.observation_status,
        "category": _EXAM,
        "code": _TWITCH_RESPONSE_CODE,
        "subject": context.subject,
        "encounter": context.encounter,
        "partOf": [{"reference": f"Procedure/{targeted.pk}"}],
        "effectiveDateTime": context.started,
        "performer": [context.performer],
        "valueCodeableConcept": _TWITCH_RESPONSES[targeted.twitch_response],
        "bodySite": site,
    }
    if targeted.twitch_count is not None:
        resource["component"] = [{"code": _TWITCH_COUNT_CODE, "valueInteger": targeted.twitch_count}]
    return resource


def pain_observation_resource(pain: PainScore, session: TreatmentSession | None) -> dict:
    """PainScore → Observation: LOINC 72514-3 (NPRS 0–10) with ``valueInteger``."""
    resource = {
        "resourceType": "Observation",
        "id": str(pain.pk),
        "meta": _meta(pain),
        "extension": _PAIN_MOMENTS[pain.moment],
        "status": _status_observation(session),
        "category": _SURVEY,
        "code": _PAIN_CODE,
        "subject": {"reference": f"Patient/{pain.patient_id}"},
        "effectiveDateTime": fhir_instant(pain.recorded_at),
        "valueInteger": pain.score,
    }
    if session is not None:
        resource["encounter"] = {"reference": f"Encounter/{session.pk}"}
    if pain.region:
        resource["bodySite"] = {"text": pain.region}
    return resource


def consent_resource(consent: Consent) -> dict:
    """Consent → Consent: treatment scope, active until withdrawn."""
    given = fhir_instant(consent.given_at)
    period = {"start": given}
    if consent.withdrawn_at is not None:
        period["end"] = fhir_instant(consent.withdrawn_at)
    return {
        "resourceType": "Consent",
        "id": str(consent.pk),
        "meta": _meta(consent),
        "status": "active" if consent.withdrawn_at is None else "inactive",
        "scope": _CONSENT_SCOPE,
        "category": _CONSENT_CATEGORY,
        "patient": {"reference": f"Patient/{consent.patient_id}"},
        "dateTime": given,
        "policyRule": {"text": f"Informed consent to needling, form {consent.form_version}"},
        "sourceAttachment": {"title": f"Consent form {consent.form_version}"},
        "provision": {"type": "permit", "period": period},
    }


def adverse_event_resource(event: AdverseEvent, session: TreatmentSession) -> dict:
    """AdverseEvent → AdverseEvent (actual): kind coded locally, severity and seriousness mapped."""
    return _adverse_event(event, _session_context(session))


def _adverse_event(event: AdverseEvent, context: _SessionContext) -> dict:
    kind = _ADVERSE_EVENT_KINDS[event.kind]
    label = kind["display"]
    return {
        "resourceType": "AdverseEvent",
        "id": str(event.pk),
        "meta": _meta(event),
        "actuality": "actual",
        "event": {"coding": [kind], "text": f"{label}: {event.notes}" if event.notes else label},
        "subject": context.subject,
        "encounter": context.encounter,
        "date": context.started,
        "recordedDate": fhir_instant(event.created_at),
        "recorder": context.performer,
        "seriousness": _SERIOUSNESS[event.severity],
        "severity": _SEVERITIES[event.severity],
    }
