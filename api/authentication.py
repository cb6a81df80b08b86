"""``Authorization: Token <token>``: django-rest-knox tokens (hashed, expiring, revocable).

knox's own lookup costs a query for the token, one for the user's other tokens (it
deletes expired ones on every request) and later ones for the membership; this one reads
the token with its user, membership and clinic in one query and never writes, except
``last_used_at`` at most once a minute.
"""

import binascii
import datetime as dt
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions

from accounts.models import ApiToken

__all__ = ["ExpiringTokenAuthentication"]

# Writing last_used_at on every request would turn each read into a write; once a
# minute is precise enough to see which tokens are in use.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


class ExpiringTokenAuthentication(TokenAuthentication):
    """Authenticates ``Authorization: Token <token>`` against knox's hashed, expiring tokens."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc

    def authenticate_credentials(self, token: bytes):
        raw = token.decode("utf-8")
        try:
            digest = hash_token(raw)
        except (TypeError, binascii.Error) as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        candidates = ApiToken.objects.select_related("user__membership__clinic").filter(
            token_key=raw[: CONSTANTS.TOKEN_KEY_LENGTH]
        )
        for auth_token in candidates:
            if compare_digest(digest, auth_token.digest):
                return self._accept(auth_token)
        raise exceptions.AuthenticationFailed(_("Invalid token."))

    def _accept(self, auth_token: ApiToken):
        now = timezone.now()
        if auth_token.expiry is not None and auth_token.expiry <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired; request a new one."))
        if not auth_token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is inactive."))
        if auth_token.last_used_at is None or now - auth_token.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=auth_token.pk).update(last_used_at=now)
            auth_token.last_used_at = now
        return auth_token.user, auth_token


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token scheme in the OpenAPI document."""

    target_class = "api.authentication.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>`; get one from `POST /api/v1/auth/token/`.",
        }
