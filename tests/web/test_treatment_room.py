"""Pages: sharps discrepancy and lung-field confirmation on the logging page; archive and restore."""

import pytest
from django.urls import reverse

from records import services
from records.models import AuditEvent, Patient, TreatmentSession
from tests.web.conftest import row, session_post


def new_url(patient):
    return reverse("web:session_new", args=[patient.pk])


@pytest.fixture
def logged_in(client, physio):
    client.force_login(physio)
    return client


def test_lung_field_sign_asks_for_the_confirmation_beside_the_warning(logged_in, patient):
    data = session_post([row("Upper trapezius", side="right"), row("Gluteus medius")], action="sign")
    response = logged_in.post(new_url(patient), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "confirm the lung-field precautions" in html
    assert 'name="lung_field_precautions_confirmed"' in html and 'form="session-form"' in html
    assert not TreatmentSession.objects.exists()

    data["lung_field_precautions_confirmed"] = "on"
    response = logged_in.post(new_url(patient), data)
    assert response.status_code == 302
    session = TreatmentSession.objects.get()
    assert session.status == "signed" and session.lung_field_precautions_confirmed is True


def test_sharps_discrepancy_note_makes_a_lost_needle_signable(logged_in, patient):
    data = session_post([row("Gluteus medius"), row("Piriformis")], action="sign", needles_used=2, needles_removed=1)
    response = logged_in.post(new_url(patient), data)
    assert response.status_code == 400 and "Sharps count mismatch" in response.content.decode()
    assert not TreatmentSession.objects.exists()
    data["sharps_discrepancy_note"] = "One needle dropped on the floor, found and disposed after the visit."
    assert logged_in.post(new_url(patient), data).status_code == 302
    session = TreatmentSession.objects.get()
    assert session.status == "signed" and session.sharps_discrepancy_note.startswith("One needle dropped")


def test_logging_page_refuses_an_archived_patient_before_anything_is_typed(logged_in, clinic_admin, patient):
    services.patient_archive(actor=clinic_admin, patient=patient)
    response = logged_in.get(new_url(patient), follow=True)
    html = response.content.decode()
    assert "archived: restore them before logging a session" in html
    assert 'id="session-form"' not in html


def test_include_archived_and_restore_with_confirmation(client, clinic_admin, patient):
    services.patient_archive(actor=clinic_admin, patient=patient)
    client.force_login(clinic_admin)
    listing = reverse("web:patient_list")
    assert patient.family_name not in client.get(listing).content.decode()
    shown = client.get(listing, {"archived": "1"}).content.decode()
    assert patient.family_name in shown and "Archived" in shown

    details = reverse("web:patient_details", args=[patient.pk])
    assert "Restore from archive" in client.get(details).content.decode()
    url = reverse("web:patient_unarchive", args=[patient.pk])
    asked = client.post(url, follow=True).content.decode()
    assert "Yes, restore" in asked and Patient.objects.get(pk=patient.pk).archived_at is not None
    done = client.post(url, {"confirm": "yes"}, follow=True).content.decode()
    assert "restored to the patient list" in done
    assert Patient.objects.get(pk=patient.pk).archived_at is None
    assert AuditEvent.objects.filter(action="unarchive", patient=patient).count() == 1


def test_physio_cannot_restore(client, physio, clinic_admin, patient):
    services.patient_archive(actor=clinic_admin, patient=patient)
    client.force_login(physio)
    response = client.post(reverse("web:patient_unarchive", args=[patient.pk]), {"confirm": "yes"})
    assert response.status_code == 403
    assert Patient.objects.get(pk=patient.pk).archived_at is not None


def test_session_page_flags_a_sharps_discrepancy(logged_in, patient):
    data = session_post([row("Gluteus medius"), row("Piriformis")], action="sign", needles_used=2, needles_removed=1,
                        sharps_discrepancy_note="Needle tip broke; patient referred for removal.")
    logged_in.post(new_url(patient), data)
    session = TreatmentSession.objects.get()
    html = logged_in.get(reverse("web:session_detail", args=[session.pk])).content.decode()
    assert 'id="sharps-discrepancy"' in html and "Needle tip broke; patient referred for removal." in html


@pytest.mark.parametrize(
    ("typed", "saved"),
    [("multif", "multifidus-lumbar"), ("QL", "quadratus-lumborum"), ("glut med", "gluteus-medius"),
     ("piriformus", "piriformis")],
)
def test_logging_page_takes_what_clinicians_type(logged_in, patient, typed, saved):
    response = logged_in.post(new_url(patient), session_post([row(typed)]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert TreatmentSession.objects.get().targeted_muscles.get().muscle.slug == saved


def test_ambiguous_text_is_still_refused_by_name(logged_in, patient):
    response = logged_in.post(new_url(patient), session_post([row("scalenus")]))
    assert response.status_code == 400 and "is not in the muscle catalogue" in response.content.decode()
    assert not TreatmentSession.objects.exists()


def test_lung_field_warning_sits_on_the_muscles_row(logged_in, patient):
    data = session_post([row("Gluteus medius"), row("Upper trapezius")], action="sign")
    html = logged_in.post(new_url(patient), data).content.decode()
    rows = html.split('class="row tm-row"')[1:]
    assert len(rows) >= 2
    assert "row-warning" not in rows[0] and "row-warning" in rows[1]


def test_type_ahead_list_carries_the_abbreviations(logged_in, patient):
    html = logged_in.get(new_url(patient)).content.decode()
    import re

    labels = dict(re.findall(r'<option value="([^"]+)" label="([^"]+)"', html))
    assert labels["Quadratus lumborum"].endswith("· QL")
    assert "VMO" in labels["Vastus medialis"]


def test_every_render_carries_a_fresh_key_and_a_double_save_saves_once(logged_in, patient):
    import re

    keys = [re.search(r'name="idempotency_key" value="([^"]+)"', logged_in.get(new_url(patient)).content.decode())
            .group(1) for _ in range(2)]
    assert keys[0] != keys[1] and len(keys[0]) == 36
    data = session_post([row("Gluteus medius")], idempotency_key=keys[0])
    first = logged_in.post(new_url(patient), data)
    second = logged_in.post(new_url(patient), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert TreatmentSession.objects.count() == 1
    assert AuditEvent.objects.filter(action="create", object_type="treatmentsession").count() == 1


def test_a_refused_save_leaves_the_key_free(logged_in, patient):
    data = session_post([row("Gluteus medius")], needles_used=0, needles_removed=0, idempotency_key="k-refused")
    assert logged_in.post(new_url(patient), data).status_code == 400
    from idempotency.models import IdempotencyKey

    assert not IdempotencyKey.objects.exists()
    data.update(needles_used="1", needles_removed="1")
    assert logged_in.post(new_url(patient), data).status_code == 302
    assert TreatmentSession.objects.count() == 1
