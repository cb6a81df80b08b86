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
from records.access_log import note_read
from records.choices import RecordStatus
from records.models import Assessment, AuditEvent, Muscle, PainScore, TreatmentSession
from records.representations import (
    ASSESSMENT_COLUMNS,
    PAIN_SCORE_COLUMNS,
    addendum_representation,
    assessment_representation,
    assessment_representations,
    pain_score_representation,
    pain_score_representations,
    session_representation,
    session_representations,
)
from records.snapshots import consistent_read

from ..idempotency import IDEMPOTENCY_KEY, idempotent
from .base import IF_MATCH, ClinicViewSet

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

    def list(self, request, *args, **kwargs):
        query = request.query_params.get("search", "")
        if not query.strip():
            return super().list(request, *args, **kwargs)
        # Best match first: the ranking is the order, so the page is every match at once
        # (the catalogue has about a hundred muscles), with no cursor to follow.
        muscles = list(self.filter_queryset(self.get_queryset()))
        ranked = selectors.muscles_matching(query, muscles)
        page_size = self.paginator.get_page_size(request)
        data = self.get_serializer(ranked[:page_size], many=True).data
        return Response({"next": None, "previous": None, "results": data})


def _uuid_or_404(pk) -> uuid.UUID:
    try:
        return uuid.UUID(str(pk))
    except ValueError:
        raise Http404 from None


def _document_response(document: dict, *, status_code=status.HTTP_200_OK) -> Response:
    """A record's representation with its ETag (its version, which every write bumps)."""
    response = Response(document, status=status_code)
    response["ETag"] = f'"{document["version"]}"'
    return response


class _SignedRecordViewSet(ClinicViewSet):
    """Shared actions of assessments and sessions: list and detail (logged) from the
    record's representation builder, sign, addenda, verify."""

    model: type
    view_name: str

    def representation(self, pk) -> dict | None:
        """The record's representation (the builder of its resource), or None."""
        raise NotImplementedError

    def retrieve(self, request, *args, **kwargs):
        document = self._document(self.kwargs["pk"])
        # Noted for the access log, written after the response (outside the snapshot).
        note_read(
            actor=request.user, clinic=self.clinic, patients=[document["patient"]], what=self.view_name,
            object_id=str(document["id"]),
        )
        return _document_response(document)

    def respond(self, pk, *, status_code=status.HTTP_200_OK, serializer_class=None) -> Response:
        return _document_response(self._document(pk), status_code=status_code)

    def _document(self, pk) -> dict:
        record_id = _uuid_or_404(pk)
        with consistent_read():
            document = self.representation(record_id)
        if document is None:
            raise Http404
        return document

    def _sign(self, sign_service, field: str):
        record = self.get_record(self.model)
        sign_service(actor=self.request.user, expected_version=self.expected_version(), **{field: record})
        return self.respond(record.pk)

    def _addendum(self):
        data = self.validated(AddendumCreateSerializer)
        record = self.get_record(self.model)
        addendum = services.addendum_create(actor=self.request.user, record=record, text=data["text"])
        return Response(addendum_representation(addendum.pk), status=status.HTTP_201_CREATED)

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
    create=extend_schema(
        request=AssessmentWriteSerializer, responses={201: AssessmentSerializer}, parameters=[IDEMPOTENCY_KEY]
    ),
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
        return Assessment.objects.filter(clinic=self.clinic)

    def representation(self, pk):
        return assessment_representation(self.clinic, pk)

    def list(self, request, *args, **kwargs):
        with consistent_read():
            page = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values(*ASSESSMENT_COLUMNS))
            documents = assessment_representations(page)
        return self.get_paginated_response(documents)

    @idempotent
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

    @extend_schema(
        request=None, responses=AssessmentSerializer, parameters=[IF_MATCH, IDEMPOTENCY_KEY], summary="Sign and lock"
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def sign(self, request, pk=None):
        return self._sign(services.assessment_sign, "assessment")

    @extend_schema(
        request=AddendumCreateSerializer, responses={201: AddendumSerializer}, parameters=[IDEMPOTENCY_KEY],
        summary="Add an addendum",
    )
    @action(detail=True, methods=["post"])
    @idempotent
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
        request=SessionWriteSerializer, responses={201: SessionSerializer}, parameters=[IDEMPOTENCY_KEY],
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
        return TreatmentSession.objects.filter(clinic=self.clinic)

    def representation(self, pk):
        return session_representation(self.clinic, pk)

    def list(self, request, *args, **kwargs):
        # The page's ids and their representations come from one snapshot.
        with consistent_read():
            page = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values("id", "started_at"))
            documents = session_representations(self.clinic, [row["id"] for row in page])
        return self.get_paginated_response(documents)

    @idempotent
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

    @extend_schema(
        request=None, responses=SessionSerializer, parameters=[IF_MATCH, IDEMPOTENCY_KEY], summary="Sign and lock"
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def sign(self, request, pk=None):
        return self._sign(services.session_sign, "session")

    @extend_schema(
        request=AddendumCreateSerializer, responses={201: AddendumSerializer}, parameters=[IDEMPOTENCY_KEY],
        summary="Add an addendum",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def addenda(self, request, pk=None):
        return self._addendum()

    @extend_schema(responses=VerifySerializer, summary="Recompute the sign-off digest")
    @action(detail=True, methods=["get"], filterset_class=None)
    def verify(self, request, pk=None):
        return self._verify(integrity.verify_session)


@extend_schema_view(
    create=extend_schema(
        request=PainScoreCreateSerializer, responses={201: PainScoreSerializer}, parameters=[IDEMPOTENCY_KEY]
    ),
)
class PainScoreViewSet(ClinicViewSet):
    """Pain scores (NPRS 0–10) of your clinic: session ones are read here, standalone ones
    (``baseline``, ``follow_up``) are also written here."""

    serializer_class = PainScoreSerializer
    filterset_class = PainScoreFilter
    ordering = ("-recorded_at", "-id")
    policy_actions = {"list": "record.read", "retrieve": "record.read", "create": "pain_score.create"}

    def get_queryset(self):
        return PainScore.objects.filter(clinic=self.clinic)

    def list(self, request, *args, **kwargs):
        # One table, no relations: the page's named rows are the whole representation.
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values(*PAIN_SCORE_COLUMNS))
        return self.get_paginated_response(pain_score_representations(page))

    def retrieve(self, request, *args, **kwargs):
        document = pain_score_representation(self.clinic, _uuid_or_404(self.kwargs["pk"]))
        if document is None:
            raise Http404
        return Response(document)

    @idempotent
    def create(self, request, *args, **kwargs):
        data = self.validated(PainScoreCreateSerializer)
        pain = services.pain_score_record(actor=request.user, **data)
        return Response(pain_score_representation(self.clinic, pain.pk), status=status.HTTP_201_CREATED)


class AuditEventViewSet(mixins.ListModelMixin, ClinicViewSet):
    """The clinic's audit trail (clinic admins only), newest first."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    ordering = ("-at", "-id")
    policy_actions = {"list": "audit.read"}
    access_log_key = None  # the trail names patients by id only; reading it is not a read of their record

    def get_queryset(self):
        return AuditEvent.objects.filter(clinic=self.clinic)
