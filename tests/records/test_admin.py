"""The Django admin: clinic scoping, policy permissions, and writes through services."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin as django_admin
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from records import services
from records.admin.base import scoped_choices
from records.choices import AuditAction, RecordStatus
from records.models import (
    Addendum,
    AuditEvent,
    Consent,
    Patient,
    Precaution,
    TreatmentSession,
)
from tests.factories import ConsentFactory, PatientFactory, muscle

pytestmark = pytest.mark.django_db


# --- helpers --------------------------------------------------------------------------


class _FormFields(HTMLParser):
    """Collects what a browser would submit from the page's main form (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = None
        self._textarea = None
        self._selected = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.setdefault(name, []).append(attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select, self._selected = name, False
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select].append(attrs.get("value", ""))
            self._selected = True
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            if self._select and not self._selected:
                self.data[self._select] = [""]
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data


def page_form(response) -> dict:
    parser = _FormFields()
    parser.feed(response.content.decode())
    parser.data.pop("csrfmiddlewaretoken", None)
    parser.data.pop("q", None)
    return {name: values if len(values) > 1 else (values[0] if values else "") for name, values in parser.data.items()}


def change_url(obj) -> str:
    return reverse(f"admin:records_{obj._meta.model_name}_change", args=[obj.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def staff_admin(clinic_admin):
    """The clinic's admin, with staff status so the Django admin lets them in."""
    clinic_admin.is_staff = True
    clinic_admin.save(update_fields=["is_staff"])
    return clinic_admin


@pytest.fixture
def other_staff_admin(other_admin):
    other_admin.is_staff = True
    other_admin.save(update_fields=["is_staff"])
    return other_admin


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "a-long-root-password")


def targets(*, twitch="local_twitch"):
    return [
        {"muscle": muscle("multifidus-lumbar"), "side": "left", "segment": "L5",
         "twitch_response": "strong_contraction", "outcome": "partial"},
        {"muscle": muscle("gluteus-medius"), "side": "left", "twitch_response": twitch, "outcome": "released"},
    ]


def draft(physio, patient, started_at, **kwargs):
    kwargs.setdefault("targeted_muscles", targets())
    kwargs.setdefault("needles_used", 2)
    kwargs.setdefault("needles_removed", 2)
    return services.session_record(actor=physio, patient=patient, started_at=started_at, **kwargs)


# --- who may enter, and what they see -----------------------------------------------------


def test_clinic_admin_of_another_clinic_cannot_see_or_open_a_patient(client, patient, other_staff_admin):
    client.force_login(other_staff_admin)
    other = PatientFactory(clinic=other_staff_admin.membership.clinic, given_name="Visible", family_name="Here")

    listing = client.get(reverse("admin:records_patient_changelist"))
    assert listing.status_code == 200
    assert "Here" in listing.content.decode()
    assert patient.family_name not in listing.content.decode()
    assert list(listing.context["cl"].queryset) == [other]

    opened = client.get(change_url(patient))
    assert opened.status_code == 302
    assert opened.url == reverse("admin:index")
    assert not AuditEvent.objects.filter(patient=patient, action="view").exists()
    # Nor through the nested rows' own pages.
    assert client.get(change_url(Consent.objects.get(patient=patient))).status_code == 302


def test_superuser_sees_both_clinics(client, superuser, patient, other_patient):
    client.force_login(superuser)
    listing = client.get(reverse("admin:records_patient_changelist"))
    assert set(listing.context["cl"].queryset) == {patient, other_patient}
    body = listing.content.decode()
    assert patient.family_name in body and other_patient.family_name in body
    assert client.get(change_url(other_patient)).status_code == 200


def test_physiotherapists_and_readers_cannot_use_the_admin(client, physio, reader):
    # Not staff: the admin sends them to its login page.
    client.force_login(physio)
    assert client.get(reverse("admin:records_patient_changelist")).status_code == 302
    # Even with staff status their role gives them no admin page.
    reader.is_staff = True
    reader.save(update_fields=["is_staff"])
    client.force_login(reader)
    assert client.get(reverse("admin:records_patient_changelist")).status_code == 403
    index = client.get(reverse("admin:index"))
    assert index.context["app_list"] == []


def test_foreign_key_choices_are_scoped_to_the_clinic(rf, staff_admin, superuser, physio, other_physio, patient,
                                                      other_patient, yesterday):
    ours = draft(physio, patient, yesterday)
    services.session_sign(actor=physio, session=ours)
    theirs = draft(other_physio, other_patient, yesterday)
    services.session_sign(actor=other_physio, session=theirs)

    addendum_admin = django_admin.site.get_model_admin(Addendum)
    request = rf.get("/")
    request.user = staff_admin
    field = addendum_admin.formfield_for_foreignkey(Addendum._meta.get_field("session"), request)
    assert list(field.queryset) == [ours]

    request.user = superuser
    field = addendum_admin.formfield_for_foreignkey(Addendum._meta.get_field("session"), request)
    assert set(field.queryset) == {ours, theirs}

    User = get_user_model()  # noqa: N806
    assert set(scoped_choices(User, staff_admin)) == {staff_admin, physio}
    assert list(scoped_choices(Patient, staff_admin)) == [patient]
    assert scoped_choices(Patient, superuser) is None


# --- patients: writes through services ------------------------------------------------------


def test_clinic_admin_adds_a_patient_with_precautions_and_consent(client, staff_admin, clinic):
    client.force_login(staff_admin)
    add_url = reverse("admin:records_patient_add")
    form = page_form(client.get(add_url))
    assert "clinic" not in form  # a clinic admin adds to their own clinic only
    form.update(
        {
            "chart_number": "", "given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1985-12-10",
            "sex": "female", "email": "ada@example.org",
            "consent_form_version": "IMS-consent-v3", "consent_given_at_0": "", "consent_given_at_1": "",
            "precautions-0-code": "anticoagulants", "precautions-0-note": "Warfarin",
        }
    )
    response = client.post(add_url, form)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors

    patient = Patient.objects.get(family_name="Lovelace")
    assert patient.clinic == clinic
    assert patient.chart_number == "P000001"
    assert list(patient.precautions.values_list("code", "note")) == [("anticoagulants", "Warfarin")]
    consent = Consent.objects.get(patient=patient)
    assert consent.form_version == "IMS-consent-v3" and consent.recorded_by == staff_admin
    created = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="patient", patient=patient)
    assert created.actor == staff_admin
    assert created.after["precautions"] == [{"code": "anticoagulants", "note": "Warfarin"}]
    assert AuditEvent.objects.filter(action=AuditAction.CONSENT, patient=patient).count() == 1


