"""Patient services: chart numbers, validation, archive, consent, precautions — all audited."""

import datetime as dt

import pytest

from records import services
from records.choices import AuditAction
from records.exceptions import InvalidInput, NotPermitted, RuleViolation, StaleVersion
from records.models import AuditEvent, Consent, Patient, Precaution

pytestmark = pytest.mark.django_db


def create(actor, clinic, **kwargs):
    kwargs.setdefault("given_name", "Ana")
    kwargs.setdefault("family_name", "Sousa")
    kwargs.setdefault("date_of_birth", dt.date(1979, 3, 4))
    return services.patient_create(actor=actor, clinic=clinic, **kwargs)


# --- create -----------------------------------------------------------------------------


def test_create_generates_chart_numbers_per_clinic(physio, clinic, other_physio, other_clinic):
    first = create(physio, clinic)
    second = create(physio, clinic, family_name="Second")
    elsewhere = create(other_physio, other_clinic)
    assert (first.chart_number, second.chart_number) == ("P000001", "P000002")
    assert elsewhere.chart_number == "P000001"

    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(first.pk))
    assert event.actor == physio and event.clinic == clinic and event.patient == first
    assert event.before is None
    assert event.after["chart_number"] == "P000001" and event.after["family_name"] == "Sousa"


def test_generated_number_skips_one_taken_by_hand(physio, clinic):
    create(physio, clinic, chart_number="P000001")
    assert create(physio, clinic, family_name="Next").chart_number == "P000002"


def test_duplicate_chart_number_is_refused_on_that_field(clinic_admin, clinic):
    create(clinic_admin, clinic, chart_number="A-100")
    with pytest.raises(InvalidInput) as refused:
        create(clinic_admin, clinic, chart_number="A-100", family_name="Twin")
    assert refused.value.errors == {"chart_number": ["This chart number is already used in the clinic."]}
    assert Patient.objects.filter(clinic=clinic).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CREATE).count() == 1


def test_create_validates_every_field_and_saves_nothing(physio, clinic):
    with pytest.raises(InvalidInput) as refused:
        create(
            physio, clinic, given_name="", date_of_birth=dt.date(2999, 1, 1), sex="robot", email="not-an-email",
            precautions=[{"code": "anticoagulants"}, {"code": "vampirism"}, {"code": "anticoagulants"}],
        )
    errors = refused.value.errors
    assert set(errors) >= {
        "given_name", "date_of_birth", "sex", "email", "precautions[1].code", "precautions[2].code",
    }
    assert "Unknown precaution 'vampirism'." in errors["precautions[1].code"]
    assert not Patient.objects.exists() and not Precaution.objects.exists() and not AuditEvent.objects.exists()


def test_create_with_precautions_in_one_audit_row(physio, clinic):
    patient = create(physio, clinic, precautions=[{"code": "pregnancy", "note": "20 weeks"}])
    assert list(patient.precautions.values_list("code", "note")) == [("pregnancy", "20 weeks")]
    event = AuditEvent.objects.get(patient=patient)
    assert event.after["precautions"] == [{"code": "pregnancy", "note": "20 weeks"}]


def test_readers_and_other_clinics_cannot_create(reader, other_admin, clinic):
    with pytest.raises(NotPermitted):
        create(reader, clinic)
    with pytest.raises(NotPermitted, match="another clinic"):
        create(other_admin, clinic)
    assert not Patient.objects.exists()


# --- update ------------------------------------------------------------------------------


def test_update_audits_before_and_after(clinic_admin, patient):
    services.patient_update(actor=clinic_admin, patient=patient, phone=" 555-0101 ", family_name="Quinn")
    patient.refresh_from_db()
    assert (patient.phone, patient.family_name, patient.version) == ("555-0101", "Quinn", 2)
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, patient=patient)
    assert event.changes == {"family_name": ["Quinlan", "Quinn"], "phone": ["", "555-0101"]}


def test_update_refuses_stale_version_and_unknown_fields(clinic_admin, patient):
    with pytest.raises(StaleVersion):
        services.patient_update(actor=clinic_admin, patient=patient, expected_version=7, phone="1")
    with pytest.raises(InvalidInput) as refused:
        services.patient_update(actor=clinic_admin, patient=patient, clinic="elsewhere")
    assert refused.value.errors == {"clinic": ["This field cannot be changed."]}
    with pytest.raises(InvalidInput) as blank:
        services.patient_update(actor=clinic_admin, patient=patient, chart_number="  ")
    assert "chart_number" in blank.value.errors
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()


# --- archive ------------------------------------------------------------------------------


def test_archive_is_idempotent_and_audited_once(clinic_admin, patient):
    archived = services.patient_archive(actor=clinic_admin, patient=patient)
    first_time = archived.archived_at
    assert first_time is not None

    again = services.patient_archive(actor=clinic_admin, patient=patient)
    assert again.archived_at == first_time
    events = AuditEvent.objects.filter(action=AuditAction.ARCHIVE, patient=patient)
    assert events.count() == 1
    event = events.get()
    assert event.before["archived_at"] is None
    assert event.after["archived_at"] == first_time.astimezone(dt.UTC).isoformat()
    assert Patient.objects.filter(pk=patient.pk).exists()  # archived, never deleted


def test_only_clinic_admins_archive(physio, reader, patient):
    for actor in (physio, reader):
        with pytest.raises(NotPermitted):
            services.patient_archive(actor=actor, patient=patient)
    patient.refresh_from_db()
    assert patient.archived_at is None


# --- consent ---------------------------------------------------------------------------------


