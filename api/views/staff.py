"""``staff/``: a clinic's staff accounts, for its clinic admins (DESIGN §9).

Every write goes through :mod:`accounts.services` (atomic, audited); another clinic's
staff member is a 404, other roles get 403.
"""

import hashlib
import zoneinfo

import orjson
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from accounts import mfa, services
from accounts.selectors import authorisation_item, staff_item, staff_queryset
from api.serializers.staff import (
    AuthorisationInputSerializer,
    AuthorisationSerializer,
    StaffCreatedSerializer,
    StaffCreateSerializer,
    StaffSerializer,
    StaffUpdateSerializer,
)
from api.views.base import IF_MATCH, ClinicViewSet, PreconditionFailed

__all__ = ["StaffViewSet"]


def _today(clinic):
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(clinic.timezone)).date()


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = 'Send If-Match with the ETag you read (e.g. If-Match: "3f2a…"); "*" is not enough.'
    default_code = "precondition_required"


def staff_etag(data: dict) -> str:
    """A staff item's ETag: a digest of what the item shows (users carry no version)."""
    return '"' + hashlib.sha256(orjson.dumps(data, default=str)).hexdigest()[:20] + '"'


class StaffViewSet(mixins.ListModelMixin, ClinicViewSet):
    """The clinic's staff: invite, change role, deactivate, reactivate, reset links, authorisations."""

    serializer_class = StaffSerializer
    ordering = ("username", "id")
    policy_actions = {"*": "staff.manage"}
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return staff_queryset(self.clinic)

    def staff(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def item(self, pk) -> dict:
        return StaffSerializer(staff_item(self.get_queryset().get(pk=pk), _today(self.clinic))).data

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        today = _today(self.clinic)
        return self.get_paginated_response(StaffSerializer([staff_item(user, today) for user in page], many=True).data)

    @extend_schema(request=StaffCreateSerializer, responses={201: StaffCreatedSerializer})
    def create(self, request):
        data = self.validated(StaffCreateSerializer)
        user, url = services.staff_create(actor=request.user, clinic=self.clinic, **data)
        return Response({**self.item(user.pk), "invitation_url": url}, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: StaffSerializer})
    def retrieve(self, request, pk=None):
        data = self.item(self.staff().pk)
        return Response(data, headers={"ETag": staff_etag(data)})

    @extend_schema(
        request=StaffUpdateSerializer, parameters=[IF_MATCH],
        responses={
            200: StaffSerializer, 412: OpenApiResponse(description="If-Match does not match."),
            428: OpenApiResponse(description="If-Match missing."),
        },
    )
    def partial_update(self, request, pk=None):
        user = self.staff()
        if_match = (request.headers.get("If-Match") or "").strip()
        if not if_match or if_match == "*":
            raise PreconditionRequired()
        if if_match.removeprefix("W/") != staff_etag(self.item(user.pk)):
            raise PreconditionFailed("The staff member changed since you read them; read again.")
        changes = self.validated(StaffUpdateSerializer, partial=True)
        services.staff_update(actor=request.user, user=user, changes=changes)
        data = self.item(user.pk)
        return Response(data, headers={"ETag": staff_etag(data)})

    @extend_schema(request=None, responses={200: StaffSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Deactivate: ends their web sessions and revokes their API tokens at once."""
        user = self.staff()
        services.staff_deactivate(actor=request.user, user=user)
        return Response(self.item(user.pk))

    @extend_schema(request=None, responses={200: StaffSerializer})
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        user = self.staff()
        services.staff_reactivate(actor=request.user, user=user)
        return Response(self.item(user.pk))

    @extend_schema(
        request=None,
        responses={200: inline_serializer("PasswordReset", {"reset_url": serializers.CharField()})},
    )
    @action(detail=True, methods=["post"], url_path="password-reset")
    def password_reset(self, request, pk=None):
        """A one-time link (72 h) on which the staff member chooses a new password."""
        url = services.staff_password_reset(actor=request.user, user=self.staff())
        return Response({"reset_url": url})

    @extend_schema(
        request=None,
        responses={200: inline_serializer("TokensRevoked", {"tokens_revoked": serializers.IntegerField()})},
    )
    @action(detail=True, methods=["post"], url_path="revoke-tokens")
    def revoke_tokens(self, request, pk=None):
        """Revoke every API token of the staff member."""
        count = services.staff_tokens_revoke(actor=request.user, user=self.staff())
        return Response({"tokens_revoked": count})

    @extend_schema(request=None, responses={200: StaffSerializer})
    @action(detail=True, methods=["post"], url_path="mfa-reset")
    def mfa_reset(self, request, pk=None):
        """Remove the staff member's authenticator and recovery codes (a lost device)."""
        user = self.staff()
        mfa.mfa_reset(actor=request.user, user=user)
        return Response(self.item(user.pk))

    @extend_schema(
        methods=["POST"], request=AuthorisationInputSerializer, responses={201: AuthorisationSerializer}
    )
    @extend_schema(methods=["GET"], responses={200: AuthorisationSerializer(many=True)})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def authorisations(self, request, pk=None):
        """The staff member's needling authorisations; POST records a new one."""
        user = self.staff()
        today = _today(self.clinic)
        if request.method == "POST":
            data = self.validated(AuthorisationInputSerializer)
            authorisation = services.authorisation_create(actor=request.user, user=user, **data)
            return Response(
                AuthorisationSerializer(authorisation_item(authorisation, today)).data, status=status.HTTP_201_CREATED
            )
        return Response(AuthorisationSerializer([authorisation_item(a, today) for a in user.authorisation_list],
                                                many=True).data)