def test_patient_change_page_logs_the_view_and_writes_changes_through_services(
    client, staff_admin, physio, patient, yesterday
):
    Precaution.objects.create(clinic=patient.clinic, patient=patient, code="pregnancy", note="")
    session = draft(physio, patient, yesterday)
    client.force_login(staff_admin)

    page = client.get(change_url(patient))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Release order across sessions" in body
    assert "Gluteus medius (left)" in body and "2. Local twitch response" in body
    view = AuditEvent.objects.get(action="view", patient=patient)
    assert view.object_type == "admin_patient" and view.actor == staff_admin

    form = page_form(page)
    assert "withdraw_consent" in form or "withdraw_consent" in page.context["adminform"].form.fields
    form.update(
        {
            "family_name": "Quinlan-Hart",
            "withdraw_consent": "on",
            "precautions-0-DELETE": "on",
            "precautions-1-code": "history_of_syncope",
            "precautions-1-note": "Treat lying down",
        }
    )
    response = client.post(change_url(patient), form)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors

    patient.refresh_from_db()
    assert patient.family_name == "Quinlan-Hart"
    assert list(patient.precautions.values_list("code", flat=True)) == ["history_of_syncope"]
    assert Consent.objects.get(patient=patient).withdrawn_at is not None
    update = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="patient", patient=patient)
    assert update.changes["family_name"] == ["Quinlan", "Quinlan-Hart"]
    precautions = AuditEvent.objects.get(object_type="precautions", patient=patient)
    assert precautions.before == {"precautions": [{"code": "pregnancy", "note": ""}]}
    assert AuditEvent.objects.filter(action=AuditAction.CONSENT_WITHDRAW, patient=patient).count() == 1
    assert session.pk  # the draft is untouched by patient edits


