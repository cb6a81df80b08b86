"""Attached documents (DESIGN §13): ``patients/{id}/documents/``, ``documents/{id}/``, ``…/download/``.

Append-only: there is no PUT, PATCH or DELETE. Every read (list, metadata, download) is
logged as a ``view`` of the patient.
"""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from api.parsers import RequestTooLarge
from api.serializers.documents import AttachmentSerializer, AttachmentUploadSerializer
from records import services
from records.access_log import note_read
from records.attachments import attachments_for_clinic, attachments_for_patient, max_attachment_bytes
from records.models import Patient

from .base import ClinicViewSet

__all__ = ["AttachmentViewSet", "PatientAttachmentViewSet"]

# Room for the multipart envelope and the other fields around a file at the limit.
_MULTIPART_OVERHEAD = 64 * 1024


@extend_schema_view(
    list=extend_schema(summary="List a patient's attached documents (logged as a view)"),
    create=extend_schema(
        summary="Attach a document (PDF, PNG or JPEG up to 10 MB)",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
    ),
)
class PatientAttachmentViewSet(mixins.ListModelMixin, ClinicViewSet):
    """Documents attached to one patient of your clinic, newest first."""

    serializer_class = AttachmentSerializer
    view_name = "attachment"
    parser_classes = [MultiPartParser, FormParser]
    ordering = ("-created_at", "-id")
    filterset_class = None
    extra_error_codes = {"POST": ["413"]}
    policy_actions = {"list": "attachment.read", "create": "attachment.create"}

    def patient(self) -> Patient:
        """The patient named in the path, of the caller's clinic (another clinic's: 404)."""
        if not hasattr(self, "_patient"):
            self._patient = get_object_or_404(Patient.objects.filter(clinic=self.clinic), pk=self.kwargs["pk"])
            self._patient.clinic = self.clinic  # the same row: no query for it in the audit event
        return self._patient

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return attachments_for_clinic(None).none()
        return attachments_for_patient(self.patient())

    def list(self, request, *args, **kwargs):
        patient = self.patient()
        page = self.paginate_queryset(self.get_queryset())
        # Noted for the request's one access-log event (an empty page still shows the patient's list).
        note_read(actor=request.user, clinic=self.clinic, patients=[patient], what="attachments")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        limit = max_attachment_bytes()
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > limit + _MULTIPART_OVERHEAD:
            # Refused before the body is read or parsed.
            raise RequestTooLarge(f"file: an attachment may be at most {limit // (1024 * 1024)} MB.")
        patient = self.patient()
        data = self.validated(AttachmentUploadSerializer)
        upload = data["file"]
        attachment = services.attachment_upload(
            actor=request.user, patient=patient, title=data["title"], kind=data["kind"], file=upload,
            filename=upload.name,
        )
        attachment = attachments_for_clinic(self.clinic).get(pk=attachment.pk)
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)


@extend_schema_view(retrieve=extend_schema(summary="Read an attached document's metadata (logged as a view)"))
class AttachmentViewSet(mixins.RetrieveModelMixin, ClinicViewSet):
    """An attached document of your clinic: its metadata, and its bytes at ``download/``."""

    serializer_class = AttachmentSerializer
    view_name = "attachment"
    filterset_class = None
    policy_actions = {"retrieve": "attachment.read", "download": "attachment.read"}

    def get_queryset(self):
        return attachments_for_clinic(self.clinic)

    def retrieve(self, request, *args, **kwargs):
        attachment = self.get_object()
        self._log_view(attachment)
        return Response(self.get_serializer(attachment).data)

    @extend_schema(
        summary="Download an attached document (its stored bytes, as an attachment; logged as a view)",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The stored bytes."),
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The stored bytes."),
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="The stored bytes."),
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        attachment = self.get_object()
        self._log_view(attachment)
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.filename or f"document-{attachment.pk}",
            content_type=attachment.content_type,
        )
        response["Content-Length"] = str(attachment.size)
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def _log_view(self, attachment) -> None:
        note_read(
            actor=self.request.user, clinic=self.clinic, patients=[attachment.patient_id], what="attachment",
            object_id=str(attachment.pk),
        )
