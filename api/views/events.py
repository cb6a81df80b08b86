"""``webhook-endpoints/`` (clinic admins) and ``changes/`` (the changes feed), DESIGN §13."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers.events import (
    ChangesPageSerializer,
    RotateSecretSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointWriteSerializer,
)
from events import webhooks
from events.changes import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, changes_since
from events.models import WebhookDelivery, WebhookEndpoint
from records import policy
from records.choices import AuditAction
from records.models import Patient
from records.services import audit_event

from .base import IF_MATCH, ClinicViewSet, etag_for

__all__ = ["ChangesView", "WebhookEndpointViewSet"]


def _endpoint_response(endpoint, *, serializer_class=WebhookEndpointSerializer, status_code=200) -> Response:
    response = Response(serializer_class(endpoint).data, status=status_code)
    response["ETag"] = etag_for(endpoint)
    return response


@extend_schema_view(
    list=extend_schema(summary="List webhook endpoints (clinic admins)"),
    retrieve=extend_schema(summary="Read a webhook endpoint"),
    create=extend_schema(
        summary="Register a webhook endpoint",
        description="Answers 201 with the signing `secret` (`whsec_…`), shown only here. Bodies are signed "
                    "per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).",
        request=WebhookEndpointWriteSerializer, responses={201: WebhookEndpointCreatedSerializer},
    ),
    partial_update=extend_schema(summary="Change a webhook endpoint", request=WebhookEndpointWriteSerializer,
                                 parameters=[IF_MATCH]),
    destroy=extend_schema(summary="Remove a webhook endpoint and its delivery log", parameters=[IF_MATCH]),
)
class WebhookEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ClinicViewSet,
):
    """Webhook endpoints of your clinic."""

    serializer_class = WebhookEndpointSerializer
    filterset_class = None
    filter_backends = []
    ordering = ("-created_at", "-id")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    policy_actions = {key: "webhook.manage" for key in (
        "list", "retrieve", "create", "partial_update", "destroy", "deliveries", "rotate_secret", "replay",
    )}

    def get_queryset(self):
        return WebhookEndpoint.objects.filter(clinic=self.clinic)

    def retrieve(self, request, *args, **kwargs):
        return _endpoint_response(self.get_object())

    def create(self, request, *args, **kwargs):
        data = request.data if isinstance(request.data, dict) else {}
        endpoint = webhooks.endpoint_create(
            actor=request.user, clinic=self.clinic, url=data.get("url"), events=data.get("events"),
            description=data.get("description", ""),
        )
        return _endpoint_response(endpoint, serializer_class=WebhookEndpointCreatedSerializer,
                                  status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        data = request.data if isinstance(request.data, dict) else {}
        endpoint = webhooks.endpoint_update(
            actor=request.user, endpoint=self.get_object(), expected_version=self.expected_version(), **data,
        )
        return _endpoint_response(endpoint)

    def destroy(self, request, *args, **kwargs):
        webhooks.endpoint_delete(actor=request.user, endpoint=self.get_object(),
                                 expected_version=self.expected_version())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=RotateSecretSerializer, responses=WebhookEndpointCreatedSerializer,
                   summary="Rotate the signing secret",
                   description="A new `secret` (shown once); the old one keeps signing beside it (two signatures "
                               "in `webhook-signature`) for `overlap_hours`.")
    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate-secret")
    def rotate_secret(self, request, pk=None):
        serializer = RotateSecretSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = webhooks.endpoint_rotate_secret(
            actor=request.user, endpoint=self.get_object(), overlap_hours=serializer.validated_data["overlap_hours"],
        )
        return _endpoint_response(endpoint, serializer_class=WebhookEndpointCreatedSerializer)

    @extend_schema(responses=WebhookDeliverySerializer(many=True), summary="The endpoint's delivery log",
                   parameters=[OpenApiParameter("status", str, enum=["pending", "succeeded", "failed"])])
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        queryset = WebhookDelivery.objects.filter(endpoint=endpoint, clinic=self.clinic).select_related("event")
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in WebhookDelivery.Status.values:
                raise ValidationError({"status": [f"Choose one of {', '.join(WebhookDelivery.Status.values)}."]})
            queryset = queryset.filter(status=wanted)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer}, summary="Send a delivery again")
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9a-f-]{36})/replay",
            url_name="replay")
    def replay(self, request, pk=None, delivery_id=None):
        endpoint = self.get_object()
        delivery = get_object_or_404(WebhookDelivery, pk=delivery_id, endpoint=endpoint, clinic=self.clinic)
        delivery = webhooks.delivery_replay(actor=request.user, delivery=delivery)
        delivery = WebhookDelivery.objects.select_related("event").get(pk=delivery.pk)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class ChangesView(APIView):
    """``GET changes/?since=CURSOR``: every change of your clinic's records, in commit order.

    Physiotherapists, clinic admins and API readers (everyone who may read records). Start
    without ``since``, then always poll the ``next`` URL; it is present on every answer,
    the last page included. Deletions of drafts appear as ``deleted`` (tombstones).
    """

    policy_actions = {"GET": "changes.read"}

    @extend_schema(
        summary="Changes feed",
        parameters=[
            OpenApiParameter("since", str, description="A cursor from `next` (or an item's `cursor`)."),
            OpenApiParameter("page_size", int, description=f"1–{MAX_PAGE_SIZE}, default {DEFAULT_PAGE_SIZE}."),
        ],
        responses=ChangesPageSerializer,
    )
    def get(self, request):
        clinic = policy.clinic_of(request.user)
        raw_size = request.query_params.get("page_size", "").strip()
        if raw_size and (not raw_size.isdigit() or not 1 <= int(raw_size) <= MAX_PAGE_SIZE):
            raise ValidationError({"page_size": [f"Expected a whole number from 1 to {MAX_PAGE_SIZE}."]})
        page = changes_since(clinic=clinic, since=request.query_params.get("since") or None,
                             page_size=int(raw_size) if raw_size else DEFAULT_PAGE_SIZE)
        patients = page["patient_ids"]
        if patients:
            # The feed names patients: one access-log entry for the page (ids only).
            audit_event(
                actor=request.user, action=AuditAction.VIEW, clinic=clinic, object_type="changes",
                patient=Patient(pk=patients[0], clinic=clinic) if len(patients) == 1 else None,
                after={"patients": [str(pk) for pk in patients]},
            )
        query = f"?since={page['cursor']}" + (f"&page_size={raw_size}" if raw_size else "")
        return Response({
            "results": page["results"],
            "next": request.build_absolute_uri(reverse("api-changes") + query),
            "has_more": page["has_more"],
        })
