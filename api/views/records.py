"""``muscles/``, ``assessments/``, ``sessions/``, ``pain-scores/``, ``audit-events/``."""

import uuid

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from api.filters import AssessmentFilter, AuditEventFilter, MuscleFilter, PainScoreFilter, SessionFilter
from api.serializers.records import (
    AddendumCreateSerializer,
    AddendumSerializer,
    AssessmentPatchSerializer,
    AssessmentSerializer,
    AssessmentWriteSerializer,
    AuditEventSerializer,
    MuscleSerializer,
    PainScoreCreateSerializer,
    PainScoreSerializer,
    SessionPatchSerializer,
    SessionPutSerializer,
    SessionSerializer,
    SessionWriteSerializer,
    VerifySerializer,
)
from records import integrity, selectors, services
from records.choices import RecordStatus
from records.models import Assessment, AuditEvent, Muscle, PainScore, TreatmentSession

from ..session_documents import session_documents
from .base import IF_MATCH, ClinicViewSet, etag_for

__all__ = ["AssessmentViewSet", "AuditEventViewSet", "MuscleViewSet", "PainScoreViewSet", "SessionViewSet"]


class NotSigned(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Only a signed record has a digest to verify."
    default_code = "not_signed"


class MuscleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClinicViewSet):
    """The global muscle catalogue (the same for every clinic)."""

    serializer_class = MuscleSerializer
    filterset_class = MuscleFilter
    ordering = ("name", "id")
    policy_actions = {"list": "record.read", "retrieve": "record.read"}
    access_log_key = None  # reference data, no patient in it

    def get_queryset(self):
        return Muscle.objects.all()


class _SignedRecordViewSet(mixins.ListModelMixin, ClinicViewSet):
    """Shared actions of assessments and sessions: detail (logged), sign, addenda, verify."""

    model: type
    view_name: str

    def retrieve(self, request, *args, **kwargs):
        record = self.get_object()
        response = Response(self.get_serializer(record).data)
        response["ETag"] = etag_for(record)
        return response

    def _sign(self, sign_service, field: str):
        record = self.get_record(self.model)
        sign_service(actor=self.request.user, expected_version=self.expected_version(), **{field: record})
        return self.respond(record.pk)

    def _addendum(self):
        data = self.validated(AddendumCreateSerializer)
        record = self.get_record(self.model)
        addendum = services.addendum_create(actor=self.request.user, record=record, text=data["text"])
        return Response(AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)

    def _verify(self, verify):
        record = self.get_record(self.model)
        if record.status != RecordStatus.SIGNED:
            raise NotSigned()
        return Response(
            {"id": record.pk, "status": verify(record), "signed_at": record.signed_at, "signed_by": record.signed_by_id}
        )


