"""``auth/token/``: exchange a username and password for a token; revoke the token in use."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.models import ApiToken
from api.serializers.base import StrictSerializer
from api.throttles import TokenObtainThrottle, TokenObtainUsernameThrottle
from api.tokens import token_issue, token_revoke

__all__ = ["TokenView"]


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown only once.")
    expires_at = serializers.DateTimeField()
    prefix = serializers.CharField(help_text="The token's first characters, to tell tokens apart.")


class TokenView(APIView):
    """Tokens for ``Authorization: Token <token>``: hashed at rest, expiring, revocable."""

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
        raw, token = token_issue(actor=user, user=user, name="api")
        body = {"token": raw, "expires_at": token.expires_at, "prefix": token.prefix}
        return Response(TokenResponseSerializer(body).data)

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
