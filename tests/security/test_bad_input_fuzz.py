"""Never a 500 on input: crafted cursors and NUL characters over the lists and FHIR searches
are a 400 in the API's error shape, and an OperationOutcome 400 in FHIR."""

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.api.conftest import World

LISTS = ["/api/v1/patients/", "/api/v1/sessions/", "/api/v1/assessments/", "/api/v1/pain-scores/",
         "/api/v1/audit-events/", "/api/v1/muscles/"]
FHIR_SEARCHES = ["Patient", "Encounter", "Procedure", "Observation", "Consent", "AdverseEvent"]
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def api(world, clinic_admin):
    client = APIClient()
    client.force_authenticate(clinic_admin)
    return client


@pytest.fixture
def world(physio, patient, patient_without_consent):
    return World(physio, patient, patient_without_consent)


def _cursor(position: str) -> str:
    return base64.b64encode(f"p={position}".encode()).decode()


def assert_api_400(response, field):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["status"] == 400 and error["code"] == "invalid" and field in error["fields"]


# The four lists the report found answering 500 (ordered by a time; a name ordering takes any text).
@pytest.mark.parametrize("url", LISTS[1:5])
def test_the_reported_cursor_is_a_400_naming_it(api, url):
    assert_api_400(api.get(url, {"cursor": "cD1nYXJiYWdl"}), "cursor")  # "p=garbage"


@pytest.mark.parametrize("url", LISTS)
@FUZZ
@given(position=st.text(max_size=40), raw=st.text(max_size=40))
def test_crafted_cursors_never_500(api, url, position, raw):
    for cursor in (_cursor(position), raw):
        response = api.get(url, {"cursor": cursor})
        assert response.status_code in (200, 400), (cursor, response.status_code)
        if response.status_code == 400:
            assert "cursor" in response.json()["error"]["fields"]


@pytest.mark.parametrize("url", LISTS)
@FUZZ
@given(text=st.text(min_size=0, max_size=20))
def test_nul_in_parameters_is_a_400(api, url, text):
    response = api.get(url, {"search": f"{text}\x00", "patient": f"\x00{text}"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_nul_in_a_body_is_a_400_and_nothing_is_saved(api, physio, patient):
    client = APIClient()
    client.force_authenticate(physio)
    response = client.post("/api/v1/pain-scores/", {"patient": str(patient.pk), "moment": "baseline", "score": 3,
                                                    "region": "low\x00back"}, format="json")
    assert_api_400(response, "region")


@pytest.mark.parametrize("resource", FHIR_SEARCHES)
@FUZZ
@given(text=st.text(max_size=20))
def test_fhir_searches_with_nul_are_an_operation_outcome_400(api, world, resource, text):
    response = api.get(f"/fhir/R4/{resource}", {"patient": f"{world.patient.pk}\x00{text}", "name": f"a\x00{text}"})
    assert response.status_code == 400
    body = response.json()
    assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["code"] == "invalid"


def test_fhir_500_is_an_operation_outcome(api, world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("api.fhir.views.selectors.patient_record", broken)
    response = api.get(f"/fhir/R4/Patient/{world.patient.pk}/$everything")
    assert response.status_code == 500
    body = response.json()
    assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["severity"] == "fatal"
    assert "boom" not in response.content.decode()
