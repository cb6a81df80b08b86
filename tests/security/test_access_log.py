"""The read-access log: every read of a patient's data, through the pages, the API, FHIR and
the admin, leaves a ``view`` event a clinic admin can list per patient."""

from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from api.tokens import token_issue
from records.models import AuditEvent


def token_client(user) -> APIClient:
    raw, _token = token_issue(actor=user, user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def test_clinic_admin_lists_who_viewed_a_patient(
    physio, physio2, reader, clinic_admin, patient, signed_session, other_patient, other_physio
):
    cache.clear()
    browser = Client()
    browser.force_login(physio)
    assert browser.get(f"/patients/{patient.pk}/").status_code == 200
    assert browser.get(f"/sessions/{signed_session.pk}/").status_code == 200
    assert token_client(reader).get(f"/api/v1/patients/{patient.pk}/").status_code == 200
    assert token_client(physio2).get(f"/fhir/R4/Patient/{patient.pk}/$everything").status_code == 200
    assert token_client(other_physio).get(f"/api/v1/patients/{other_patient.pk}/").status_code == 200
    assert token_client(other_physio).get(f"/api/v1/patients/{patient.pk}/").status_code == 404  # not a view

    admin_api = token_client(clinic_admin)
    response = admin_api.get(f"/api/v1/audit-events/?patient={patient.pk}&action=view")
    assert response.status_code == 200
    events = response.json()["results"]
    assert {event["action"] for event in events} == {"view"}
    assert {event["patient"] for event in events} == {str(patient.pk)}
    viewers = {(event["actor"], event["object_type"]) for event in events}
    assert ("physio", "chart") in viewers
    assert ("physio", "treatmentsession") in viewers
    assert ("reader", "patient") in viewers
    assert any(actor == "physio2" for actor, _what in viewers)
    assert "otherphysio" not in {event["actor"] for event in events}
    # The route is the URL pattern, never the raw path; every event has its request id.
    assert all(event["route"] and str(patient.pk) not in event["route"] for event in events)
    assert all(event["request_id"] for event in events)


def test_the_access_log_is_for_clinic_admins_of_that_clinic_only(physio, reader, other_admin, patient):
    cache.clear()
    assert token_client(physio).get(f"/api/v1/audit-events/?patient={patient.pk}").status_code == 403
    assert token_client(reader).get(f"/api/v1/audit-events/?patient={patient.pk}").status_code == 403
    response = token_client(other_admin).get(f"/api/v1/audit-events/?patient={patient.pk}&action=view")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["results"] == []


def test_admin_change_page_of_a_patient_is_logged(django_user_model, patient):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "a-long-admin-password-1")
    client = Client()
    client.force_login(root)
    assert client.get(f"/admin/records/patient/{patient.pk}/change/").status_code == 200
    assert AuditEvent.objects.filter(action="view", patient=patient, actor=root).exists()


def test_admin_change_page_of_a_session_is_logged(django_user_model, patient, signed_session):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "a-long-admin-password-1")
    client = Client()
    client.force_login(root)
    assert client.get(f"/admin/records/treatmentsession/{signed_session.pk}/change/").status_code == 200
    event = AuditEvent.objects.get(action="view", patient=patient, actor=root)
    assert (event.object_type, event.object_id) == ("admin_treatmentsession", str(signed_session.pk))


def test_clinic_admin_sees_who_viewed_a_patient_in_the_admin(clinic_admin, physio, patient, other_patient):
    from records import services

    services.audit_view(actor=physio, patient=patient, what="chart")
    clinic_admin.is_staff = True
    clinic_admin.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(clinic_admin)
    response = client.get(f"/admin/records/auditevent/?action__exact=view&patient__id__exact={patient.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "physio" in html and "chart" in html
    assert "Elsewhere" not in html  # the other clinic's patient
