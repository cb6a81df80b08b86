"""Patients: list and search, registration, demographics, consent and precautions."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from records.models import AuditEvent, Consent, Patient
from tests.factories import ConsentFactory, PatientFactory, PrecautionFactory


def list_html(client, **params):
    response = client.get(reverse("web:patient_list"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_list_and_search_by_name_or_chart_number(client, physio, clinic, patient, other_patient):
    PatientFactory(clinic=clinic, given_name="Ada", family_name="Lovelace", chart_number="C-42")
    client.force_login(physio)
    html = list_html(client)
    assert "Quinlan, Morgan" in html and "Lovelace, Ada" in html and "Elsewhere" not in html
    assert "Lovelace" in list_html(client, q="lovel") and "Quinlan" not in list_html(client, q="lovel")
    assert "Lovelace" in list_html(client, q="C-42")
    assert "No patients match your search" in list_html(client, q="Elsewhere")


def test_list_queries_do_not_grow_with_patients(client, physio, clinic):
    client.force_login(physio)

    def count():
        with CaptureQueriesContext(connection) as queries:
            list_html(client)
        return len(queries)

    for _ in range(3):
        patient = PatientFactory(clinic=clinic)
        ConsentFactory(patient=patient, recorded_by=physio)
        PrecautionFactory(patient=patient)
    few = count()
    for _ in range(20):
        patient = PatientFactory(clinic=clinic)
        ConsentFactory(patient=patient, recorded_by=physio)
        PrecautionFactory(patient=patient)
    assert count() == few == 11  # 10 reads + the access log's one INSERT


def test_register_a_patient_with_precautions(client, physio, clinic):
    client.force_login(physio)
    response = client.post(reverse("web:patient_create"), {
        "given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1980-12-10", "sex": "female",
        "chart_number": "", "phone": "", "email": "", "pr-has_pregnancy": "on", "pr-note_pregnancy": "24 weeks",
    })
    patient = Patient.objects.get(family_name="Lovelace")
    assert response.status_code == 302 and response["Location"] == reverse("web:patient_details", args=[patient.pk])
    assert patient.clinic == clinic and patient.chart_number.startswith("P")
    assert list(patient.precautions.values_list("code", "note")) == [("pregnancy", "24 weeks")]
    assert AuditEvent.objects.filter(action="create", object_type="patient", patient=patient).exists()


def test_bad_registration_is_shown_on_its_fields_and_saves_nothing(client, physio, clinic):
    PatientFactory(clinic=clinic, chart_number="C-1")
    client.force_login(physio)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(reverse("web:patient_create"), {
        "given_name": "Ada", "family_name": "", "date_of_birth": future, "sex": "female", "email": "nope",
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html.split('for="id_family_name"')[1].split("</div>")[0]
    assert "Enter a valid email address." in html
    response = client.post(reverse("web:patient_create"), {
        "given_name": "Ada", "family_name": "Lovelace", "date_of_birth": future, "sex": "female",
        "chart_number": "C-1",
    })
    html = response.content.decode()
    assert "Date of birth cannot be in the future." in html.split('for="id_date_of_birth"')[1].split("</div>")[0]
    assert "This chart number is already used in the clinic." in html
    assert not Patient.objects.filter(family_name="Lovelace").exists()


def test_consent_give_and_withdraw(client, physio, patient_without_consent):
    patient = patient_without_consent
    client.force_login(physio)
    url = reverse("web:patient_details", args=[patient.pk])
    assert "No current consent" in client.get(url).content.decode()
    bad = client.post(url, {"form": "consent", "form_version": ""})
    assert bad.status_code == 400 and Consent.objects.filter(patient=patient).count() == 0
    assert client.post(url, {"form": "consent", "form_version": "IMS-2026-01"}).status_code == 302
    consent = Consent.objects.get(patient=patient)
    assert consent.withdrawn_at is None and consent.recorded_by == physio
    assert client.post(reverse("web:consent_withdraw", args=[patient.pk])).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_by == physio


def test_precautions_are_replaced(client, clinic_admin, patient):
    PrecautionFactory(patient=patient, code="anticoagulants")
    client.force_login(clinic_admin)
    url = reverse("web:patient_details", args=[patient.pk])
    html = client.get(url).content.decode()
    assert 'name="pr-has_anticoagulants" id="id_pr-has_anticoagulants" checked' in html
    response = client.post(url, {"form": "precautions", "pr-has_diabetes": "on", "pr-note_diabetes": "Type 1"})
    assert response.status_code == 302
    assert list(patient.precautions.values_list("code", "note")) == [("diabetes", "Type 1")]


def test_demographics_edit(client, physio, patient):
    client.force_login(physio)
    url = reverse("web:patient_details", args=[patient.pk])
    assert 'type="date" name="date_of_birth" value="1980-05-17"' in client.get(url).content.decode()
    data = {"form": "patient", "given_name": "Morgan", "family_name": "Quinlan-Reyes", "date_of_birth": "1980-05-17",
            "sex": "female", "chart_number": patient.chart_number, "phone": "604 555 0101", "email": ""}
    assert client.post(url, data).status_code == 302
    patient.refresh_from_db()
    assert (patient.family_name, patient.phone) == ("Quinlan-Reyes", "604 555 0101")


def test_clinic_admin_archives_a_patient(client, clinic_admin, physio, patient):
    url = reverse("web:patient_archive", args=[patient.pk])
    client.force_login(physio)
    assert b"Archive patient" not in client.get(reverse("web:patient_details", args=[patient.pk])).content
    assert client.post(url).status_code == 403
    client.force_login(clinic_admin)
    assert b"Archive patient" in client.get(reverse("web:patient_details", args=[patient.pk])).content
    # The first press only asks for confirmation.
    asked = client.post(url, follow=True).content.decode()
    assert "Yes, archive" in asked and Patient.objects.get(pk=patient.pk).archived_at is None
    response = client.post(url, {"confirm": "yes"}, follow=True)
    assert "Morgan Quinlan archived; the record is kept." in response.content.decode()
    patient.refresh_from_db()
    assert patient.archived_at is not None
    assert "Quinlan" not in list_html(client)
    assert AuditEvent.objects.filter(action="archive", patient=patient).exists()
