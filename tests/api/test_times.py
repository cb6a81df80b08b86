"""Date-times without a UTC offset are refused (DESIGN §10 "Times"), in every writable field."""

import importlib
import inspect
import pkgutil

import pytest
from rest_framework import serializers

import api
from api.serializers.base import OffsetDateTimeField
from records.models import Assessment, Consent, PainScore, TreatmentSession

from .conftest import session_payload


def _serializer_classes():
    for info in pkgutil.walk_packages(api.__path__, "api."):
        if ".migrations" in info.name or info.name.endswith("tests"):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, serializers.Serializer) and cls.__module__ == module.__name__:
                yield cls


def test_every_writable_datetime_field_of_the_api_demands_an_offset():
    """New endpoints get the rule too: any writable DateTimeField must be an OffsetDateTimeField."""
    offenders = []
    classes = list(_serializer_classes())
    assert len(classes) > 20
    for cls in classes:
        for name, field in getattr(cls, "_declared_fields", {}).items():
            writable = isinstance(field, serializers.DateTimeField) and not field.read_only
            if writable and not isinstance(field, OffsetDateTimeField) and not _read_shape_only(cls):
                offenders.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert offenders == []


# Serializers that only describe a response for the schema (never given client data).
RESPONSE_ONLY = {
    "api.serializers.records.VerifySerializer",
    "api.serializers.views.ReleaseSessionSerializer",
    "api.serializers.views.TimelineEntrySerializer",
    "api.views.auth.TokenResponseSerializer",
}


def _read_shape_only(cls) -> bool:
    return f"{cls.__module__}.{cls.__name__}" in RESPONSE_ONLY


@pytest.mark.parametrize("value", ["2026-01-01T09:30:00", "2026-01-01T09:30", "2026-01-01 09:30:00"])
def test_session_started_at_without_offset_is_400(physio_client, patient, value):
    response = physio_client.post("/api/v1/sessions/", session_payload(patient, started_at=value), format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert "started_at" in error["fields"] and "UTC offset" in error["fields"]["started_at"][0]
    assert not TreatmentSession.objects.exists()


@pytest.mark.parametrize("value", ["2026-01-01T09:30:00Z", "2026-01-01T09:30:00+01:00", "2026-01-01T09:30:00-07:00"])
def test_offsets_are_accepted_and_kept_as_the_same_instant(physio_client, patient, value):
    import datetime as dt

    response = physio_client.post("/api/v1/sessions/", session_payload(patient, started_at=value), format="json")
    assert response.status_code == 201, response.json()
    stored = TreatmentSession.objects.get().started_at
    assert stored == dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_nested_pain_score_time_without_offset_names_the_nested_field(physio_client, patient):
    payload = session_payload(
        patient, pain_scores=[{"moment": "pre_session", "score": 5, "recorded_at": "2026-01-01T09:00:00"}]
    )
    response = physio_client.post("/api/v1/sessions/", payload, format="json")
    assert response.status_code == 400
    assert "pain_scores[0].recorded_at" in response.json()["error"]["fields"]
    assert not PainScore.objects.exists()


def test_assessment_pain_score_and_consent_times_need_offsets(physio_client, patient):
    naive = "2026-01-01T09:00:00"
    response = physio_client.post(
        "/api/v1/assessments/", {"patient": str(patient.pk), "chief_complaint": "x", "assessed_at": naive},
        format="json",
    )
    assert response.status_code == 400 and "assessed_at" in response.json()["error"]["fields"]
    response = physio_client.post(
        "/api/v1/pain-scores/",
        {"patient": str(patient.pk), "moment": "follow_up", "score": 2, "recorded_at": naive},
        format="json",
    )
    assert response.status_code == 400 and "recorded_at" in response.json()["error"]["fields"]
    response = physio_client.post(
        f"/api/v1/patients/{patient.pk}/consent/withdraw/", {"withdrawn_at": naive}, format="json"
    )
    assert response.status_code == 400 and "withdrawn_at" in response.json()["error"]["fields"]
    assert not Assessment.objects.exists() and not PainScore.objects.exists()
    assert Consent.objects.get(patient=patient).withdrawn_at is None


def test_services_refuse_naive_times_too(physio, patient):
    import datetime as dt

    from records import services
    from records.exceptions import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        services.session_record(actor=physio, patient=patient, started_at=dt.datetime(2026, 1, 1, 9, 0))  # noqa: DTZ001
    assert "started_at" in caught.value.errors
    with pytest.raises(InvalidInput) as caught:
        services.consent_withdraw(actor=physio, patient=patient, withdrawn_at=dt.datetime(2026, 1, 1))  # noqa: DTZ001
    assert "withdrawn_at" in caught.value.errors
