"""``patients/``: demographics, precautions, consent, archive, release order, timeline."""

import uuid

from django.db import transaction
from django.http import Http404
from drf_spectacular.plumbing import resolve_type_hint
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, ValidationError
from rest_framework.response import Response

from api.filters import PatientFilter
from api.serializers.base import api_datetime
from api.serializers.patients import (
    ConsentGiveSerializer,
    ConsentSerializer,
    ConsentWithdrawSerializer,
    PatientSerializer,
    PatientWriteSerializer,
)
from records import selectors, services
from records.access_log import note_read
from records.histories import ReleaseOrder, Timeline
from records.models import Assessment, Patient
from records.representations import (
    PATIENT_COLUMNS,
    consent_representation,
    patient_representation,
    patient_representations,
)
from records.snapshots import consistent_read

from .base import IF_MATCH, ClinicViewSet

__all__ = ["PatientViewSet"]


@extend_schema_view(
    list=extend_schema(summary="List patients", description="Active patients; `?archived=true` for archived ones."),
    retrieve=extend_schema(summary="Read a patient (logged as a view of the chart)"),
    create=extend_schema(request=PatientWriteSerializer, responses={201: PatientSerializer}),
    update=extend_schema(request=PatientWriteSerializer, responses=PatientSerializer, parameters=[IF_MATCH]),
    partial_update=extend_schema(request=PatientWriteSerializer, responses=PatientSerializer, parameters=[IF_MATCH]),
    destroy=extend_schema(
        summary="Refused: patients are archived, never deleted",
        responses={405: OpenApiResponse(description="Always; use `POST /api/v1/patients/{id}/archive/`.")},
    ),
)
class PatientViewSet(ClinicViewSet):
    """Patients of your clinic."""

    serializer_class = PatientSerializer
    filterset_class = PatientFilter
    ordering = ("family_name", "given_name", "id")
    extra_error_codes = {"DELETE": ["405"]}
    access_log_key = "id"
    conditional_actions = frozenset({"update", "partial_update"})  # DELETE is always 405 here
    policy_actions = {
        "list": "patient.read",
        "retrieve": "patient.read",
        "create": "patient.create",
        "update": "patient.update",
        "partial_update": "patient.update",
        "destroy": "patient.read",  # everyone who can see a patient learns that DELETE is refused
        "archive": "patient.archive",
        "unarchive": "patient.archive",
        "consent": "consent.give",
        "consent_withdraw": "consent.withdraw",
        "release_order": "record.read",
        "timeline": "record.read",
    }

    def get_queryset(self):
        # Archived patients too: PatientFilter hides them from lists unless asked for.
        return Patient.objects.filter(clinic=self.clinic)

    def list(self, request, *args, **kwargs):
        with consistent_read():
            page = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values(*PATIENT_COLUMNS))
            documents = patient_representations(page)
        return self.get_paginated_response(documents)

    def retrieve(self, request, *args, **kwargs):
        document = self._document(self.kwargs["pk"])
        self._log_view(Patient(pk=document["id"]), "patient")
        return self._document_response(document)

    def respond(self, pk, *, status_code=status.HTTP_200_OK, serializer_class=None) -> Response:
        return self._document_response(self._document(pk), status_code=status_code)

    def _document(self, pk) -> dict:
        try:
            patient_id = uuid.UUID(str(pk))
        except ValueError:
            raise Http404 from None
        with consistent_read():
            document = patient_representation(self.clinic, patient_id)
        if document is None:
            raise Http404
        return document

    @staticmethod
    def _document_response(document: dict, *, status_code=status.HTTP_200_OK) -> Response:
        response = Response(document, status=status_code)
        response["ETag"] = f'"{document["version"]}"'
        return response

    def create(self, request, *args, **kwargs):
        data = self.validated(PatientWriteSerializer)
        patient = services.patient_create(actor=request.user, clinic=self.clinic, **data)
        return self.respond(patient.pk, status_code=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        return self._update(partial=False)

    def partial_update(self, request, *args, **kwargs):
        return self._update(partial=True)

    def _update(self, *, partial: bool):
        data = self.validated(PatientWriteSerializer, partial=partial)
        patient = self.get_record(Patient)
        precautions = data.pop("precautions", None)
        if not partial and not data.get("chart_number"):
            data.pop("chart_number", None)  # PUT without a chart number keeps the current one
        # Demographics and precautions change together or not at all.
        with transaction.atomic():
            patient = services.patient_update(
                actor=self.request.user, patient=patient, expected_version=self.expected_version(), **data
            )
            if precautions is not None:
                services.precautions_set(actor=self.request.user, patient=patient, precautions=precautions)
        return self.respond(patient.pk)

    def destroy(self, request, *args, **kwargs):
        self.get_record(Patient)
        raise MethodNotAllowed(
            "DELETE", detail="Patients are never deleted; POST /api/v1/patients/{id}/archive/ archives them."
        )

    @extend_schema(request=None, responses=PatientSerializer, summary="Archive a patient (clinic admins)")
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        patient = self.get_record(Patient)
        services.patient_archive(actor=request.user, patient=patient)
        return self.respond(patient.pk)

    @extend_schema(
        request=None, responses=PatientSerializer,
        summary="Restore an archived patient (clinic admins); 409 patient_not_archived when not archived",
    )
    @action(detail=True, methods=["post"])
    def unarchive(self, request, pk=None):
        patient = self.get_record(Patient)
        services.patient_unarchive(actor=request.user, patient=patient)
        return self.respond(patient.pk)

    @extend_schema(request=ConsentGiveSerializer, responses={201: ConsentSerializer}, summary="Record consent")
    @action(detail=True, methods=["post"])
    def consent(self, request, pk=None):
        data = self.validated(ConsentGiveSerializer)
        patient = self.get_record(Patient)
        consent = services.consent_give(actor=request.user, patient=patient, **data)
        return Response(consent_representation(consent.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=ConsentWithdrawSerializer, responses=ConsentSerializer, summary="Withdraw consent")
    @action(detail=True, methods=["post"], url_path="consent/withdraw", url_name="consent-withdraw")
    def consent_withdraw(self, request, pk=None):
        data = self.validated(ConsentWithdrawSerializer)
        patient = self.get_record(Patient)
        consent = services.consent_withdraw(actor=request.user, patient=patient, **data)
        return Response(consent_representation(consent.pk))

    @extend_schema(
        # The builder's return type is the documented schema.
        responses={200: OpenApiResponse(resolve_type_hint(ReleaseOrder), description=ReleaseOrder.__doc__)},
        summary="Order of release across sessions",
        parameters=[OpenApiParameter("assessment", str, description="An assessment id: narrows to one course.")],
    )
    @action(detail=True, methods=["get"], url_path="release-order", url_name="release-order", filterset_class=None)
    def release_order(self, request, pk=None):
        patient = self.get_record(Patient)
        assessment = None
        assessment_id = request.query_params.get("assessment")
        if assessment_id:
            assessment = (
                Assessment.objects.filter(patient=patient, pk=assessment_id).first()
                if _is_uuid(assessment_id) else None
            )
            if assessment is None:
                raise ValidationError({"assessment": ["No such assessment of this patient."]})
        result = selectors.release_order_for_patient(patient, assessment=assessment)
        self._log_view(patient, "release_order")
        return Response(_release_order_json(result))

    @extend_schema(
        responses={200: OpenApiResponse(resolve_type_hint(Timeline), description=Timeline.__doc__)},
        summary="Assessments, sessions, pain scores and addenda in time order",
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def timeline(self, request, pk=None):
        patient = self.get_record(Patient)
        entries = selectors.patient_timeline(patient)
        self._log_view(patient, "timeline")
        return Response({"patient": patient.pk, "entries": entries})

    def _log_view(self, patient: Patient, what: str) -> None:
        note_read(actor=self.request.user, clinic=self.clinic, patients=[patient], what=what)


def _release_order_json(result: ReleaseOrder) -> dict:
    """The release order as the API writes it: the session times in REST framework's format
    (``api_datetime``, as every other representation writes instants); the renderer writes
    the rest (UUIDs) itself."""
    sessions = [{**session, "started_at": api_datetime(session["started_at"])} for session in result["sessions"]]
    return {**result, "sessions": sessions}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
