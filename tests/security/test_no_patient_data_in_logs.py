"""No patient data in logs: a whole working scenario (create a patient, record and sign a
session, read the chart through the pages, the API, FHIR and the exports) runs with every
logger at DEBUG, and the captured logs never contain the patient's name or chart number."""

import logging

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from api.tokens import token_issue
from tests.factories import muscle

GIVEN, FAMILY, CHART = "Zephyrine", "Quillfeather", "CHX-90817"


def token_client(user) -> APIClient:
    raw, _token = token_issue(actor=user, user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def every_log(caplog):
    """caplog at DEBUG on the root and on the loggers that do not propagate to it."""
    caplog.set_level(logging.DEBUG)
    quiet = [
        logger for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in quiet:
        logger.addHandler(caplog.handler)
    levels = {logger: logger.level for logger in quiet}
    for logger in quiet:
        logger.setLevel(logging.DEBUG)
    yield caplog
    for logger, level in levels.items():
        logger.removeHandler(caplog.handler)
        logger.setLevel(level)


def test_a_full_scenario_logs_no_patient_identifiers(every_log, capsys, physio, clinic_admin, tmp_path):
    cache.clear()
    api = token_client(physio)
    admin_api = token_client(clinic_admin)
    response = api.post(
        "/api/v1/patients/",
        {"given_name": GIVEN, "family_name": FAMILY, "chart_number": CHART, "date_of_birth": "1971-03-04",
         "sex": "female", "phone": "+44 20 7946 0000", "email": "zq@example.org"},
        format="json",
    )
    assert response.status_code == 201, response.content
    patient_id = response.json()["id"]
    # Bad input carrying the name must not leak it either.
    assert api.post("/api/v1/patients/", {"given_name": GIVEN, "family_name": FAMILY, "date_of_birth": "no"},
                    format="json").status_code == 400
    assert api.post(f"/api/v1/patients/{patient_id}/consent/",
                    {"form_version": "IMS-2026-01"}, format="json").status_code in (200, 201)
    session = api.post("/api/v1/sessions/", {
        "patient": patient_id,
        "targeted_muscles": [{"muscle": str(muscle("gluteus-medius").pk), "side": "left",
                              "twitch_response": "local_twitch", "outcome": "released",
                              "notes": f"{GIVEN} tolerated well"}],
        "pain_scores": [{"moment": "pre_session", "score": 6}],
        "needles_used": 1, "needles_removed": 1, "notes": f"{FAMILY} reports less pain",
    }, format="json")
    assert session.status_code == 201, session.content
    session_id = session.json()["id"]
    assert api.post(f"/api/v1/sessions/{session_id}/sign/", HTTP_IF_MATCH='"1"').status_code == 200
    patch = api.patch(f"/api/v1/sessions/{session_id}/", {"notes": FAMILY}, format="json", HTTP_IF_MATCH='"2"')
    assert patch.status_code == 409
    for url in (
        f"/api/v1/patients/{patient_id}/",
        f"/api/v1/patients/?search={FAMILY}",
        f"/api/v1/patients/{patient_id}/timeline/",
        f"/api/v1/patients/{patient_id}/release-order/",
        f"/api/v1/sessions/{session_id}/verify/",
        f"/fhir/R4/Patient/{patient_id}/$everything",
        f"/fhir/R4/Patient?identifier={CHART}",
    ):
        assert api.get(url).status_code == 200, url
    assert admin_api.get(f"/api/v1/audit-events/?patient={patient_id}").status_code == 200
    assert admin_api.get("/api/v1/exports/targeted-muscles.csv").status_code == 200

    browser = Client()
    browser.force_login(physio)
    for url in (f"/patients/?q={FAMILY}", f"/patients/{patient_id}/", f"/sessions/{session_id}/"):
        assert browser.get(url).status_code == 200, url
    assert browser.get(f"/patients/{patient_id}/nothing-here/{FAMILY}/").status_code == 404
    Client().post("/accounts/login/", {"username": "physio", "password": FAMILY})  # a failed login

    call_command("export_clinic", physio.membership.clinic.slug, "--out", str(tmp_path / "backup.json"))

    captured = every_log.text + "".join(capsys.readouterr())
    assert every_log.records, "the capture saw nothing: the test would prove nothing"
    for secret in (GIVEN, FAMILY, CHART, "zq@example.org", "7946"):
        assert secret not in captured, f"{secret!r} leaked into the logs"
