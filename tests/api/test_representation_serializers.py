"""The API's read serializers are generated from the domain's representation types, and
reads run in one snapshot."""

import contextlib
import typing

import pytest
from rest_framework import serializers

from api.serializers import representations as generated
from records import representations as r

from .conftest import record_assessment, record_session


@pytest.mark.parametrize(
    ("serializer", "representation"),
    [
        (generated.SessionSerializer, r.SessionRepresentation),
        (generated.AssessmentSerializer, r.AssessmentRepresentation),
        (generated.PatientSerializer, r.PatientRepresentation),
        (generated.PainScoreSerializer, r.PainScoreRepresentation),
        (generated.ConsentSerializer, r.ConsentRepresentation),
        (generated.AddendumSerializer, r.AddendumRepresentation),
    ],
)
def test_each_serializer_documents_exactly_its_representation(serializer, representation):
    fields = serializer().fields
    assert list(fields) == list(typing.get_type_hints(representation))
    assert serializer.__doc__ == representation.__doc__


def test_field_types_follow_the_hints():
    fields = generated.SessionSerializer().fields
    assert isinstance(fields["id"], serializers.UUIDField) and fields["id"].read_only
    assert isinstance(fields["started_at"], serializers.DateTimeField)
    assert isinstance(fields["signed_at"], serializers.DateTimeField) and fields["signed_at"].allow_null
    assert isinstance(fields["status"], serializers.ChoiceField)
    assert set(fields["status"].choices) == {"draft", "signed"}
    assert isinstance(fields["targeted_muscles"], serializers.ListSerializer)
    assert fields["targeted_muscles"].child.__class__.__name__ == "TargetedMuscleSerializer"
    warning = generated.WarningSerializer().fields
    assert warning["code"].read_only
    assert warning["muscles"].required is False and not warning["muscles"].read_only  # a key that may be absent
    assert isinstance(generated.PatientSerializer().fields["date_of_birth"], serializers.DateField)


def test_responses_carry_the_keys_of_their_representation(physio_client, physio, patient):
    session = record_session(physio, patient)
    assessment = record_assessment(physio, patient)
    for path, representation in [
        (f"/api/v1/sessions/{session.pk}/", r.SessionRepresentation),
        (f"/api/v1/assessments/{assessment.pk}/", r.AssessmentRepresentation),
        (f"/api/v1/patients/{patient.pk}/", r.PatientRepresentation),
    ]:
        body = physio_client.get(path).json()
        assert list(body) == list(typing.get_type_hints(representation)), path


@pytest.mark.parametrize(
    "path", ["/api/v1/sessions/", "/api/v1/sessions/{session}/", "/api/v1/assessments/",
             "/api/v1/assessments/{assessment}/", "/api/v1/patients/", "/api/v1/patients/{patient}/"],
)
def test_record_reads_run_in_one_snapshot(physio_client, physio, patient, monkeypatch, path):
    entered = []

    @contextlib.contextmanager
    def recording():
        entered.append(path)
        yield

    for module in ("api.views.records", "api.views.patients"):
        monkeypatch.setattr(f"{module}.consistent_read", recording)
    ids = {"session": record_session(physio, patient).pk, "assessment": record_assessment(physio, patient).pk,
           "patient": patient.pk}
    response = physio_client.get(path.format(**ids))
    assert response.status_code == 200 and len(entered) == 1
