"""Page routes. Only UUIDs appear in paths; the patient search term is the one GET parameter."""

from django.urls import path

from web.views import assessments, chart, outcomes, patients, sessions

app_name = "web"

urlpatterns = [
    path("", patients.home, name="home"),
    path("patients/", patients.patient_list, name="patient_list"),
    path("patients/new/", patients.patient_create, name="patient_create"),
    path("patients/<uuid:pk>/", chart.patient_chart, name="patient_chart"),
    path("patients/<uuid:pk>/details/", patients.patient_details, name="patient_details"),
    path("patients/<uuid:pk>/consent/withdraw/", patients.consent_withdraw, name="consent_withdraw"),
    path("patients/<uuid:pk>/archive/", patients.patient_archive, name="patient_archive"),
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
    path("reports/outcomes/", outcomes.outcome_report_page, name="outcome_report"),
]