@extend_schema_view(
    list=extend_schema(summary="List assessments"),
    retrieve=extend_schema(summary="Read an assessment (logged as a view)"),
    create=extend_schema(request=AssessmentWriteSerializer, responses={201: AssessmentSerializer}),
    partial_update=extend_schema(
        request=AssessmentPatchSerializer, responses=AssessmentSerializer, parameters=[IF_MATCH],
        summary="Change a draft assessment (findings/plan, when sent, replace the old lists)",
    ),
)
class AssessmentViewSet(_SignedRecordViewSet):
    """Assessments of your clinic's patients, with findings and the ordered release plan."""

    model = Assessment
    view_name = "assessment"
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter
    ordering = ("-assessed_at", "-id")
    http_method_names = ["get", "post", "patch", "head", "options"]
    policy_actions = {
        "list": "record.read",
        "retrieve": "record.read",
        "verify": "record.read",
        "create": "assessment.create",
        "partial_update": "assessment.update",
        "sign": "assessment.sign",
        "addenda": "addendum.create",
    }

    def get_queryset(self):
        return selectors.assessments_for_clinic(self.clinic)

    def create(self, request, *args, **kwargs):
        data = self.validated(AssessmentWriteSerializer)
        assessment = services.assessment_create(actor=request.user, **data)
        return self.respond(assessment.pk, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        data = self.validated(AssessmentPatchSerializer, partial=True)
        assessment = self.get_record(Assessment)
        services.assessment_update(
            actor=request.user, assessment=assessment, expected_version=self.expected_version(), **data
        )
        return self.respond(assessment.pk)

    @extend_schema(request=None, responses=AssessmentSerializer, parameters=[IF_MATCH], summary="Sign and lock")
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        return self._sign(services.assessment_sign, "assessment")

    @extend_schema(request=AddendumCreateSerializer, responses={201: AddendumSerializer}, summary="Add an addendum")
    @action(detail=True, methods=["post"])
    def addenda(self, request, pk=None):
        return self._addendum()

    @extend_schema(responses=VerifySerializer, summary="Recompute the sign-off digest")
    @action(detail=True, methods=["get"], filterset_class=None)
    def verify(self, request, pk=None):
        return self._verify(integrity.verify_assessment)


@extend_schema_view(
    list=extend_schema(summary="List sessions"),
    retrieve=extend_schema(summary="Read a session (logged as a view)"),
    create=extend_schema(
        request=SessionWriteSerializer, responses={201: SessionSerializer},
        summary="Log a session with its targeted muscles, pain scores and adverse events (atomic)",
    ),
    update=extend_schema(
        request=SessionPutSerializer, responses=SessionSerializer, parameters=[IF_MATCH],
        summary="Replace a draft session, nested lists included (atomic)",
    ),
    partial_update=extend_schema(
        request=SessionPatchSerializer, responses=SessionSerializer, parameters=[IF_MATCH],
        summary="Change scalar fields of a draft session",
    ),
    destroy=extend_schema(parameters=[IF_MATCH], summary="Delete a draft session"),
)
class SessionViewSet(_SignedRecordViewSet):
    """Treatment sessions of your clinic."""

    model = TreatmentSession
    view_name = "treatmentsession"
    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    ordering = ("-started_at", "-id")
    policy_actions = {
        "list": "record.read",
        "retrieve": "record.read",
        "verify": "record.read",
        "create": "session.create",
        "update": "session.update",
        "partial_update": "session.update",
        "destroy": "session.delete",
        "sign": "session.sign",
        "addenda": "addendum.create",
    }

    def get_queryset(self):
        return selectors.sessions_for_clinic(self.clinic)

    # Reads, and the re-read after each write, come from session_documents (fixed SQL);
    # SessionSerializer describes the same shape for the OpenAPI schema.

    def list(self, request, *args, **kwargs):
        rows = self.filter_queryset(TreatmentSession.objects.filter(clinic=self.clinic)).values("id", "started_at")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(session_documents(self.clinic, [row["id"] for row in page]))

    def retrieve(self, request, *args, **kwargs):
        return self._document_response(self._document(self.kwargs["pk"]))

    def respond(self, pk, *, status_code=status.HTTP_200_OK, serializer_class=None) -> Response:
        return self._document_response(self._document(pk), status_code=status_code)

    def _document(self, pk) -> dict:
        try:
            session_id = uuid.UUID(str(pk))
        except ValueError:
            raise Http404 from None
        documents = session_documents(self.clinic, [session_id])
        if not documents:
            raise Http404
        return documents[0]

    @staticmethod
    def _document_response(document: dict, *, status_code=status.HTTP_200_OK) -> Response:
        response = Response(document, status=status_code)
        response["ETag"] = f'"{document["version"]}"'
        return response

    def create(self, request, *args, **kwargs):
        data = self.validated(SessionWriteSerializer)
        session = services.session_record(actor=request.user, **data)
        return self.respond(session.pk, status_code=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        data = self.validated(SessionPutSerializer)
        # PUT replaces the whole draft: omitted lists and texts become empty.
        for key in ("targeted_muscles", "pain_scores", "adverse_events"):
            data.setdefault(key, [])
        for key in ("exercises", "notes"):
            data.setdefault(key, "")
        data.setdefault("assessment", None)
        return self._update(data)

    def partial_update(self, request, *args, **kwargs):
        return self._update(self.validated(SessionPatchSerializer, partial=True))

    def _update(self, data: dict):
        session = self.get_record(TreatmentSession)
        services.session_update(
            actor=self.request.user, session=session, expected_version=self.expected_version(), **data
        )
        return self.respond(session.pk)

    def destroy(self, request, *args, **kwargs):
        session = self.get_record(TreatmentSession)
        services.session_delete_draft(actor=request.user, session=session, expected_version=self.expected_version())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=SessionSerializer, parameters=[IF_MATCH], summary="Sign and lock")
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        return self._sign(services.session_sign, "session")

    @extend_schema(request=AddendumCreateSerializer, responses={201: AddendumSerializer}, summary="Add an addendum")
    @action(detail=True, methods=["post"])
    def addenda(self, request, pk=None):
        return self._addendum()

    @extend_schema(responses=VerifySerializer, summary="Recompute the sign-off digest")
    @action(detail=True, methods=["get"], filterset_class=None)
    def verify(self, request, pk=None):
        return self._verify(integrity.verify_session)


@extend_schema_view(
    create=extend_schema(request=PainScoreCreateSerializer, responses={201: PainScoreSerializer}),
)
class PainScoreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClinicViewSet):
    """Pain scores (NPRS 0–10) of your clinic: session ones are read here, standalone ones
    (``baseline``, ``follow_up``) are also written here."""

    serializer_class = PainScoreSerializer
    filterset_class = PainScoreFilter
    ordering = ("-recorded_at", "-id")
    policy_actions = {"list": "record.read", "retrieve": "record.read", "create": "pain_score.create"}

    def get_queryset(self):
        # One table, no relations rendered: nothing to prefetch.
        return PainScore.objects.filter(clinic=self.clinic)

    def create(self, request, *args, **kwargs):
        data = self.validated(PainScoreCreateSerializer)
        pain = services.pain_score_record(actor=request.user, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=pain.pk)).data, status=status.HTTP_201_CREATED)


class AuditEventViewSet(mixins.ListModelMixin, ClinicViewSet):
    """The clinic's audit trail (clinic admins only), newest first."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    ordering = ("-at", "-id")
    policy_actions = {"list": "audit.read"}
    access_log_key = None  # the trail names patients by id only; reading it is not a read of their record

    def get_queryset(self):
        return AuditEvent.objects.filter(clinic=self.clinic)
