"""The FHIR endpoints: reads, searches, errors as OperationOutcome, roles, isolation, audit."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from api.fhir import systems as s
from api.tokens import token_issue
from records import services
from records.choices import AuditAction, Role
from records.models import AuditEvent, Consent, PainScore
from tests.factories import PatientFactory, make_user

from .conftest import FHIR, record_history
from .test_mapping import validated


def outcome(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["severity"] == "error"
    assert body["issue"][0]["code"] == code
    validated(body)
    return body


def views_of(patient) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.VIEW, patient=patient))


def entries(bundle: dict, resource_type: str | None = None) -> list[dict]:
    return [e["resource"] for e in bundle.get("entry", []) if resource_type in (None, e["resource"]["resourceType"])]


# --- metadata -----------------------------------------------------------------------


def test_metadata_lists_exactly_what_is_supported():
    response = APIClient().get(FHIR + "metadata")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    statement = validated(response.json())
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(resources) == {"Patient", "Encounter", "Procedure", "Observation", "Consent", "AdverseEvent",
                              "Practitioner"}
    assert {p["name"] for p in resources["Observation"]["searchParam"]} == {"patient", "code"}
    assert {p["name"] for p in resources["Patient"]["searchParam"]} == {"identifier", "name", "_id", "_count",
                                                                         "_offset"}
    assert resources["Patient"]["operation"][0]["name"] == "everything"
    assert statement["fhirVersion"] == "4.0.1"


# --- reads --------------------------------------------------------------------------


def test_read_patient(api, patient, clinic):
    response = api.get(f"{FHIR}Patient/{patient.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    body = validated(response.json())
    assert body["id"] == str(patient.pk)
    assert body["identifier"][0]["value"] == patient.chart_number
    [event] = views_of(patient)
    assert event.object_type == "fhir_patient" and event.actor_username == "physio"
    assert str(patient.pk) not in event.route and event.route.startswith("GET /fhir/R4/")


def test_read_every_resource_type_by_id(api, patient, history, physio):
    session = history[0]
    targeted = session.targeted_muscles.order_by("order").first()
    pain = PainScore.objects.filter(session=session).first()
    paths = {
        f"Encounter/{session.pk}": "Encounter",
        f"Procedure/{targeted.pk}": "Procedure",
        f"Observation/twitch-{targeted.pk}": "Observation",
        f"Observation/{pain.pk}": "Observation",
        f"Consent/{Consent.objects.get(patient=patient).pk}": "Consent",
        f"AdverseEvent/{session.adverse_events.get().pk}": "AdverseEvent",
        f"Practitioner/{physio.membership.pk}": "Practitioner",
    }
    for path, resource_type in paths.items():
        response = api.get(FHIR + path)
        assert response.status_code == 200, path
        body = validated(response.json())
        assert body["resourceType"] == resource_type
        assert path.endswith(body["id"])
    # One view event per request that returned patient data (the Practitioner read is none).
    assert len(views_of(patient)) == len(paths) - 1


def test_api_reader_may_read(patient, reader):
    client = APIClient()
    client.force_authenticate(reader)
    assert client.get(f"{FHIR}Patient/{patient.pk}").status_code == 200


def test_another_clinics_resources_are_404(patient, history, other_physio, other_patient):
    client = APIClient()
    client.force_authenticate(other_physio)
    session = history[0]
    targeted = session.targeted_muscles.first()
    for path in (
        f"Patient/{patient.pk}",
        f"Patient/{patient.pk}/$everything",
        f"Encounter/{session.pk}",
        f"Procedure/{targeted.pk}",
        f"Observation/twitch-{targeted.pk}",
        f"Consent/{Consent.objects.get(patient=patient).pk}",
        f"AdverseEvent/{session.adverse_events.get().pk}",
    ):
        outcome(client.get(FHIR + path), 404, "not-found")
    # A search naming the other clinic's patient matches nothing and reads nothing.
    response = client.get(f"{FHIR}Encounter", {"patient": str(patient.pk)})
    assert response.status_code == 200 and response.json()["total"] == 0
    assert views_of(patient) == []


def test_unknown_ids_and_types_are_404(api):
    outcome(api.get(f"{FHIR}Patient/not-a-uuid"), 404, "not-found")
    outcome(api.get(f"{FHIR}Observation/twitch-nope"), 404, "not-found")
    outcome(api.get(f"{FHIR}Practitioner/user-999"), 404, "not-found")
    outcome(api.get(f"{FHIR}Medication/123"), 404, "not-found")
    outcome(api.get(f"{FHIR}Medication"), 404, "not-found")
    outcome(api.get(f"{FHIR}Patient/1/2/3"), 404, "not-found")


def test_anonymous_is_401_with_www_authenticate(patient):
    body = outcome(APIClient().get(f"{FHIR}Patient/{patient.pk}"), 401, "login")
    assert "credentials" in body["issue"][0]["diagnostics"]
    assert APIClient().get(f"{FHIR}Patient/{patient.pk}")["WWW-Authenticate"] == "Token"


def test_account_without_clinic_is_403(patient):
    user = get_user_model().objects.create_user("drifter", password="x-y-z-12345")
    client = APIClient()
    client.force_authenticate(user)
    outcome(client.get(f"{FHIR}Patient/{patient.pk}"), 403, "forbidden")


def test_writes_are_405(api, patient):
    outcome(api.post(f"{FHIR}Patient", {"resourceType": "Patient"}, format="json"), 405, "not-supported")
    outcome(api.put(f"{FHIR}Patient/{patient.pk}", {"resourceType": "Patient"}, format="json"), 405, "not-supported")
    outcome(api.delete(f"{FHIR}Patient/{patient.pk}"), 405, "not-supported")


def test_content_negotiation(api, patient):
    plain = api.get(f"{FHIR}Patient/{patient.pk}", HTTP_ACCEPT="application/json")
    assert plain.status_code == 200 and plain["Content-Type"].startswith("application/json")
    fhir = api.get(f"{FHIR}Patient/{patient.pk}", {"_format": "json"}, HTTP_ACCEPT="application/fhir+json")
    assert fhir["Content-Type"].startswith("application/fhir+json")
    outcome(api.get(f"{FHIR}Patient/{patient.pk}", {"_format": "xml"}), 406, "not-supported")
    outcome(api.get(f"{FHIR}Patient/{patient.pk}", HTTP_ACCEPT="application/fhir+xml"), 406, "not-supported")


def test_real_token_authenticates(patient, reader, clinic_admin):
    raw, _ = token_issue(actor=clinic_admin, user=reader)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    response = client.get(f"{FHIR}Patient/{patient.pk}")
    assert response.status_code == 200 and response.json()["id"] == str(patient.pk)
    assert views_of(patient)[0].actor_username == "reader"
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    outcome(client.get(f"{FHIR}Patient/{patient.pk}"), 401, "login")


# --- searches -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "identifier",
    ["{chart}", "{system}|{chart}", "|{chart}"],
)
def test_patient_search_by_identifier(api, patient, clinic, identifier):
    PatientFactory(clinic=clinic, chart_number="OTHER1")
    value = identifier.format(chart=patient.chart_number, system=s.chart_number_system(clinic.slug))
    bundle = api.get(f"{FHIR}Patient", {"identifier": value}).json()
    assert bundle["type"] == "searchset"
    assert [r["id"] for r in entries(bundle)] == [str(patient.pk)]
    assert len(views_of(patient)) == 1


def test_patient_search_by_identifier_of_another_system_matches_nothing(api, patient):
    bundle = api.get(f"{FHIR}Patient", {"identifier": f"urn:other|{patient.chart_number}"}).json()
    assert entries(bundle) == []


def test_patient_search_by_name_stays_in_clinic(api, patient, other_patient, clinic):
    PatientFactory(clinic=clinic, given_name="Morgana", family_name="Smith")
    PatientFactory(clinic=clinic, given_name="Alex", family_name="Other")
    bundle = api.get(f"{FHIR}Patient", {"name": "morg"}).json()
    assert sorted(r["name"][0]["family"] for r in entries(bundle)) == ["Quinlan", "Smith"]
    assert [r["id"] for r in entries(api.get(f"{FHIR}Patient", {"name": "Morgan Quin"}).json())] == [str(patient.pk)]
    assert entries(api.get(f"{FHIR}Patient", {"name": "Sam"}).json()) == []  # other clinic's patient
    # A page of several patients is one audit event naming their ids, not the search term.
    event = AuditEvent.objects.get(object_type="fhir_patient_search", patient__isnull=True)
    assert len(event.patients) == 2 and "morg" not in str(event.patients) and event.after is None


def test_patient_search_pages(api, clinic):
    for index in range(5):
        PatientFactory(clinic=clinic, family_name=f"Page{index}")
    first = api.get(f"{FHIR}Patient", {"name": "Page", "_count": 2}).json()
    assert [r["name"][0]["family"] for r in entries(first)] == ["Page0", "Page1"]
    next_url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = api.get(next_url).json()
    assert [r["name"][0]["family"] for r in entries(second)] == ["Page2", "Page3"]
    outcome(api.get(f"{FHIR}Patient", {"_count": 0}), 400, "invalid")


def test_searches_by_patient(api, patient, history, physio):
    expected = {"Encounter": 2, "Procedure": 6, "Observation": 4 + 6, "Consent": 1, "AdverseEvent": 1,
                "Practitioner": 1}
    for resource_type, count in expected.items():
        for reference in (str(patient.pk), f"Patient/{patient.pk}"):
            response = api.get(FHIR + resource_type, {"patient": reference})
            assert response.status_code == 200, resource_type
            bundle = validated(response.json())
            assert bundle["total"] == count == len(entries(bundle, resource_type)), resource_type
            for resource in entries(bundle):
                validated(resource)
    assert len(views_of(patient)) == 2 * len(expected)


def test_observation_search_by_code(api, patient, history):
    pain_only = [
        api.get(f"{FHIR}Observation", {"patient": patient.pk, "code": code}).json()
        for code in ("http://loinc.org|72514-3", "72514-3")
    ]
    for bundle in pain_only:
        observations = entries(bundle)
        assert len(observations) == 4
        assert all(o["code"]["coding"][0]["code"] == "72514-3" and "valueInteger" in o for o in observations)
    twitch = entries(api.get(f"{FHIR}Observation", {"patient": patient.pk,
                                                     "code": f"{s.OBSERVATION_CODE}|twitch-response"}).json())
    assert len(twitch) == 6 and all(o["partOf"][0]["reference"].startswith("Procedure/") for o in twitch)
    both = api.get(f"{FHIR}Observation", {"patient": patient.pk, "code": "72514-3,twitch-response"}).json()
    assert both["total"] == 10
    assert api.get(f"{FHIR}Observation", {"patient": patient.pk, "code": "http://snomed.info/sct|72514-3"}).json()[
        "total"] == 0


def test_search_errors_are_400(api, patient):
    outcome(api.get(f"{FHIR}Encounter"), 400, "invalid")
    outcome(api.get(f"{FHIR}Encounter", {"patient": "Group/1"}), 400, "invalid")
    outcome(api.get(f"{FHIR}Encounter", {"patient": "nonsense"}), 400, "invalid")
    body = outcome(api.get(f"{FHIR}Encounter", {"patient": patient.pk, "date": "2026"}), 400, "invalid")
    assert "date" in body["issue"][0]["diagnostics"]


def test_search_by_post_keeps_terms_out_of_the_url(api, patient):
    form = api.post(f"{FHIR}Patient/_search", "name=Quinlan", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 200
    assert [r["id"] for r in entries(form.json())] == [str(patient.pk)]
    assert len(views_of(patient)) == 1


def test_posted_search_pages_without_terms_in_links(api, clinic):
    for index in range(3):
        PatientFactory(clinic=clinic, family_name=f"Hidden{index}")
    form = "name=Hidden&_count=2"
    bundle = api.post(f"{FHIR}Patient/_search", form, content_type="application/x-www-form-urlencoded").json()
    assert bundle["total"] == 3 and len(entries(bundle)) == 2
    assert [link["relation"] for link in bundle["link"]] == ["self"]
    assert "Hidden" not in str(bundle["link"])
    rest = api.post(f"{FHIR}Patient/_search", form + "&_offset=2", content_type="application/x-www-form-urlencoded")
    assert [r["name"][0]["family"] for r in entries(rest.json())] == ["Hidden2"]


def test_practitioner_search_lists_who_treated_the_patient(api, patient, history, physio, physio2):
    bundle = api.get(f"{FHIR}Practitioner", {"patient": patient.pk}).json()
    assert [r["id"] for r in entries(bundle)] == [str(physio.membership.pk)]


def test_superuser_practitioner_without_membership_resolves(patient, clinic, now):
    admin = get_user_model().objects.create_superuser("root", password="x-y-z-12345", first_name="Root")
    services.session_record(actor=admin, patient=patient, started_at=now)
    reader = make_user(clinic=clinic, role=Role.API_READER, username="reader2")
    client = APIClient()
    client.force_authenticate(reader)
    bundle = client.get(f"{FHIR}Patient/{patient.pk}/$everything").json()
    practitioner = entries(bundle, "Practitioner")[0]
    assert practitioner["id"] == f"user-{admin.pk}"
    assert client.get(f"{FHIR}Practitioner/user-{admin.pk}").status_code == 200


# auth (membership, clinic), the patient, the record's parts the search shows (the sessions
# with their adverse events; the targeted muscles; the pain scores; the consents), the audit event
SEARCH_QUERIES = {"Encounter": 5, "Procedure": 6, "Observation": 7, "Consent": 5, "AdverseEvent": 5,
                  "Practitioner": 5}


@pytest.mark.parametrize("sessions", [1, 4])
def test_search_query_counts_do_not_grow_with_history(physio, patient, now, sessions, django_assert_num_queries):
    record_history(physio, patient, sessions=sessions, start=now - dt.timedelta(days=60))
    for resource_type, queries in SEARCH_QUERIES.items():
        client = APIClient()
        client.force_authenticate(get_user_model().objects.get(pk=physio.pk))
        with django_assert_num_queries(queries):
            response = client.get(FHIR + resource_type, {"patient": patient.pk})
        assert response.status_code == 200


def test_patient_search_query_count(physio, clinic, django_assert_num_queries):
    for index in range(5):
        PatientFactory(clinic=clinic, family_name=f"Count{index}")
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=physio.pk))
    with django_assert_num_queries(4):  # membership, clinic, the page, the audit event
        bundle = client.get(f"{FHIR}Patient", {"name": "Count"}).json()
    assert len(entries(bundle)) == 5


def test_archived_patient_is_still_readable_as_inactive(api, patient, clinic_admin):
    services.patient_archive(actor=clinic_admin, patient=patient)
    body = validated(api.get(f"{FHIR}Patient/{patient.pk}").json())
    assert body["active"] is False
