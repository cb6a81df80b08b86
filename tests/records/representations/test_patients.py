"""records.representations.patients: demographics, precautions and the consent in force."""

import datetime as dt

from django.utils import timezone

from records import services
from records.models import Patient
from records.representations import PATIENT_COLUMNS, patient_representation, patient_representations
from tests.factories import ConsentFactory, PatientFactory, PrecautionFactory


def test_a_patient_with_precautions_and_a_current_consent(clinic, physio, physio2):
    patient = PatientFactory(clinic=clinic, given_name="Ada", family_name="Byrne", phone="555", sex="male")
    PrecautionFactory(patient=patient, code="pregnancy")
    PrecautionFactory(patient=patient, code="anticoagulants", note="Warfarin")
    now = timezone.now()
    ConsentFactory(patient=patient, recorded_by=physio, given_at=now - dt.timedelta(days=90),
                   withdrawn_at=now - dt.timedelta(days=60), withdrawn_by=physio2, form_version="v1")
    current = ConsentFactory(patient=patient, recorded_by=physio2, given_at=now - dt.timedelta(days=30),
                             form_version="v2")
    document = patient_representation(clinic, patient.pk)

    assert (document["id"], document["given_name"], document["family_name"], document["sex"], document["phone"]) == (
        patient.pk, "Ada", "Byrne", "male", "555"
    )
    assert document["date_of_birth"] == patient.date_of_birth
    assert document["precautions"] == [
        {"code": "anticoagulants", "note": "Warfarin"}, {"code": "pregnancy", "note": ""},
    ]
    consent = document["consent"]
    assert (consent["id"], consent["form_version"], consent["recorded_by"], consent["current"]) == (
        current.pk, "v2", physio2.pk, True
    )
    assert consent["withdrawn_at"] is None and consent["withdrawn_by"] is None
    assert (document["archived"], document["archived_at"]) == (False, None)


def test_withdrawn_or_future_consent_is_no_consent_and_archived_shows(clinic, physio, clinic_admin):
    patient = PatientFactory(clinic=clinic)
    now = timezone.now()
    ConsentFactory(patient=patient, recorded_by=physio, given_at=now - dt.timedelta(days=9),
                   withdrawn_at=now - dt.timedelta(days=1), withdrawn_by=physio)
    ConsentFactory(patient=patient, recorded_by=physio, given_at=now + dt.timedelta(days=1))
    services.patient_archive(actor=clinic_admin, patient=patient)
    document = patient_representation(clinic, patient.pk)
    assert document["consent"] is None
    assert document["archived"] is True and document["archived_at"].endswith("Z")


def test_a_page_of_patients_takes_three_queries_and_keeps_its_order(clinic, other_clinic, django_assert_num_queries):
    patients = [PatientFactory(clinic=clinic, family_name=name) for name in ("Cole", "Abbot", "Berg")]
    PrecautionFactory(patient=patients[0], code="epilepsy")
    foreign = PatientFactory(clinic=other_clinic)
    with django_assert_num_queries(3):
        rows = Patient.objects.filter(clinic=clinic).order_by("family_name").values(*PATIENT_COLUMNS)
        documents = patient_representations(rows)
    assert [(d["family_name"], [p["code"] for p in d["precautions"]]) for d in documents] == [
        ("Abbot", []), ("Berg", []), ("Cole", ["epilepsy"])
    ]
    assert patient_representation(clinic, foreign.pk) is None
