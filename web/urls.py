"""Page routes. Only UUIDs appear in paths; the patient search term is the one GET parameter."""

from django.urls import path

from web.views import account, assessments, chart, documents, outcomes, patients, sessions, staff, webhooks

app_name = "web"

urlpatterns = [
    path("", patients.home, name="home"),
    path("patients/", patients.patient_list, name="patient_list"),
    path("patients/new/", patients.patient_create, name="patient_create"),
    path("patients/<uuid:pk>/", chart.patient_chart, name="patient_chart"),
    path("patients/<uuid:pk>/details/", patients.patient_details, name="patient_details"),
    path("patients/<uuid:pk>/consent/withdraw/", patients.consent_withdraw, name="consent_withdraw"),
    path("patients/<uuid:pk>/archive/", patients.patient_archive, name="patient_archive"),
    path("patients/<uuid:pk>/unarchive/", patients.patient_unarchive, name="patient_unarchive"),
    path("patients/<uuid:pk>/sessions/new/", sessions.session_new, name="session_new"),
    path("patients/<uuid:pk>/sessions/warnings/", sessions.session_warnings_view, name="session_warnings"),
    path("patients/<uuid:pk>/assessments/new/", assessments.assessment_new, name="assessment_new"),
    path("sessions/<uuid:pk>/", sessions.session_detail, name="session_detail"),
    path("sessions/<uuid:pk>/edit/", sessions.session_edit, name="session_edit"),
    path("sessions/<uuid:pk>/delete/", sessions.session_delete, name="session_delete"),
    path("sessions/<uuid:pk>/addenda/", sessions.session_addendum, name="session_addendum"),
    path("assessments/<uuid:pk>/", assessments.assessment_detail, name="assessment_detail"),
    path("assessments/<uuid:pk>/edit/", assessments.assessment_edit, name="assessment_edit"),
    path("assessments/<uuid:pk>/addenda/", assessments.assessment_addendum, name="assessment_addendum"),
    path("muscles/suggested/", assessments.suggested_muscles, name="suggested_muscles"),
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/<int:pk>/", staff.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/deactivate/", staff.staff_deactivate, name="staff_deactivate"),
    path("staff/<int:pk>/reactivate/", staff.staff_reactivate, name="staff_reactivate"),
    path("staff/<int:pk>/reset-link/", staff.staff_reset_link, name="staff_reset_link"),
    path("staff/<int:pk>/revoke-tokens/", staff.staff_revoke_tokens, name="staff_revoke_tokens"),
    path("staff/<int:pk>/mfa-reset/", staff.staff_mfa_reset, name="staff_mfa_reset"),
    path("account/", account.account, name="account"),
    path("webhooks/", webhooks.webhook_list, name="webhook_list"),
    path("webhooks/banner/", webhooks.webhook_banner, name="webhook_banner"),
    path("webhooks/<uuid:pk>/", webhooks.webhook_detail, name="webhook_detail"),
    path("sessions/<uuid:pk>/document.pdf", documents.session_note_pdf, name="session_note_pdf"),
    path("patients/<uuid:pk>/summary.pdf", documents.summary_pdf, name="patient_summary_pdf"),
    path("patients/<uuid:pk>/documents/", documents.attachment_upload, name="attachment_upload"),
    path("documents/<uuid:pk>/download/", documents.attachment_download, name="attachment_download"),
    path("reports/outcomes/", outcomes.outcome_report_page, name="outcome_report"),
]