def test_duplicate_chart_number_is_a_form_error_and_nothing_is_saved(client, staff_admin, patient, clinic):
    other = PatientFactory(clinic=clinic, chart_number="C-77")
    client.force_login(staff_admin)
    form = page_form(client.get(change_url(patient)))
    form["chart_number"] = "C-77"
    form["family_name"] = "Changed"
    response = client.post(change_url(patient), form)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["chart_number"] == [
        "This chart number is already used in the clinic."
    ]
    patient.refresh_from_db()
    assert patient.family_name == "Quinlan" and other.chart_number == "C-77"
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()


def test_stale_patient_page_is_refused(client, staff_admin, patient):
    client.force_login(staff_admin)
    form = page_form(client.get(change_url(patient)))
    services.patient_update(actor=staff_admin, patient=patient, phone="555-0000")
    form["family_name"] = "Overwrite"
    response = client.post(change_url(patient), form)
    assert response.status_code == 200
    assert "changed since you read it" in str(response.context["adminform"].form.non_field_errors())
    patient.refresh_from_db()
    assert patient.family_name == "Quinlan" and patient.phone == "555-0000"


def test_archive_action_and_no_deletion(client, staff_admin, patient):
    client.force_login(staff_admin)
    changelist = reverse("admin:records_patient_changelist")
    response = client.post(changelist, {"action": "archive_patients", "_selected_action": [patient.pk]}, follow=True)
    assert "Archived 1 patient(s)." in messages_of(response)
    patient.refresh_from_db()
    assert patient.archived_at is not None
    event = AuditEvent.objects.get(action=AuditAction.ARCHIVE, patient=patient)
    assert event.before["archived_at"] is None and event.after["archived_at"] is not None

    assert client.get(reverse("admin:records_patient_delete", args=[patient.pk])).status_code == 403
    actions = client.get(changelist).context["cl"].model_admin.get_actions(client.get(changelist).wsgi_request)
    assert "delete_selected" not in actions


# --- sessions -------------------------------------------------------------------------------


def sign_action(client, sessions):
    return client.post(
        reverse("admin:records_treatmentsession_changelist"),
        {"action": "sign_sessions", "_selected_action": [s.pk for s in sessions]},
        follow=True,
    )


def test_sign_action_signs_and_reports_each_refusal(client, superuser, physio, patient, clinic, yesterday, now):
    good = draft(physio, patient, yesterday - dt.timedelta(days=3))
    mismatch = draft(physio, patient, yesterday - dt.timedelta(days=2), needles_used=2, needles_removed=1)
    already = draft(physio, patient, yesterday - dt.timedelta(days=1))
    services.session_sign(actor=physio, session=already)
    withdrawn = PatientFactory(clinic=clinic, chart_number="W-1")
    ConsentFactory(patient=withdrawn, recorded_by=physio)
    no_consent = draft(physio, withdrawn, yesterday)
    services.consent_withdraw(actor=physio, patient=withdrawn, withdrawn_at=now)

    client.force_login(superuser)
    response = sign_action(client, [good, mismatch, already, no_consent])
    shown = messages_of(response)

    assert "Signed 1 session(s)." in shown
    assert any("Sharps count mismatch: 2 needles used but 1 removed" in m for m in shown)
    assert any("already signed" in m for m in shown)
    assert any(m.startswith("Session of W-1 not signed") and "consent" in m for m in shown)
    statuses = dict(TreatmentSession.objects.values_list("pk", "status"))
    assert statuses == {
        good.pk: RecordStatus.SIGNED, mismatch.pk: RecordStatus.DRAFT,
        already.pk: RecordStatus.SIGNED, no_consent.pk: RecordStatus.DRAFT,
    }
    assert AuditEvent.objects.filter(action=AuditAction.SIGN, object_id=str(good.pk), actor=superuser).exists()