def test_consent_give_withdraw_and_give_again(physio, clinic_admin, patient_without_consent, now):
    patient = patient_without_consent
    given_at = now - dt.timedelta(days=2)
    consent = services.consent_give(actor=physio, patient=patient, form_version=" IMS-v3 ", given_at=given_at)
    assert (consent.form_version, consent.given_at, consent.recorded_by) == ("IMS-v3", given_at, physio)
    given = AuditEvent.objects.get(action=AuditAction.CONSENT, patient=patient)
    assert given.after["form_version"] == "IMS-v3" and given.object_id == str(consent.pk)

    with pytest.raises(RuleViolation, match="already has a current consent"):
        services.consent_give(actor=physio, patient=patient, form_version="IMS-v4")

    withdrawn = services.consent_withdraw(actor=clinic_admin, patient=patient, withdrawn_at=now)
    assert withdrawn.withdrawn_at == now and withdrawn.withdrawn_by == clinic_admin
    event = AuditEvent.objects.get(action=AuditAction.CONSENT_WITHDRAW, patient=patient)
    assert event.changes["withdrawn_at"] == [None, now.astimezone(dt.UTC).isoformat()]

    with pytest.raises(RuleViolation, match="no current consent"):
        services.consent_withdraw(actor=clinic_admin, patient=patient)

    services.consent_give(actor=physio, patient=patient, form_version="IMS-v4")
    assert Consent.objects.filter(patient=patient).count() == 2
    assert Consent.objects.filter(patient=patient, withdrawn_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"form_version": ""}, "form_version"),
        ({"form_version": "x" * 41}, "form_version"),
        ({"form_version": "v1", "given_at": dt.datetime(2026, 1, 1, 9, 0)}, "given_at"),
        ({"form_version": "v1", "given_at": dt.datetime(2999, 1, 1, tzinfo=dt.UTC)}, "given_at"),
    ],
)
def test_consent_give_refuses_bad_input(physio, patient_without_consent, kwargs, field):
    with pytest.raises(InvalidInput) as refused:
        services.consent_give(actor=physio, patient=patient_without_consent, **kwargs)
    assert field in refused.value.errors
    assert not Consent.objects.filter(patient=patient_without_consent).exists()


def test_consent_cannot_be_withdrawn_before_it_was_given(physio, patient):
    consent = Consent.objects.get(patient=patient)
    with pytest.raises(InvalidInput) as refused:
        services.consent_withdraw(
            actor=physio, patient=patient, withdrawn_at=consent.given_at - dt.timedelta(minutes=1)
        )
    assert "withdrawn_at" in refused.value.errors
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_readers_and_other_clinics_cannot_touch_consent(reader, other_admin, patient_without_consent):
    for actor in (reader, other_admin):
        with pytest.raises(NotPermitted):
            services.consent_give(actor=actor, patient=patient_without_consent, form_version="v1")
    assert not Consent.objects.exists()


# --- precautions -------------------------------------------------------------------------------


def test_precautions_set_replaces_the_list_and_audits_before_after(physio, patient):
    services.precautions_set(
        actor=physio, patient=patient,
        precautions=[{"code": "anticoagulants", "note": "Apixaban"}, {"code": "pregnancy"}],
    )
    result = services.precautions_set(
        actor=physio, patient=patient,
        precautions=[{"code": "pregnancy", "note": "24 weeks"}, {"code": "diabetes", "note": ""}],
    )
    assert [(p.code, p.note) for p in result] == [("diabetes", ""), ("pregnancy", "24 weeks")]
    assert sorted(Precaution.objects.filter(patient=patient).values_list("code", flat=True)) == [
        "diabetes", "pregnancy",
    ]
    events = list(AuditEvent.objects.filter(object_type="precautions", patient=patient).order_by("at"))
    assert len(events) == 2
    assert events[1].before == {
        "precautions": [{"code": "anticoagulants", "note": "Apixaban"}, {"code": "pregnancy", "note": ""}]
    }
    assert events[1].after == {
        "precautions": [{"code": "diabetes", "note": ""}, {"code": "pregnancy", "note": "24 weeks"}]
    }
    patient.refresh_from_db()
    assert patient.version == 3  # each change bumps the patient's version (its ETag)


def test_precautions_set_without_change_writes_no_audit_row(physio, patient):
    services.precautions_set(actor=physio, patient=patient, precautions=[{"code": "epilepsy"}])
    services.precautions_set(actor=physio, patient=patient, precautions=[{"code": "epilepsy", "note": ""}])
    assert AuditEvent.objects.filter(object_type="precautions").count() == 1


def test_precautions_set_refuses_duplicates_and_unknown_codes(physio, patient):
    with pytest.raises(InvalidInput) as refused:
        services.precautions_set(
            actor=physio, patient=patient,
            precautions=[{"code": "diabetes"}, {"code": "diabetes"}, {"code": "gout"}],
        )
    assert set(refused.value.errors) == {"precautions[1].code", "precautions[2].code"}
    assert not Precaution.objects.filter(patient=patient).exists()


def test_precautions_set_refused_for_readers(reader, patient):
    with pytest.raises(NotPermitted):
        services.precautions_set(actor=reader, patient=patient, precautions=[])


def test_update_without_a_change_keeps_version_and_writes_no_audit(physio, patient):
    from records.models import AuditEvent

    before = AuditEvent.objects.count()
    services.patient_update(actor=physio, patient=patient, given_name=patient.given_name)
    patient.refresh_from_db()
    assert patient.version == 1
    assert AuditEvent.objects.count() == before


def test_consent_changes_move_the_patient_version(physio, patient):
    services.consent_withdraw(actor=physio, patient=patient)
    patient.refresh_from_db()
    assert patient.version == 2
    services.consent_give(actor=physio, patient=patient, form_version="IMS-2027-01")
    patient.refresh_from_db()
    assert patient.version == 3
