"""``sessions/{id}/document.pdf`` and ``patients/{id}/summary.pdf`` (DESIGN §13).

Built from the signed record by :mod:`pdfs`; audited as ``export``. A draft is ``409``
(``not_signed``), another clinic's record ``404``. Errors stay JSON whatever ``Accept`` says.
"""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from pdfs.issue import IssuedDocument, course_summary, procedure_note
from records import policy

__all__ = ["CourseSummaryPdfView", "ProcedureNotePdfView", "pdf_response"]

_PDF = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF document.")}


def pdf_response(document: IssuedDocument, *, disposition: str = "attachment") -> HttpResponse:
    """The PDF with the headers patient data needs (never cached, never sniffed)."""
    response = HttpResponse(document.content, content_type="application/pdf")
    response["Content-Disposition"] = f'{disposition}; filename="{document.filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class _PdfView(APIView):
    policy_actions = {"GET": "record.read"}
    extra_error_codes = {"GET": ["409"]}

    def perform_content_negotiation(self, request, force=False):
        # Success is a PDF (an HttpResponse, no renderer); refusals are always the JSON error.
        return super().perform_content_negotiation(request, force=True)

    def base_url(self) -> str:
        return self.request.build_absolute_uri("/").rstrip("/")


class ProcedureNotePdfView(_PdfView):
    @extend_schema(
        operation_id="sessions_document_pdf",
        summary="The signed session's procedure note as PDF (logged as an export)",
        description="Clinic, patient, practitioner and authorisation, muscles in release order with side, "
        "twitch response and outcome, pain before/after, adverse events, sharps count, addenda, and the "
        "sign-off digest with how to verify it. A draft answers 409 `not_signed`.",
        responses=_PDF,
    )
    def get(self, request, pk):
        document = procedure_note(
            actor=request.user, clinic=policy.clinic_of(request.user), session_id=pk, base_url=self.base_url()
        )
        return pdf_response(document)


class CourseSummaryPdfView(_PdfView):
    @extend_schema(
        operation_id="patients_summary_pdf",
        summary="A course summary / letter to the referrer as PDF (logged as an export)",
        description="Built from signed records only: the course, the pain (NPRS) and outcome trends, the "
        "order of release and each muscle's twitch trend. `?assessment=` narrows it to one course; a draft "
        "assessment, or a patient with nothing signed, answers 409 `not_signed`.",
        parameters=[OpenApiParameter("assessment", OpenApiTypes.UUID, description="One course (an assessment id).")],
        responses=_PDF,
    )
    def get(self, request, pk):
        document = course_summary(
            actor=request.user, clinic=policy.clinic_of(request.user), patient_id=pk,
            assessment_id=request.query_params.get("assessment") or None, base_url=self.base_url(),
        )
        return pdf_response(document)
