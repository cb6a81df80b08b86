"""The FHIR mapping: every resource the facade emits validates with the R4B models,
and carries the codes, references and extensions the design names."""

import pytest
from fhir.resources.R4B import get_fhir_model_class

from api.fhir import mapping
from api.fhir import systems as s
from api.fhir.selectors import patient_record
from records import services
from records.models import Consent
from tests.factories import muscle


def validated(resource: dict) -> dict:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


@pytest.fixture
def record(history, patient):
    return patient_record(patient)


def test_every_emitted_resource_type_validates(record, patient, clinic, physio):
    session = record.sessions[0]
    targeted = session.targeted_muscles[0]
    resources = [
        mapping.patient_resource(patient, clinic_slug=clinic.slug),
        mapping.practitioner_resource(physio),
        mapping.encounter_resource(session),
        mapping.procedure_resource(targeted, session),
        mapping.twitch_observation_resource(targeted, session),
        mapping.pain_observation_resource(record.pain_scores[0], session),
        mapping.consent_resource(record.consents[0]),
        mapping.adverse_event_resource(session.adverse_events[0], session),
    ]
    for resource in resources:
        validated(resource)
    assert {r["resourceType"] for r in resources} == {
        "Patient", "Practitioner", "Encounter", "Procedure", "Observation", "Consent", "AdverseEvent",
    }
    assert all(r["id"] for r in resources)


def test_patient_identifier_name_gender_birth_date(patient, clinic):
    resource = validated(mapping.patient_resource(patient, clinic_slug=clinic.slug))
    assert resource["id"] == str(patient.pk)
    assert resource["identifier"][0]["system"] == f"{s.CANONICAL}/sid/chart-number/{clinic.slug}"
    assert resource["identifier"][0]["value"] == patient.chart_number
    assert resource["name"] == [{"use": "official", "family": "Quinlan", "given": ["Morgan"]}]
    assert resource["gender"] == "female"
    assert resource["birthDate"] == patient.date_of_birth.isoformat()
    assert resource["active"] is True


def test_encounter_status_class_period_participant(record, physio):
    signed, draft = record.sessions
    encounter = validated(mapping.encounter_resource(signed))
    assert encounter["status"] == "finished"
    assert validated(mapping.encounter_resource(draft))["status"] == "in-progress"
    assert encounter["class"] == {"system": s.V3_ACT_CODE, "code": "AMB", "display": "ambulatory"}
    assert encounter["period"]["start"] == mapping.fhir_instant(signed.started_at)
    assert encounter["participant"][0]["individual"]["reference"] == f"Practitioner/{physio.membership.pk}"
    assert encounter["subject"]["reference"] == f"Patient/{signed.patient_id}"


