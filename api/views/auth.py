"""``auth/token/``: exchange a username and password for a token; revoke the token in use."""

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.mfa import MFA_ENROL, MFA_VERIFY, mfa_state, otp_match
from accounts.models import ApiToken
from accounts.services import token_issue, token_revoke
from api.serializers.base import StrictSerializer
from api.throttles import TokenObtainThrottle, TokenObtainUsernameThrottle

__all__ = ["TokenView"]


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        max_length=64, required=False, allow_blank=True,
        help_text="For accounts with MFA: the authenticator app's current code, or an unused recovery code.",
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown only once.")
    expires_at = serializers.DateTimeField()
    prefix = serializers.CharField(help_text="The token's first characters, to tell tokens apart.")


class TokenView(APIView):
    """Tokens for ``Authorization: Token <token>``: hashed at rest, expiring, revocable.

    Refusals: 401 ``authentication_failed`` (wrong username or password), 401
    ``otp_required`` (the account has MFA and no ``otp`` was sent), 401 ``otp_invalid``
    (wrong, already used or expired code; counts as a failed login for the lockout), 403
    ``mfa_enrollment_required`` (a clinic admin of a clinic that requires MFA, not enrolled).
    """

    throttle_scope = "auth_token"

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_throttles(self):
        if self.request.method == "POST":
            return [TokenObtainThrottle(), TokenObtainUsernameThrottle()]
        return super().get_throttles()

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer},
        auth=[],
        summary="Get a token with username and password (rate-limited)",
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise AuthenticationFailed("Invalid username or password.")
        self.check_second_factor(request, user, serializer.validated_data.get("otp", ""))
        raw, token = token_issue(actor=user, user=user, name="api")
        body = {"token": raw, "expires_at": token.expires_at, "prefix": token.prefix}
        return Response(TokenResponseSerializer(body).data)

    def check_second_factor(self, request, user, otp: str) -> None:
        state = mfa_state(user)
        if state == MFA_ENROL:
            raise PermissionDenied(
                "Your clinic requires MFA for clinic admins: sign in on the web and set up an authenticator "
                "app first.", code="mfa_enrollment_required",
            )
        if state != MFA_VERIFY:
            return
        if not otp:
            raise AuthenticationFailed(
                "This account uses MFA: send `otp`, your authenticator app's current code or a recovery code.",
                code="otp_required",
            )
        if otp_match(user, otp) is None:
            # A failed login for django-axes too, so guessing codes leads to the same lockout.
            user_login_failed.send(
                sender=type(self), credentials={"username": user.get_username()}, request=request._request,
            )
            raise AuthenticationFailed(
                "That code is wrong, already used or expired; send the current code from your app.",
                code="otp_invalid",
            )

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="The token is revoked.")},
        summary="Revoke the token this request uses",
    )
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise ValidationError({"authorization": ["Send the token to revoke as `Authorization: Token <token>`."]})
        token_revoke(actor=request.user, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