def test_clinic_admin_reviews_sessions_but_cannot_sign_or_edit(client, staff_admin, physio, patient, yesterday):
    session = draft(physio, patient, yesterday)
    client.force_login(staff_admin)
    changelist = client.get(reverse("admin:records_treatmentsession_changelist"))
    assert "sign_sessions" not in changelist.context["cl"].model_admin.get_actions(changelist.wsgi_request)
    page = client.get(change_url(session))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert client.post(change_url(session), {"notes": "x"}).status_code == 403
    assert client.get(reverse("admin:records_treatmentsession_delete", args=[session.pk])).status_code == 403


def test_signed_session_is_read_only_with_its_inlines(client, superuser, physio, patient, yesterday):
    session = draft(physio, patient, yesterday, adverse_events=[{"kind": "bruising", "severity": "mild"}],
                    pain_scores=[{"moment": "pre_session", "score": 6}, {"moment": "post_session", "score": 3}])
    services.session_sign(actor=physio, session=session)
    client.force_login(superuser)

    page = client.get(change_url(session))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    body = page.content.decode()
    assert 'name="needles_used"' not in body and 'name="targeted_muscles-0-order"' not in body
    # Inlines in release order, read-only.
    targeted = [f for f in page.context["inline_admin_formsets"] if f.formset.model.__name__ == "TargetedMuscle"][0]
    assert not targeted.has_change_permission
    assert [form.instance.order for form in targeted.formset.forms] == [1, 2]
    assert body.index("Lumbar multifidus") < body.index("Gluteus medius")
    assert "Bruising" in body

    session.refresh_from_db()
    before = session.version
    assert client.post(change_url(session), {"notes": "changed"}).status_code == 403
    assert client.get(reverse("admin:records_treatmentsession_delete", args=[session.pk])).status_code == 403
    session.refresh_from_db()
    assert session.version == before and session.notes == ""


def test_draft_session_edit_goes_through_session_update(client, superuser, physio, patient, yesterday):
    session = draft(physio, patient, yesterday)
    client.force_login(superuser)
    page = client.get(change_url(session))
    form = page_form(page)
    assert form["targeted_muscles-0-order"] == "1"
    form["notes"] = "Tolerated well."
    form["targeted_muscles-1-twitch_response"] = "needle_grasp"
    response = client.post(change_url(session), form)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors

    session.refresh_from_db()
    assert session.notes == "Tolerated well." and session.version == 2
    assert list(session.targeted_muscles.order_by("order").values_list("muscle__slug", "twitch_response")) == [
        ("multifidus-lumbar", "strong_contraction"),
        ("gluteus-medius", "needle_grasp"),
    ]
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(session.pk))
    assert event.actor == superuser
    assert event.before["targeted_muscles"][1]["twitch_response"] == "local_twitch"


