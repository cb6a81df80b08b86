"""REST API v1 routes, OpenAPI schema and offline docs."""

from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from api.views.auth import TokenView
from api.views.documents import AttachmentViewSet, PatientAttachmentViewSet
from api.views.events import ChangesView, WebhookEndpointViewSet
from api.views.outcomes import (
    ObjectiveMeasureViewSet,
    OutcomeInstrumentViewSet,
    OutcomeReportView,
    OutcomeResponseViewSet,
)
from api.views.patients import PatientViewSet
from api.views.pdfs import CourseSummaryPdfView, ProcedureNotePdfView
from api.views.records import AssessmentViewSet, AuditEventViewSet, MuscleViewSet, PainScoreViewSet, SessionViewSet
from api.views.staff import StaffViewSet

router = SimpleRouter()
router.register("patients", PatientViewSet, basename="patient")
router.register("muscles", MuscleViewSet, basename="muscle")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("sessions", SessionViewSet, basename="session")
router.register("pain-scores", PainScoreViewSet, basename="pain-score")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("staff", StaffViewSet, basename="staff")
router.register("outcome-instruments", OutcomeInstrumentViewSet, basename="outcome-instrument")
router.register("outcome-responses", OutcomeResponseViewSet, basename="outcome-response")
router.register("objective-measures", ObjectiveMeasureViewSet, basename="objective-measure")
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")

router.register("documents", AttachmentViewSet, basename="document")

urlpatterns = [
    path(
        "patients/<uuid:pk>/documents/",
        PatientAttachmentViewSet.as_view({"get": "list", "post": "create"}),
        name="patient-documents",
    ),
    path("sessions/<uuid:pk>/document.pdf", ProcedureNotePdfView.as_view(), name="session-document-pdf"),
    path("patients/<uuid:pk>/summary.pdf", CourseSummaryPdfView.as_view(), name="patient-summary-pdf"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    path(
        "docs/",
        # The split view serves its start-up script from a URL (no inline script, so the CSP
        # holds); Swagger UI's own <style> block needs inline styles on this page only.
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[AllowAny])
        ),
        name="api-docs",
    ),
    path("exports/", include("api.exports.urls")),
    path("reports/outcomes/", OutcomeReportView.as_view(), name="api-outcome-report"),
    path("changes/", ChangesView.as_view(), name="api-changes"),
    path("", include(router.urls)),
]
