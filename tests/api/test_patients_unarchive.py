"""``patients/{id}/unarchive/`` (DESIGN §10): clinic admins restore archived patients, audited."""

from records import services
from records.models import AuditEvent, Patient

from .conftest import session_payload


def test_admin_restores_an_archived_patient(admin_client, clinic_admin, patient):
    services.patient_archive(actor=clinic_admin, patient=patient)
    assert admin_client.get("/api/v1/patients/?archived=true").json()["results"][0]["id"] == str(patient.pk)
    response = admin_client.post(f"/api/v1/patients/{patient.pk}/unarchive/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(patient.pk) and body["archived_at"] is None
    assert response["ETag"] == f'"{Patient.objects.get(pk=patient.pk).version}"'
    assert Patient.objects.get(pk=patient.pk).archived_at is None
    event = AuditEvent.objects.get(action="unarchive")
    assert event.actor_id == clinic_admin.pk and event.object_id == str(patient.pk)
    listed = [p["id"] for p in admin_client.get("/api/v1/patients/").json()["results"]]
    assert str(patient.pk) in listed
    actions = [e["action"] for e in admin_client.get("/api/v1/audit-events/?action=unarchive").json()["results"]]
    assert actions == ["unarchive"]


def test_restoring_a_patient_not_archived_is_409(admin_client, patient):
    version = Patient.objects.get(pk=patient.pk).version
    response = admin_client.post(f"/api/v1/patients/{patient.pk}/unarchive/")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "patient_not_archived" and "not archived" in error["message"]
    assert Patient.objects.get(pk=patient.pk).version == version
    assert not AuditEvent.objects.filter(action="unarchive").exists()


def test_physiotherapist_and_reader_may_not_restore(physio_client, reader_client, clinic_admin, patient):
    services.patient_archive(actor=clinic_admin, patient=patient)
    for client in (physio_client, reader_client):
        response = client.post(f"/api/v1/patients/{patient.pk}/unarchive/")
        assert response.status_code == 403
    assert Patient.objects.get(pk=patient.pk).archived_at is not None


def test_another_clinics_patient_is_404(other_admin, patient, clinic_admin):
    from .conftest import token_client

    services.patient_archive(actor=clinic_admin, patient=patient)
    response = token_client(other_admin).post(f"/api/v1/patients/{patient.pk}/unarchive/")
    assert response.status_code == 404
    assert Patient.objects.get(pk=patient.pk).archived_at is not None


def test_archived_patient_gets_no_session_until_restored(admin_client, physio_client, clinic_admin, patient):
    services.patient_archive(actor=clinic_admin, patient=patient)
    refused = physio_client.post("/api/v1/sessions/", session_payload(patient), format="json")
    assert refused.status_code == 409
    admin_client.post(f"/api/v1/patients/{patient.pk}/unarchive/")
    assert physio_client.post("/api/v1/sessions/", session_payload(patient), format="json").status_code == 201
