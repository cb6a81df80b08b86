"""``Patient/{id}/$everything``: a valid Bundle whose references resolve, in a fixed number of queries."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from fhir.resources.R4B import get_fhir_model_class
from rest_framework.test import APIClient

from api.fhir import mapping
from records.choices import AuditAction
from records.models import AuditEvent, Clinic, Patient

from .conftest import FHIR, record_history, resolve_references
from .test_mapping import validated


def everything(client, patient) -> dict:
    response = client.get(f"{FHIR}Patient/{patient.pk}/$everything")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    assert response["Cache-Control"] == "no-store"
    return response.json()


def assert_valid_bundle(bundle: dict) -> None:
    get_fhir_model_class("Bundle").model_validate(bundle)
    for entry in bundle["entry"]:
        validated(entry["resource"])
        assert entry["fullUrl"].endswith(f"/{entry['resource']['resourceType']}/{entry['resource']['id']}")
    assert resolve_references(bundle) == []
    full_urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(full_urls) == len(set(full_urls))


def test_everything_holds_the_whole_record(api, patient, history, physio):
    bundle = everything(api, patient)
    assert bundle["type"] == "searchset"
    assert_valid_bundle(bundle)
    counts: dict[str, int] = {}
    for entry in bundle["entry"]:
        counts[entry["resource"]["resourceType"]] = counts.get(entry["resource"]["resourceType"], 0) + 1
    # 2 sessions × 3 muscles: a Procedure and a twitch Observation each; 2 pain scores per session.
    assert counts == {"Patient": 1, "Practitioner": 1, "Consent": 1, "Encounter": 2, "Procedure": 6,
                      "Observation": 6 + 4, "AdverseEvent": 1}
    assert bundle["entry"][0]["resource"]["id"] == str(patient.pk)
    assert bundle["entry"][0]["search"]["mode"] == "match"
    pains = [e["resource"] for e in bundle["entry"]
             if e["resource"]["resourceType"] == "Observation" and "valueInteger" in e["resource"]]
    assert sorted(p["valueInteger"] for p in pains) == [3, 3, 7, 7]
    assert all(p["code"]["coding"][0] == {"system": "http://loinc.org", "code": "72514-3",
                                          "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}
               for p in pains)
    statuses = sorted(e["resource"]["status"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Encounter")
    assert statuses == ["finished", "in-progress"]
    # One audit event for the request, however many rows it returned.
    [event] = AuditEvent.objects.filter(action=AuditAction.VIEW, patient=patient)
    assert event.object_type == "fhir_everything" and event.object_id == str(patient.pk)


def fresh_client(user) -> APIClient:
    """A client authenticated as a freshly loaded user, so no relation is cached from setup."""
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=user.pk))
    return client


# auth: membership, clinic; patient; sessions (+practitioner, adverse events), targeted
# muscles; pain scores; consents; the audit event; outcome responses and objective measures.
EVERYTHING_QUERIES = 10


@pytest.mark.parametrize("sessions", [1, 6])
def test_everything_query_count_does_not_grow_with_history(
    physio, patient, now, sessions, django_assert_num_queries
):
    record_history(physio, patient, sessions=sessions, start=now - dt.timedelta(days=60))
    client = fresh_client(physio)
    with django_assert_num_queries(EVERYTHING_QUERIES):
        bundle = everything(client, patient)
    assert sum(e["resource"]["resourceType"] == "Procedure" for e in bundle["entry"]) == 3 * sessions


def test_views_validate_what_they_send_when_asked(api, patient, history, settings, monkeypatch):
    settings.FHIR_VALIDATE_RESPONSES = True
    assert everything(api, patient)["entry"]
    broken = mapping.consent_resource
    monkeypatch.setattr(mapping, "consent_resource", lambda consent: {**broken(consent), "status": 7})
    with pytest.raises(ValueError, match="status"):  # pydantic's ValidationError is a ValueError
        api.get(f"{FHIR}Patient/{patient.pk}/$everything")


def test_everything_of_a_patient_without_sessions(api, patient_without_consent):
    bundle = everything(api, patient_without_consent)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"]
    assert_valid_bundle(bundle)


def test_every_demo_patients_everything_validates_and_resolves(db):
    call_command("seed_demo", verbosity=0)
    for slug, username in (("demo", "demo_reader"), ("second", "second_admin")):
        clinic = Clinic.objects.get(slug=slug)
        client = fresh_client(get_user_model().objects.get(username=username, membership__clinic=clinic))
        patients = list(Patient.objects.filter(clinic=clinic))
        assert patients
        types = set()
        for patient in patients:
            bundle = everything(client, patient)
            assert_valid_bundle(bundle)
            types |= {e["resource"]["resourceType"] for e in bundle["entry"]}
            pains = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
                     and e["resource"]["code"]["coding"][0]["system"] == "http://loinc.org"]
            assert all(p["code"]["coding"][0]["code"] == "72514-3" and 0 <= p["valueInteger"] <= 10 for p in pains)
        if slug == "demo":
            assert types == {"Patient", "Practitioner", "Consent", "Encounter", "Procedure", "Observation",
                             "AdverseEvent", "Questionnaire", "QuestionnaireResponse"}
