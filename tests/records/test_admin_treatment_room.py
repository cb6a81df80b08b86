"""Admin: restoring archived patients, and the sharps/lung-field fields on sessions."""

from django.contrib.messages import get_messages
from django.urls import reverse

from records import services
from records.choices import AuditAction
from records.models import AuditEvent, Patient


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_restore_action_unarchives_and_audits(client, clinic_admin, patient):
    clinic_admin.is_staff = True
    clinic_admin.save(update_fields=["is_staff"])
    services.patient_archive(actor=clinic_admin, patient=patient)
    client.force_login(clinic_admin)
    changelist = reverse("admin:records_patient_changelist")
    response = client.post(
        changelist + "?archived=yes", {"action": "restore_patients", "_selected_action": [patient.pk]}, follow=True
    )
    assert "Restored 1 patient(s)." in _messages(response)
    assert Patient.objects.get(pk=patient.pk).archived_at is None
    event = AuditEvent.objects.get(action=AuditAction.UNARCHIVE, patient=patient)
    assert event.before["archived_at"] is not None and event.after["archived_at"] is None


def test_restore_action_on_an_active_patient_says_why(client, clinic_admin, patient):
    clinic_admin.is_staff = True
    clinic_admin.save(update_fields=["is_staff"])
    client.force_login(clinic_admin)
    changelist = reverse("admin:records_patient_changelist")
    response = client.post(changelist, {"action": "restore_patients", "_selected_action": [patient.pk]}, follow=True)
    text = " ".join(_messages(response))
    assert "not archived" in text and "Restored 0 patient(s)." in text
    assert not AuditEvent.objects.filter(action=AuditAction.UNARCHIVE).exists()


def test_admin_shows_times_in_the_clinics_zone_with_the_zone(client, clinic_admin, patient):
    import datetime as dt
    from zoneinfo import ZoneInfo

    clinic = patient.clinic
    clinic.timezone = "America/Vancouver"
    clinic.save(update_fields=["timezone"])
    clinic_admin.is_staff = True
    clinic_admin.save(update_fields=["is_staff"])
    services.patient_archive(actor=clinic_admin, patient=patient)
    event = AuditEvent.objects.get(action=AuditAction.ARCHIVE)
    client.force_login(clinic_admin)
    page = client.get(reverse("admin:records_auditevent_changelist")).content.decode()
    local = event.at.astimezone(ZoneInfo("America/Vancouver"))
    assert f"{local:%H:%M} {local.tzname()}" in page
    assert f"{event.at.astimezone(dt.UTC):%H:%M} UTC" not in page
