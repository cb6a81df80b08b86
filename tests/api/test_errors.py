"""One error shape for every 4xx; never a 500 for bad input; no-store; rate limits."""

import pytest
from rest_framework.throttling import SimpleRateThrottle

from records.models import AuditEvent, Patient, TreatmentSession

from .conftest import session_payload


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == status and error["message"]
    if code:
        assert error["code"] == code, error
    assert "Traceback" not in response.content.decode()
    return error


def test_malformed_json_is_400_and_saves_nothing(physio_client):
    before = Patient.objects.count()
    response = physio_client.post("/api/v1/patients/", '{"given_name": "Ada", ', content_type="application/json")
    assert_error(response, 400, "parse_error")
    assert Patient.objects.count() == before


@pytest.mark.parametrize("body", ["[]", "null", "42", '"text"', '{"a": NaN}', "[" * 5000 + "]" * 5000])
def test_json_that_is_not_an_object_is_400(physio_client, patient, body):
    before = TreatmentSession.objects.count()
    response = physio_client.post("/api/v1/sessions/", body, content_type="application/json")
    assert_error(response, 400)
    assert TreatmentSession.objects.count() == before


def test_ten_megabyte_body_is_413_and_saves_nothing(physio_client, patient):
    payload = session_payload(patient, notes="x" * (10 * 1024 * 1024))
    before = TreatmentSession.objects.count()
    import json

    response = physio_client.post("/api/v1/sessions/", json.dumps(payload), content_type="application/json")
    assert_error(response, 413, "request_too_large")
    assert TreatmentSession.objects.count() == before


def test_too_many_nested_items_is_400(physio_client, patient):
    payload = session_payload(patient)
    payload["targeted_muscles"] = payload["targeted_muscles"] * 70
    response = physio_client.post("/api/v1/sessions/", payload, format="json")
    assert "targeted_muscles" in assert_error(response, 400)["fields"]


def test_form_encoded_body_is_415(physio_client):
    response = physio_client.post(
        "/api/v1/patients/", "given_name=Ada", content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 415, "unsupported_media_type")


def test_unknown_api_url_is_json_404(physio_client):
    response = physio_client.get("/api/v1/no-such-thing/")
    assert_error(response, 404, "not_found")
    assert response["Cache-Control"] == "no-store"


def test_unknown_record_and_bad_uuid_are_404(physio_client):
    assert_error(physio_client.get("/api/v1/sessions/00000000-0000-0000-0000-000000000000/"), 404, "not_found")
    assert_error(physio_client.get("/api/v1/sessions/not-a-uuid/"), 404, "not_found")


def test_method_not_allowed_has_the_shape(physio_client):
    assert_error(physio_client.delete("/api/v1/muscles/"), 405, "method_not_allowed")


def test_errors_and_successes_are_not_cached(api_client, physio_client):
    assert api_client.get("/api/v1/patients/")["Cache-Control"] == "no-store"
    assert physio_client.get("/api/v1/patients/")["Cache-Control"] == "no-store"


def test_bad_input_error_lists_every_field(physio_client, patient):
    payload = session_payload(patient, needles_used=-3)
    payload["targeted_muscles"][0]["side"] = "up"
    payload["pain_scores"][1]["score"] = 12
    error = assert_error(physio_client.post("/api/v1/sessions/", payload, format="json"), 400, "invalid")
    assert set(error["fields"]) == {"needles_used", "targeted_muscles[0].side", "pain_scores[1].score"}
    assert error["message"].split(":")[0] in error["fields"]


def test_user_rate_limit_is_429_with_retry_after(physio_client, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "3/minute"})
    for _ in range(3):
        assert physio_client.get("/api/v1/muscles/").status_code == 200
    response = physio_client.get("/api/v1/muscles/")
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_rate_limit_is_per_user(physio_client, reader_client, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "2/minute", "anon": "2/minute"})
    for _ in range(2):
        physio_client.get("/api/v1/muscles/")
    assert physio_client.get("/api/v1/muscles/").status_code == 429
    assert reader_client.get("/api/v1/muscles/").status_code == 200


def test_refused_write_leaves_no_audit_row(reader_client, patient):
    before = AuditEvent.objects.exclude(action="token_issue").count()
    assert_error(reader_client.post("/api/v1/sessions/", session_payload(patient), format="json"), 403)
    assert AuditEvent.objects.exclude(action="token_issue").count() == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/patients/", {"given_name": 42, "family_name": "B", "date_of_birth": "1990-01-01"}, "given_name"),
        ("/api/v1/sessions/", {"notes": 5}, "notes"),
        ("/api/v1/sessions/", {"needles_used": "3"}, "needles_used"),
        ("/api/v1/sessions/", {"needles_used": True}, "needles_used"),
        ("/api/v1/sessions/", {"needles_used": 2.0}, "needles_used"),
        ("/api/v1/pain-scores/", {"moment": "follow_up", "score": "5"}, "score"),
        ("/api/v1/assessments/", {"chief_complaint": "x", "findings": [{"muscle": "piriformis", "side": "left",
                                                                           "taut_band": "yes"}]},
         "findings[0].taut_band"),
    ],
)
def test_json_types_are_not_coerced(physio_client, patient, path, body, field):
    """42 is not a name and "5" is not a score: the wrong JSON type is a 400, not a guess."""
    before = (Patient.objects.count(), TreatmentSession.objects.count())
    if path != "/api/v1/patients/":
        body = {"patient": str(patient.pk), **body}
    response = physio_client.post(path, body, format="json")
    error = assert_error(response, 400, "invalid")
    assert field in error["fields"], error
    assert (Patient.objects.count(), TreatmentSession.objects.count()) == before


def test_a_crash_answers_json_without_a_stack_trace(physio_client, patient, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("records.selectors.patient_timeline", boom)
    physio_client.raise_request_exception = False
    response = physio_client.get(f"/api/v1/patients/{patient.pk}/timeline/")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "secret internals" not in response.content.decode() and "Traceback" not in response.content.decode()
    assert response["Cache-Control"] == "no-store"
