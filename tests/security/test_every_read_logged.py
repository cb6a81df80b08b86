"""Every URL pattern is accounted for: those that return patient data write one ``view``
event naming the patient(s) and send ``Cache-Control: no-store``; the rest are listed here
with the reason they carry none. A new URL that is in neither list fails the walk."""

import re
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from records.models import AuditEvent
from tests.api.conftest import World, record_assessment

pytestmark = pytest.mark.django_db


def _walk(resolver, prefix="", namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield namespace + (pattern.name or ""), prefix + str(pattern.pattern)


def all_url_names() -> set[str]:
    return {name for name, _route in _walk(get_resolver())}


# URL name → how to GET it (format fields: the World's ids). Each must log and send no-store.
READS = {
    "patient-list": "/api/v1/patients/",
    "patient-detail": "/api/v1/patients/{patient}/",
    "patient-release-order": "/api/v1/patients/{patient}/release-order/",
    "patient-timeline": "/api/v1/patients/{patient}/timeline/",
    "assessment-list": "/api/v1/assessments/",
    "assessment-detail": "/api/v1/assessments/{assessment}/",
    "session-list": "/api/v1/sessions/",
    "session-detail": "/api/v1/sessions/{session}/",
    "pain-score-list": "/api/v1/pain-scores/",
    "pain-score-detail": "/api/v1/pain-scores/{pain}/",
    "fhir:everything": "/fhir/R4/Patient/{patient}/$everything",
    "fhir:search": "/fhir/R4/Encounter?patient={patient}",
    "fhir:read": "/fhir/R4/Patient/{patient}",
    "web:patient_list": "/patients/",
    "web:patient_chart": "/patients/{patient}/",
    "web:patient_details": "/patients/{patient}/details/",
    "web:session_new": "/patients/{patient}/sessions/new/",
    "web:assessment_new": "/patients/{patient}/assessments/new/",
    "web:session_detail": "/sessions/{session}/",
    "web:session_edit": "/sessions/{draft_session}/edit/",
    "web:assessment_detail": "/assessments/{assessment}/",
    "web:assessment_edit": "/assessments/{draft_assessment}/edit/",
    "patient-documents": "/api/v1/patients/{patient}/documents/",
}
# Reads that log, tested where their data is made (this walk's world has none of it), or
# audited as an ``export`` event naming the patient (documents, bulk export): URL name → test.
READS_TESTED_ELSEWHERE = {
    "document-detail": "tests/api/test_documents.py::test_every_read_is_logged_as_a_view_of_the_patient",
    "document-download": "tests/api/test_documents.py::test_every_read_is_logged_as_a_view_of_the_patient",
    "web:attachment_download": "tests/web/test_documents.py",
    "outcome-response-list": "tests/api/test_outcomes.py::test_list_filters_isolation_and_access_log",
    "outcome-response-detail": "tests/api/test_outcomes.py (the view base notes the patient)",
    "objective-measure-list": "tests/api/test_outcomes.py (the view base notes the patients)",
    "objective-measure-detail": "tests/api/test_outcomes.py (the view base notes the patient)",
    "api-changes": "tests/api/test_changes.py::test_reading_the_feed_is_logged_naming_patients",
    "patient-summary-pdf": "tests/api/test_pdfs.py (an export event)",
    "session-document-pdf": "tests/api/test_pdfs.py::test_issuing_a_note_is_audited_as_an_export_of_the_patient",
    "web:patient_summary_pdf": "tests/web/test_documents.py (an export event)",
    "web:session_note_pdf": "tests/web/test_documents.py (an export event)",
    "fhir:export-patient": "tests/api/fhir/test_bulk_export.py (an export event)",
    "fhir:export-group": "tests/api/fhir/test_bulk_export.py (an export event)",
    "fhir:bulk-status": "tests/api/fhir/test_bulk_export.py (the manifest: file URLs only)",
    "fhir:bulk-file": "tests/api/fhir/test_bulk_export.py (each download an event naming its patients)",
}
# Reads by POST (the search's terms stay out of the URL).
POST_READS = {
    "fhir:search-post": ("/fhir/R4/Encounter/_search", {"patient": "{patient}"}),
    "web:session_warnings": ("/patients/{patient}/sessions/warnings/", {}),  # the patient's precautions
}

# URL name → why it returns no patient data to a GET.
NO_PATIENT_DATA = {
    "login": "the sign-in form", "logout": "signs out", "password_change": "a password form",
    "password_change_done": "a message", "password_reset": "a form", "password_reset_done": "a message",
    "password_reset_confirm": "a password form", "password_reset_complete": "a message",
    "api-token": "issues tokens", "api-schema": "the OpenAPI schema", "api-docs": "the docs page",
    "muscle-list": "reference catalogue", "muscle-detail": "reference catalogue",
    "audit-event-list": "the trail itself (ids only; reading it is not a read of a record)",
    "export-targeted-muscles": "pseudonymised, audited as an `export` event (tests/api/test_exports.py)",
    "patient-archive": "POST only", "patient-consent": "POST only", "patient-consent-withdraw": "POST only",
    "assessment-addenda": "POST only", "assessment-sign": "POST only",
    "session-addenda": "POST only", "session-sign": "POST only",
    "assessment-verify": "the digest's state only", "session-verify": "the digest's state only",
    "fhir:base": "an OperationOutcome", "fhir:metadata": "CapabilityStatement", "fhir:unknown": "OperationOutcome",
    "web:home": "a redirect", "web:patient_create": "an empty form",
    "web:consent_withdraw": "POST only", "web:patient_archive": "POST only",
    "web:session_delete": "POST only", "web:session_addendum": "POST only", "web:assessment_addendum": "POST only",
    "web:suggested_muscles": "reference catalogue",
    "admin:": "the admin's unnamed catch-all (redirects or 404)",
    "account_link": "the invitation / reset password form", "mfa_setup": "the user's own MFA",
    "mfa_verify": "the second-factor form", "web:account": "the user's own account",
    "api-outcome-report": "aggregates; no patient named", "web:outcome_report": "aggregates; no patient named",
    "outcome-instrument-list": "reference instruments",
    "patient-unarchive": "POST only", "web:patient_unarchive": "POST only", "web:attachment_upload": "POST only",
    "staff-list": "staff, not patients", "staff-detail": "staff, not patients",
    "staff-authorisations": "staff, not patients", "staff-deactivate": "POST only",
    "staff-reactivate": "POST only", "staff-password-reset": "POST only", "staff-revoke-tokens": "POST only",
    "staff-mfa-reset": "POST only",
    "web:staff_list": "staff, not patients", "web:staff_detail": "staff, not patients",
    "web:staff_deactivate": "a confirmation about a staff member", "web:staff_reactivate": "POST only",
    "web:staff_reset_link": "POST only", "web:staff_revoke_tokens": "POST only", "web:staff_mfa_reset": "POST only",
    "webhook-endpoint-list": "endpoints (URLs, event types)", "webhook-endpoint-detail": "an endpoint",
    "webhook-endpoint-deliveries": "delivery log: ids and status, no patient data",
    "webhook-endpoint-replay": "POST only", "webhook-endpoint-rotate-secret": "POST only",
    "web:webhook_list": "endpoints", "web:webhook_detail": "an endpoint and its delivery log",
    "web:webhook_banner": "a banner about failing endpoints",
}
# Admin pages: per registered model, the change list, change and history pages are reads
# (checked below for the patient and session admins, and by the base for all); the rest
# are the admin's own pages, or add/delete pages the clinical admin refuses.
ADMIN_READ_SUFFIXES = ("_changelist", "_change", "_history")
ADMIN_OTHER = re.compile(
    r"^admin:(index|login|logout|password_change|password_change_done|jsi18n|view_on_site|autocomplete|app_list"
    r"|\w+_(add|delete)"
    # The task queue's pages (superusers; jobs carry event ids, never patient data) and
    # django-otp's device pages (a staff member's own second factor).
    r"|django_rq_\w+|otp_totp_totpdevice_(config|qrcode))$"
)


@pytest.fixture
def world(physio, patient, patient_without_consent):
    world = World(physio, patient, patient_without_consent)
    world.ids = {
        "patient": patient.pk, "session": world.signed_session.pk, "draft_session": world.draft_session.pk,
        "assessment": world.signed_assessment.pk, "draft_assessment": record_assessment(physio, patient).pk,
        "pain": world.pain_score.pk,
    }
    return world


def test_every_url_is_either_a_logged_read_or_listed_as_carrying_no_patient_data():
    unaccounted = []
    for name in sorted(all_url_names()):
        if name in READS or name in POST_READS or name in NO_PATIENT_DATA or name in READS_TESTED_ELSEWHERE:
            continue
        if name.startswith("admin:") and (name.endswith(ADMIN_READ_SUFFIXES) or ADMIN_OTHER.match(name)):
            continue
        unaccounted.append(name)
    assert unaccounted == [], "New URLs must log their reads (READS) or say why they carry no patient data"
    listed = set(READS) | set(POST_READS) | set(NO_PATIENT_DATA) | set(READS_TESTED_ELSEWHERE)
    assert not listed - all_url_names(), "stale entries"


@pytest.mark.parametrize("name", sorted(READS))
def test_each_read_writes_one_view_event_naming_the_patient_and_is_not_stored(name, world, physio, patient):
    cache.clear()
    client = Client()
    client.force_login(physio)
    before = set(AuditEvent.objects.filter(action="view").values_list("pk", flat=True))
    response = client.get(READS[name].format(**world.ids))
    assert response.status_code == 200, (name, response.status_code)
    assert "no-store" in response["Cache-Control"], name
    events = AuditEvent.objects.filter(action="view").exclude(pk__in=before)
    assert events.count() == 1, name
    event = events.get()
    assert str(patient.pk) in event.patients and event.actor == physio and event.request_id, name
    assert str(patient.pk) not in event.route


@pytest.mark.parametrize("name", sorted(POST_READS))
def test_reads_by_post_are_logged(name, world, physio, patient):
    client = Client()
    client.force_login(physio)
    path, form = POST_READS[name]
    body = urlencode({key: value.format(**world.ids) for key, value in form.items()})
    response = client.post(
        path.format(**world.ids), body, content_type="application/x-www-form-urlencoded", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [event] = AuditEvent.objects.filter(action="view")
    assert event.patients == [str(patient.pk)] and event.actor == physio


RECORDS_ADMINS = sorted(m._meta.model_name for m in admin.site._registry if m._meta.app_label == "records")


@pytest.mark.parametrize("model", RECORDS_ADMINS)
def test_admin_reads_are_logged(model, world, django_user_model, patient):
    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.model_name == model)
    lookup = model_admin.patient_lookup() if hasattr(model_admin, "patient_lookup") else None
    rows = model_admin.model._default_manager.all()
    if lookup is None or not rows.exists():
        pytest.skip(f"{model}: no patient data (muscle catalogue, clinics, staff, the trail) or no row here")
    root = django_user_model.objects.create_superuser("root", "root@example.org", "a-long-admin-password-1")
    client = Client()
    client.force_login(root)
    row = rows.filter(**{lookup: patient.pk}).first()
    for page in ("", f"{row.pk}/change/", f"{row.pk}/history/"):
        before = set(AuditEvent.objects.filter(action="view").values_list("pk", flat=True))
        response = client.get(f"/admin/records/{model}/{page}")
        assert response.status_code == 200, (model, page)
        assert "no-store" in response["Cache-Control"], (model, page)
        [event] = AuditEvent.objects.filter(action="view").exclude(pk__in=before)
        assert str(patient.pk) in event.patients and event.actor == root


def test_list_reads_are_found_by_patient_in_the_audit_api(
    world, physio, clinic_admin, patient, patient_without_consent
):
    client = Client()
    client.force_login(physio)
    assert client.get("/api/v1/patients/").status_code == 200
    listed = AuditEvent.objects.get(action="view", object_type="patient_list")
    assert listed.patient_id is None and set(listed.patients) == {str(patient.pk), str(patient_without_consent.pk)}
    admin_client = Client()
    admin_client.force_login(clinic_admin)
    found = admin_client.get(f"/api/v1/audit-events/?action=view&patient={patient_without_consent.pk}").json()
    assert [event["id"] for event in found["results"]] == [str(listed.pk)]
    assert found["results"][0]["patients"] == listed.patients
    # A detail read of the patient is found too (the single-patient kind).
    assert client.get(f"/api/v1/patients/{patient_without_consent.pk}/").status_code == 200
    found = admin_client.get(f"/api/v1/audit-events/?action=view&patient={patient_without_consent.pk}").json()
    assert [event["object_type"] for event in found["results"]] == ["patient", "patient_list"]


def test_a_refused_or_missing_read_writes_nothing(world, other_physio, patient):
    client = Client()
    client.force_login(other_physio)
    assert client.get(f"/api/v1/patients/{patient.pk}/").status_code == 404
    assert client.get(f"/patients/{patient.pk}/").status_code == 404
    assert not AuditEvent.objects.filter(action="view", actor=other_physio).exists()
