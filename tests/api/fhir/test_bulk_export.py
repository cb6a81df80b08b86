"""FHIR Bulk Data export: kick-off, polling, manifest, NDJSON files valid as R4B, ``_type``, ``_since``."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from freezegun import freeze_time
from rest_framework.test import APIClient

from api.fhir.bulk import run_export
from events.exports import export_storage
from events.models import BulkExport
from events.tasks import sweep
from records.models import AuditEvent
from tests.factories import ConsentFactory, PatientFactory

from .conftest import record_history

pytestmark = pytest.mark.django_db

KICK_OFF = "/fhir/R4/Patient/$export"
ASYNC = {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "application/fhir+json"}


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def reader_api(reader):
    return client_for(reader)


@pytest.fixture
def exported_world(physio, patient, other_patient, other_physio, now):
    record_history(physio, patient, sessions=2, start=now - dt.timedelta(days=20))
    record_history(other_physio, other_patient, sessions=1, start=now - dt.timedelta(days=5))
    second = PatientFactory(clinic=patient.clinic, given_name="Lou", family_name="Second")
    ConsentFactory(patient=second, recorded_by=physio)
    return [patient, second]


def kick_off(client, url=KICK_OFF):
    response = client.get(url, **ASYNC)
    assert response.status_code == 202, response.content
    return response["Content-Location"]


def read_ndjson(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+ndjson"
    assert response["Cache-Control"] == "no-store"
    body = b"".join(response.streaming_content).decode()
    return [json.loads(line) for line in body.splitlines() if line]


def test_full_export_validates_and_stays_in_the_clinic(reader_api, reader, exported_world, other_patient, clinic):
    status_url = kick_off(reader_api)
    assert status_url.startswith("http://testserver/fhir/R4/$export-status/")
    pending = reader_api.get(status_url)
    assert pending.status_code == 202 and pending["X-Progress"] == "queued"
    export = BulkExport.objects.get()
    assert run_export(str(export.pk)) == "completed"
    done = reader_api.get(status_url)
    assert done.status_code == 200
    manifest = done.json()
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"] == "http://testserver/fhir/R4/Patient/$export"
    assert manifest["transactionTime"].endswith("Z") and manifest["error"] == []
    types = [item["type"] for item in manifest["output"]]
    assert types == ["Patient", "Practitioner", "Consent", "Encounter", "Procedure", "Observation", "AdverseEvent"]
    by_type = {}
    for item in manifest["output"]:
        resources = read_ndjson(reader_api, item["url"])
        assert len(resources) == item["count"]
        for resource in resources:
            assert resource["resourceType"] == item["type"]
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        by_type[item["type"]] = resources
    assert {r["id"] for r in by_type["Patient"]} == {str(p.pk) for p in exported_world}
    assert str(other_patient.pk) not in json.dumps(by_type)
    assert len(by_type["Encounter"]) == 2 and len(by_type["Procedure"]) == 6
    assert len(by_type["Practitioner"]) == 1  # once, however many patients they treated
    # Audited: the kick-off as `export`, the finished files naming the patients, each download.
    kick = AuditEvent.objects.filter(action="export", object_type="bulkexport").order_by("at")
    assert kick.count() == 2 and kick[0].actor == reader
    assert sorted(kick[1].after["patients"]) == sorted(str(p.pk) for p in exported_world)
    assert AuditEvent.objects.filter(action="view", object_type="fhir_bulk_file").count() == len(types)


def test_type_and_since_are_honoured(reader_api, exported_world, physio, now):
    old, recent = exported_world
    BulkExport.objects.all().delete()
    cutoff = timezone.now()
    with freeze_time(cutoff + dt.timedelta(minutes=5)):
        recent.given_name = "Louise"
        recent.save()
    since = (cutoff + dt.timedelta(minutes=1)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    status_url = kick_off(reader_api, f"{KICK_OFF}?_type=Patient,Encounter&_since={since}")
    export = BulkExport.objects.get()
    assert export.types == ["Patient", "Encounter"]
    run_export(str(export.pk))
    manifest = reader_api.get(status_url).json()
    assert [item["type"] for item in manifest["output"]] == ["Patient"]
    patients = read_ndjson(reader_api, manifest["output"][0]["url"])
    assert [p["id"] for p in patients] == [str(recent.pk)]


@pytest.mark.parametrize(
    ("query", "field"),
    [("?_type=Patient,Medication", "_type"), ("?_type=", None), ("?_since=yesterday", "_since"),
     ("?_since=2026-01-01T00:00:00", "_since"), ("?_outputFormat=text/csv", "_outputFormat"),
     ("?_typeFilter=Patient%3Factive%3Dtrue", "_typeFilter")],
)
def test_bad_parameters_are_400_operation_outcomes(reader_api, query, field):
    response = reader_api.get(KICK_OFF + query, **ASYNC)
    if field is None:  # an empty _type means every type
        assert response.status_code == 202
        return
    assert response.status_code == 400
    body = response.json()
    assert body["resourceType"] == "OperationOutcome" and field in body["issue"][0]["diagnostics"]
    assert not BulkExport.objects.exists()


def test_needs_prefer_respond_async(reader_api):
    response = reader_api.get(KICK_OFF)
    assert response.status_code == 400 and "respond-async" in response.json()["issue"][0]["diagnostics"]
    assert not BulkExport.objects.exists()


def test_roles_and_isolation(physio, clinic_admin, other_admin, reader_api, clinic, other_clinic, exported_world):
    assert APIClient().get(KICK_OFF, **ASYNC).status_code == 401
    assert client_for(physio).get(KICK_OFF, **ASYNC).status_code == 403
    admin = client_for(clinic_admin)
    assert kick_off(admin, f"/fhir/R4/Group/{clinic.pk}/$export")
    assert kick_off(admin, f"/fhir/R4/Group/{clinic.slug}/$export")
    assert admin.get(f"/fhir/R4/Group/{other_clinic.pk}/$export", **ASYNC).status_code == 404
    status_url = kick_off(reader_api)
    export = BulkExport.objects.get(request_url__endswith="Patient/$export")
    run_export(str(export.pk))
    manifest = reader_api.get(status_url).json()
    other = client_for(other_admin)
    assert other.get(status_url).status_code == 404
    assert other.get(manifest["output"][0]["url"]).status_code == 404
    assert other.delete(status_url).status_code == 404


def test_delete_cancels_and_removes_files(reader_api, exported_world):
    status_url = kick_off(reader_api)
    export = BulkExport.objects.get()
    run_export(str(export.pk))
    files = [item["file"] for item in BulkExport.objects.get().output]
    assert all(export_storage().exists(name) for name in files)
    assert reader_api.delete(status_url).status_code == 202
    assert reader_api.get(status_url).status_code == 404
    assert not any(export_storage().exists(name) for name in files)


def test_cancel_before_the_worker_runs(reader_api, exported_world):
    status_url = kick_off(reader_api)
    export_id = str(BulkExport.objects.get().pk)
    reader_api.delete(status_url)
    assert run_export(export_id) == "gone"


def test_files_are_deleted_after_24_hours(reader_api, exported_world):
    status_url = kick_off(reader_api)
    export = BulkExport.objects.get()
    run_export(str(export.pk))
    files = [item["file"] for item in BulkExport.objects.get().output]
    with freeze_time(timezone.now() + dt.timedelta(hours=24, minutes=1)):
        assert reader_api.get(status_url).status_code == 404
        assert sweep()["exports_deleted"] == 1
    assert not BulkExport.objects.exists()
    assert not any(export_storage().exists(name) for name in files)


def test_a_lost_export_is_started_again_when_polled(reader_api, exported_world, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    status_url = kick_off(reader_api)
    export = BulkExport.objects.get()
    queued = DBTaskResult.objects.count()
    assert reader_api.get(status_url).status_code == 202
    assert DBTaskResult.objects.count() == queued  # alive: not started twice
    BulkExport.objects.filter(pk=export.pk).update(status="running",
                                                   updated_at=timezone.now() - dt.timedelta(minutes=11))
    response = reader_api.get(status_url)
    assert response.status_code == 202
    assert BulkExport.objects.get().status == "queued"
    assert DBTaskResult.objects.count() == queued + 1


@pytest.mark.django_db(transaction=True)
def test_produced_by_the_worker(reader, exported_world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client = client_for(reader)
    status_url = kick_off(client)
    call_command("worker", batch=True, verbosity=0)
    manifest = client.get(status_url)
    assert manifest.status_code == 200
    assert {item["type"] for item in manifest.json()["output"]} >= {"Patient", "Encounter"}


def test_capability_statement_names_the_export(reader_api):
    statement = reader_api.get("/fhir/R4/metadata").json()
    patient = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Patient")
    assert [op["name"] for op in patient["operation"]] == ["everything", "export"]
    get_fhir_model_class("CapabilityStatement").model_validate(statement)