def test_deleting_a_draft_uses_the_service_and_signed_ones_stay(client, superuser, physio, patient, yesterday):
    kept = draft(physio, patient, yesterday - dt.timedelta(days=1))
    services.session_sign(actor=physio, session=kept)
    doomed = draft(physio, patient, yesterday)
    client.force_login(superuser)

    response = client.post(reverse("admin:records_treatmentsession_delete", args=[doomed.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not TreatmentSession.objects.filter(pk=doomed.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETE, object_id=str(doomed.pk), actor=superuser).exists()

    refused = client.post(
        reverse("admin:records_treatmentsession_changelist"),
        {"action": "delete_selected", "_selected_action": [kept.pk], "post": "yes"},
    )
    assert refused.status_code in (200, 403)
    assert TreatmentSession.objects.filter(pk=kept.pk, status=RecordStatus.SIGNED).exists()


# --- audit events and addenda ---------------------------------------------------------------


def test_audit_events_are_read_only_for_everyone(client, staff_admin, superuser, patient, other_patient):
    services.patient_update(actor=staff_admin, patient=patient, phone="555-1234")
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, patient=patient)
    foreign = services.audit_view(actor=superuser, patient=other_patient, what="admin_patient")

    client.force_login(staff_admin)
    listing = client.get(reverse("admin:records_auditevent_changelist"), {"action__exact": "update"})
    assert list(listing.context["cl"].queryset) == [event]
    assert client.get(change_url(foreign)).status_code == 302
    page = client.get(change_url(event))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert "555-1234" in page.content.decode()

    for user in (staff_admin, superuser):
        client.force_login(user)
        assert client.get(reverse("admin:records_auditevent_add")).status_code == 403
        assert client.post(change_url(event), {"action": "delete"}).status_code == 403
        assert client.get(reverse("admin:records_auditevent_delete", args=[event.pk])).status_code == 403
    event.refresh_from_db()
    assert event.action == AuditAction.UPDATE
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_addendum_is_added_through_the_service_and_then_read_only(client, superuser, physio, patient, yesterday):
    session = draft(physio, patient, yesterday)
    unsigned = draft(physio, patient, yesterday + dt.timedelta(hours=2))
    client.force_login(superuser)
    add_url = reverse("admin:records_addendum_add")
    page = client.get(add_url)
    assert list(page.context["adminform"].form.fields["session"].queryset) == []  # only signed records

    services.session_sign(actor=physio, session=session)
    response = client.post(add_url, {"session": session.pk, "assessment": "", "text": "Left side, not right."})
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    addendum = Addendum.objects.get(session=session)
    assert addendum.author == superuser and addendum.patient == patient
    assert AuditEvent.objects.filter(action=AuditAction.ADDENDUM, object_id=str(addendum.pk)).exists()

    assert client.post(add_url, {"session": unsigned.pk, "text": "x"}).status_code == 200
    assert client.post(change_url(addendum), {"text": "rewritten"}).status_code == 403
    assert client.get(reverse("admin:records_addendum_delete", args=[addendum.pk])).status_code == 403
    addendum.refresh_from_db()
    assert addendum.text == "Left side, not right."


def test_every_model_is_registered():
    for model in apps.get_app_config("records").get_models():
        assert django_admin.site.is_registered(model), model.__name__


def test_clinic_admin_sees_only_their_clinic_and_staff(client, staff_admin, other_staff_admin, physio):
    client.force_login(staff_admin)
    clinics = client.get(reverse("admin:records_clinic_changelist"))
    assert [c.slug for c in clinics.context["cl"].queryset] == ["harbour"]
    memberships = client.get(reverse("admin:records_membership_changelist"))
    assert {m.user.username for m in memberships.context["cl"].queryset} == {"clinicadmin", "physio"}
    assert memberships.context["cl"].model_admin.has_add_permission(memberships.wsgi_request) is False


def test_superuser_adds_a_patient_to_a_chosen_clinic(client, superuser, other_clinic):
    client.force_login(superuser)
    add_url = reverse("admin:records_patient_add")
    form = page_form(client.get(add_url))
    assert "clinic" in form
    form.update({"clinic": str(other_clinic.pk), "given_name": "Kai", "family_name": "Tane",
                 "date_of_birth": "1990-01-02", "sex": "male"})
    response = client.post(add_url, form)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    patient = Patient.objects.get(family_name="Tane")
    assert (patient.clinic, patient.chart_number) == (other_clinic, "P000001")
    assert not Consent.objects.filter(patient=patient).exists()  # consent fields left blank
    assert AuditEvent.objects.get(action=AuditAction.CREATE, patient=patient).actor == superuser


def test_future_birth_date_is_shown_on_its_field(client, staff_admin):
    client.force_login(staff_admin)
    add_url = reverse("admin:records_patient_add")
    form = page_form(client.get(add_url))
    form.update({"given_name": "Future", "family_name": "Child", "date_of_birth": "2999-01-01", "sex": "female"})
    response = client.post(add_url, form)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["date_of_birth"] == ["Date of birth cannot be in the future."]
    assert not Patient.objects.filter(family_name="Child").exists()


def test_draft_assessment_plan_edit_and_sign_action(client, superuser, physio, patient, yesterday):
    assessment = services.assessment_create(
        actor=physio, patient=patient, assessed_at=yesterday, chief_complaint="Neck pain",
        affected_segments=["C5"],
        plan=[{"muscle": "multifidus-cervical", "side": "right"}, {"muscle": "infraspinatus", "side": "right"}],
    )
    client.force_login(superuser)
    form = page_form(client.get(change_url(assessment)))
    assert [form["plan-0-order"], form["plan-1-order"]] == ["1", "2"]
    form["plan-1-DELETE"] = "on"
    response = client.post(change_url(assessment), form)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert list(assessment.plan.values_list("muscle__slug", flat=True)) == ["multifidus-cervical"]
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(assessment.pk))
    assert len(event.before["plan"]) == 2 and len(event.after["plan"]) == 1

    response = client.post(
        reverse("admin:records_assessment_changelist"),
        {"action": "sign_assessments", "_selected_action": [assessment.pk]}, follow=True,
    )
    assert "Signed 1 assessment(s)." in messages_of(response)
    assessment.refresh_from_db()
    assert assessment.status == RecordStatus.SIGNED and assessment.signed_by == superuser
    page = client.get(change_url(assessment))
    assert not page.context["has_change_permission"]


def test_nested_refusal_from_the_service_is_a_message_and_nothing_changes(client, superuser, physio, patient,
                                                                          yesterday):
    session = draft(physio, patient, yesterday)
    client.force_login(superuser)
    form = page_form(client.get(change_url(session)))
    form["notes"] = "Should not be saved"
    form["pain_scores-0-moment"] = "baseline"  # baseline pain belongs to the assessment
    form["pain_scores-0-score"] = "5"
    form["pain_scores-0-recorded_at_0"] = yesterday.date().isoformat()
    form["pain_scores-0-recorded_at_1"] = "10:00:00"
    form["pain_scores-TOTAL_FORMS"] = str(max(1, int(form["pain_scores-TOTAL_FORMS"])))
    response = client.post(change_url(session), form, follow=True)
    assert any("pain_scores[0].moment" in m for m in messages_of(response))
    session.refresh_from_db()
    assert session.notes == "" and session.version == 1 and not session.pain_scores.exists()


def _changelist_queries(client, name):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(f"admin:records_{name}_changelist"))
    assert response.status_code == 200
    return len(captured), response.context["cl"].result_count


@pytest.mark.parametrize("name", ["patient", "treatmentsession", "auditevent", "targetedmuscle", "consent"])
def test_changelist_query_count_does_not_grow_with_rows(client, staff_admin, physio, clinic, yesterday, name):
    def add_patients(count):
        for _ in range(count):
            patient = PatientFactory(clinic=clinic)
            ConsentFactory(patient=patient, recorded_by=physio)
            Precaution.objects.create(clinic=clinic, patient=patient, code="diabetes")
            draft(physio, patient, yesterday)

    client.force_login(staff_admin)
    add_patients(2)
    few, few_rows = _changelist_queries(client, name)
    add_patients(8)
    many, many_rows = _changelist_queries(client, name)
    assert many_rows > few_rows
    assert many == few