def test_procedure_body_site_laterality_order_outcome(record):
    session = record.sessions[0]
    multifidus, gluteus, piriformis = session.targeted_muscles
    procedure = validated(mapping.procedure_resource(multifidus, session))
    assert procedure["status"] == "completed"
    assert procedure["encounter"]["reference"] == f"Encounter/{session.pk}"
    assert {"url": s.RELEASE_ORDER_EXTENSION, "valueInteger": 1} in procedure["extension"]
    assert {"url": s.SPINAL_SEGMENT_EXTENSION, "valueCode": "L5"} in procedure["extension"]
    site = procedure["bodySite"][0]
    assert site["coding"] == [{"system": s.SNOMED, "code": "5709001"}]
    assert site["text"] == "Lumbar multifidus, left"
    laterality = site["extension"][0]
    assert laterality["url"] == s.LATERALITY_EXTENSION
    assert laterality["valueCodeableConcept"]["coding"][0] == {"system": s.SNOMED, "code": "7771000", "display": "Left"}
    assert procedure["outcome"]["coding"][0] == {"system": s.RELEASE_OUTCOME, "code": "released", "display": "Released"}

    right = validated(mapping.procedure_resource(gluteus, session))["bodySite"][0]
    assert right["coding"][0]["code"] == "78333006"
    assert right["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "24028007"
    both = validated(mapping.procedure_resource(piriformis, session))
    assert both["bodySite"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "51440002"
    assert {"url": s.RELEASE_ORDER_EXTENSION, "valueInteger": 3} in both["extension"]
    assert both["outcome"]["coding"][0]["code"] == "not_released"


def test_muscle_without_snomed_code_has_text_only(physio, patient, yesterday):
    uncoded = muscle("piriformis")
    assert uncoded.snomed_code == ""  # the catalogue leaves it empty rather than guess
    session = services.session_record(
        actor=physio, patient=patient, started_at=yesterday,
        targeted_muscles=[{"muscle": uncoded, "side": "midline", "twitch_response": "none", "outcome": "partial"}],
        needles_used=1, needles_removed=1,
    )
    targeted = session.targeted_muscles.select_related("muscle").get()
    site = validated(mapping.procedure_resource(targeted, session))["bodySite"][0]
    assert site == {"text": "Piriformis, midline"}


def test_twitch_observation_is_part_of_its_procedure(record):
    session = record.sessions[0]
    targeted = session.targeted_muscles[0]
    observation = validated(mapping.twitch_observation_resource(targeted, session))
    assert observation["id"] == f"twitch-{targeted.pk}"
    assert observation["partOf"] == [{"reference": f"Procedure/{targeted.pk}"}]
    assert observation["code"]["coding"][0] == {
        "system": s.OBSERVATION_CODE, "code": "twitch-response", "display": "Twitch response to needling",
    }
    assert observation["valueCodeableConcept"]["coding"][0] == {
        "system": s.TWITCH_RESPONSE, "code": "strong_contraction", "display": "Strong contraction",
    }
    assert observation["component"][0]["valueInteger"] == 3
    assert observation["status"] == "final"
    draft = record.sessions[1]
    assert mapping.twitch_observation_resource(draft.targeted_muscles[0], draft)["status"] == "preliminary"


def test_pain_observation_is_loinc_72514_3_with_value_integer(record):
    session = record.sessions[0]
    before = next(p for p in record.pain_scores if p.session_id == session.pk and p.moment == "pre_session")
    observation = validated(mapping.pain_observation_resource(before, session))
    assert observation["code"]["coding"] == [
        {"system": "http://loinc.org", "code": "72514-3",
         "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}
    ]
    assert observation["valueInteger"] == 7
    assert observation["encounter"] == {"reference": f"Encounter/{session.pk}"}
    assert observation["effectiveDateTime"] == mapping.fhir_instant(before.recorded_at)
    assert observation["extension"][0]["valueCoding"]["code"] == "pre_session"


def test_standalone_pain_has_no_encounter(physio, patient, yesterday):
    pain = services.pain_score_record(actor=physio, patient=patient, moment="follow_up", score=2, recorded_at=yesterday)
    observation = validated(mapping.pain_observation_resource(pain, None))
    assert "encounter" not in observation and observation["valueInteger"] == 2


def test_consent_scope_category_and_status(patient, physio, now):
    consent = Consent.objects.get(patient=patient)
    active = validated(mapping.consent_resource(consent))
    assert active["status"] == "active"
    assert active["scope"]["coding"][0] == {"system": s.CONSENT_SCOPE, "code": "treatment", "display": "Treatment"}
    assert active["category"][0]["coding"][0]["code"] == "59284-0"
    assert active["patient"] == {"reference": f"Patient/{patient.pk}"}
    services.consent_withdraw(actor=physio, patient=patient)
    consent.refresh_from_db()
    withdrawn = validated(mapping.consent_resource(consent))
    assert withdrawn["status"] == "inactive"
    assert withdrawn["provision"]["period"]["end"] == mapping.fhir_instant(consent.withdrawn_at)


def test_adverse_event_mapping(record):
    session = record.sessions[0]
    event = session.adverse_events[0]
    resource = validated(mapping.adverse_event_resource(event, session))
    assert resource["actuality"] == "actual"
    assert resource["event"]["coding"][0] == {"system": s.ADVERSE_EVENT_KIND, "code": "bruising", "display": "Bruising"}
    assert resource["seriousness"]["coding"][0]["code"] == "non-serious"
    assert resource["severity"]["coding"][0]["code"] == "mild"
    assert resource["encounter"] == {"reference": f"Encounter/{session.pk}"}
    event.severity = "serious"
    serious = validated(mapping.adverse_event_resource(event, session))
    assert serious["seriousness"]["coding"][0]["code"] == "serious"
    assert serious["severity"]["coding"][0]["code"] == "severe"


def test_practitioner_is_named_by_membership_id(physio):
    resource = validated(mapping.practitioner_resource(physio))
    assert resource["id"] == str(physio.membership.pk)
    assert resource["name"] == [{"text": "Pat Lee", "family": "Lee", "given": ["Pat"]}]
