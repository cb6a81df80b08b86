"""The logging page: start from the plan or the last session, save, sign, refusals inline, warnings."""

import re

import pytest
from django.urls import reverse

from records import services
from records.choices import RecordStatus
from records.models import Addendum, AuditEvent, TreatmentSession
from tests.factories import PrecautionFactory
from tests.web.conftest import add_sessions, row, session_post


def new_url(patient, start=""):
    return reverse("web:session_new", args=[patient.pk]) + (f"?start={start}" if start else "")


def muscle_inputs(html):
    return re.findall(r'name="tm-\d+-muscle" value="([^"]*)"', html)


@pytest.fixture
def logged_in(client, physio):
    client.force_login(physio)
    return client


def test_start_from_plan_lists_the_plan_in_order(logged_in, patient, course):
    html = logged_in.get(new_url(patient, "plan")).content.decode()
    assert muscle_inputs(html) == ["Lumbar multifidus", "Gluteus medius", "Piriformis"]
    assert "Started from the plan" in html
    # The datalist offers the L5/S1 myotome first.
    options = re.findall(r'<option value="([^"]+)" label="([^"]+)"', html)
    # (A label may open with the muscle's abbreviations, before the myotome star.)
    assert "★" in options[0][1] and "★" not in options[-1][1]
    assert len(options) == 98


def test_copy_previous_session_and_remembered_needle_size(logged_in, physio, patient):
    add_sessions(physio, patient, 1)
    html = logged_in.get(new_url(patient, "previous")).content.decode()
    assert muscle_inputs(html) == ["Lumbar multifidus", "Gluteus medius", "Upper trapezius"]
    assert 'name="tm-0-segment"' in html and '<option value="L5" selected>' in html
    # No twitch response is copied: today's responses must be observed anew.
    assert 'name="tm-0-twitch_response" value="strong_contraction" class=' not in html
    assert "checked" not in html.split('name="tm-0-twitch_response"')[1].split("</fieldset>")[0]
    blank = logged_in.get(new_url(patient)).content.decode()
    assert 'name="tm-0-needle_length_mm" value="50"' in blank
    assert 'name="tm-0-needle_diameter_mm" value="0.30"' in blank


def test_save_draft_keeps_the_order_of_the_rows(logged_in, physio, patient):
    data = session_post([row("Piriformis", twitch="strong_contraction"), row("lumbar multifidus", segment="L5"),
                         row("gluteus-medius", outcome="partial")],
                        adverse=[{"kind": "bruising", "severity": "mild", "notes": "small"}])
    response = logged_in.post(new_url(patient), data)
    session = TreatmentSession.objects.get(patient=patient)
    assert response.status_code == 302 and response["Location"] == reverse("web:session_edit", args=[session.pk])
    assert session.status == RecordStatus.DRAFT and session.practitioner == physio
    assert list(session.targeted_muscles.order_by("order").values_list("order", "muscle__slug", "segment")) == [
        (1, "piriformis", ""), (2, "multifidus-lumbar", "L5"), (3, "gluteus-medius", "")]
    assert sorted(session.pain_scores.values_list("moment", "score")) == [("post_session", 3), ("pre_session", 7)]
    assert list(session.adverse_events.values_list("kind", "notes")) == [("bruising", "small")]
    assert AuditEvent.objects.filter(action="create", object_id=str(session.pk), route__startswith="POST /").exists()


def test_sign_from_the_logging_page(logged_in, physio, patient):
    response = logged_in.post(new_url(patient), session_post([row("Piriformis")], action="sign"))
    assert response.status_code == 302 and response["Location"] == reverse("web:patient_chart", args=[patient.pk])
    session = TreatmentSession.objects.get(patient=patient)
    assert session.status == RecordStatus.SIGNED and session.signed_by == physio


def test_sharps_mismatch_is_refused_inline_and_nothing_is_saved(logged_in, patient):
    data = session_post([row("Piriformis"), row("Gluteus medius")], action="sign", needles_used=3, needles_removed=2)
    response = logged_in.post(new_url(patient), data)
    assert response.status_code == 400
    html = response.content.decode()
    field = html.split('for="id_needles_removed"')[1].split("</div>")[0]
    assert "Sharps count mismatch: 3 needles used but 2" in field
    assert muscle_inputs(html) == ["Piriformis", "Gluteus medius"]  # the form keeps what was entered
    assert TreatmentSession.objects.count() == 0


def test_missing_consent_is_refused_inline(logged_in, patient_without_consent):
    response = logged_in.post(new_url(patient_without_consent), session_post([row("Piriformis")]))
    assert response.status_code == 400
    assert "Needling needs the patient&#x27;s current consent" in response.content.decode()
    assert TreatmentSession.objects.count() == 0


def test_bad_rows_are_shown_on_their_fields(logged_in, patient):
    data = session_post([row("Piriformis"), row("Not a muscle"), row("Gluteus medius", twitch="")])
    response = logged_in.post(new_url(patient), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "“Not a muscle” is not in the muscle catalogue" in html.split('name="tm-1-muscle"')[1].split("</li>")[0]
    assert "Choose one." in html.split('name="tm-2-twitch_response"')[-1].split("</fieldset>")[0]
    assert TreatmentSession.objects.count() == 0


def test_pain_out_of_range_and_blank_rows(logged_in, patient):
    data = session_post([row("Piriformis"), {"muscle": "", "side": "left"}], pain_before=11)
    response = logged_in.post(new_url(patient), data)
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert TreatmentSession.objects.count() == 0
    data["pain_before"] = "6"
    assert logged_in.post(new_url(patient), data).status_code == 302
    assert TreatmentSession.objects.get().targeted_muscles.count() == 1  # the blank row is ignored


def test_edit_a_draft_then_sign_it(logged_in, physio, patient):
    session = add_sessions(physio, patient, 1, sign=False)[0]
    url = reverse("web:session_edit", args=[session.pk])
    html = logged_in.get(url).content.decode()
    assert muscle_inputs(html) == ["Lumbar multifidus", "Gluteus medius", "Upper trapezius"]
    assert 'name="version" value="1"' in html
    data = session_post([row("Upper trapezius", side="right"), row("Lumbar multifidus")], version=1)
    assert logged_in.post(url, data).status_code == 302
    session.refresh_from_db()
    assert session.version == 2
    assert list(session.targeted_muscles.order_by("order").values_list("muscle__slug", flat=True)) == [
        "trapezius-upper", "multifidus-lumbar"]
    # A stale form (version 1 again) is refused and changes nothing.
    stale = logged_in.post(url, session_post([row("Piriformis")], version=1))
    assert stale.status_code == 400 and "changed since you read it" in stale.content.decode()
    assert session.targeted_muscles.count() == 2
    assert logged_in.post(url, session_post([row("Piriformis")], version=2, action="sign")).status_code == 302
    session.refresh_from_db()
    assert session.status == RecordStatus.SIGNED


def test_another_physio_cannot_edit_a_draft_or_a_signed_session(client, physio, physio2, patient):
    draft, = add_sessions(physio, patient, 1, sign=False)
    signed, = add_sessions(physio, patient, 1)
    client.force_login(physio2)
    assert client.get(reverse("web:session_edit", args=[draft.pk])).status_code == 403
    assert client.post(reverse("web:session_edit", args=[draft.pk]), session_post([row("Piriformis")])).status_code \
        == 403
    response = client.post(reverse("web:session_edit", args=[signed.pk]), session_post([row("Piriformis")]))
    assert response.status_code == 302 and response["Location"] == reverse("web:session_detail", args=[signed.pk])
    detail = client.get(reverse("web:session_detail", args=[signed.pk])).content.decode()
    assert "Edit draft" not in detail and "Add addendum" in detail and "read-only" in detail
    assert draft.targeted_muscles.count() == 3 and signed.targeted_muscles.count() == 3
    assert client.post(reverse("web:session_delete", args=[draft.pk])).status_code == 302
    assert TreatmentSession.objects.filter(pk=draft.pk).exists()


def test_the_author_deletes_a_draft(logged_in, physio, patient):
    draft, = add_sessions(physio, patient, 1, sign=False)
    assert logged_in.post(reverse("web:session_delete", args=[draft.pk])).status_code == 302
    assert not TreatmentSession.objects.filter(pk=draft.pk).exists()


def test_addendum_on_a_signed_session(client, physio, physio2, patient):
    signed, = add_sessions(physio, patient, 1)
    client.force_login(physio2)
    response = client.post(reverse("web:session_addendum", args=[signed.pk]), {"text": "Bruise resolved by day 3."})
    assert response.status_code == 302
    addendum = Addendum.objects.get(session=signed)
    assert (addendum.author, addendum.text) == (physio2, "Bruise resolved by day 3.")
    page = client.get(reverse("web:session_detail", args=[signed.pk])).content.decode()
    assert "Bruise resolved by day 3." in page
    assert client.post(reverse("web:session_addendum", args=[signed.pk]), {"text": "  "}).status_code == 302
    assert Addendum.objects.count() == 1


def test_addendum_is_refused_on_a_draft(logged_in, physio, patient):
    draft, = add_sessions(physio, patient, 1, sign=False)
    logged_in.post(reverse("web:session_addendum", args=[draft.pk]), {"text": "x"})
    assert Addendum.objects.count() == 0


def test_warnings_before_saving(logged_in, patient):
    PrecautionFactory(patient=patient, code="anticoagulants", note="Apixaban")
    data = session_post([row("Upper trapezius", side="left"), row("Pectoralis major", side="right")])
    response = logged_in.post(reverse("web:session_warnings", args=[patient.pk]), data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Needling over the lung field" in html and "both sides of the thorax" in html
    assert "Precaution: Anticoagulants — Apixaban." in html
    assert TreatmentSession.objects.count() == 0
    # The logging page shows the precaution warning before anything is typed.
    assert "Precaution: Anticoagulants — Apixaban." in logged_in.get(new_url(patient)).content.decode()


def test_signed_session_detail_is_read_only(logged_in, physio, patient):
    signed, = add_sessions(physio, patient, 1)
    services.addendum_create(actor=physio, record=signed, text="Late entry.")
    html = logged_in.get(reverse("web:session_detail", args=[signed.pk])).content.decode()
    assert "Signed</span> by" in html and "Late entry." in html
    assert "<input" not in html.split('id="session-releases"')[1].split("</table>")[0]
    assert AuditEvent.objects.filter(action="view", object_type="treatmentsession", object_id=str(signed.pk)).exists()


def test_logging_page_queries_do_not_grow_with_the_plan(logged_in, physio, clinic, patient):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from records.models import Muscle
    from tests.factories import ConsentFactory, PatientFactory

    def count(someone):
        with CaptureQueriesContext(connection) as queries:
            assert logged_in.get(new_url(someone, "plan")).status_code == 200
        return len(queries)

    muscles = list(Muscle.objects.order_by("name")[:12])
    short = PatientFactory(clinic=clinic)
    ConsentFactory(patient=short, recorded_by=physio)
    for someone, size in ((short, 3), (patient, 12)):
        services.assessment_create(actor=physio, patient=someone, chief_complaint="Neck and arm",
                                   affected_segments=["C5", "C6"],
                                   plan=[{"muscle": m, "side": "left"} for m in muscles[:size]])
        add_sessions(physio, someone, 2)
    count(short)
    # 14 reads + the practitioner's needling authorisations + the access log INSERT
    assert count(short) == count(patient) == 16


def test_background_warnings_never_write_the_session_back(logged_in, patient):
    """A concurrent htmx request must not overwrite the flash message a submit stored."""
    from django.contrib.sessions.models import Session

    key = logged_in.session.session_key
    logged_in.get(reverse("web:patient_list"))
    stored = Session.objects.get(pk=key)
    logged_in.post(reverse("web:session_warnings", args=[patient.pk]), session_post([row("Piriformis")]))
    logged_in.get(reverse("web:suggested_muscles"), {"affected_segments": ["L5"]})
    untouched = Session.objects.get(pk=key)
    assert (untouched.session_data, untouched.expire_date) == (stored.session_data, stored.expire_date)
    expiry = untouched.expire_date
    logged_in.get(reverse("web:patient_list"))
    assert Session.objects.get(pk=key).expire_date > expiry  # ordinary pages still renew it
