"""``Authorization: Token <token>``: hashed lookup, expiry, revocation."""

import datetime as dt
import functools

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from api.models import ApiToken
from api.tokens import hash_token
from records.models import Clinic, Membership
from records.sql import cursor as sql_cursor

__all__ = ["ExpiringTokenAuthentication"]

# Writing last_used_at on every request would turn each read into a write; once a
# minute is precise enough to see which tokens are in use.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


class ExpiringTokenAuthentication(BaseAuthentication):
    """Authenticates ``Authorization: Token <token>`` against hashed, expiring tokens."""

    keyword = "Token"

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword.lower().encode():
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: give 'Token <token>'."))
        try:
            raw = auth[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        return self.authenticate_credentials(raw)

    def authenticate_credentials(self, raw: str):
        token = token_with_user(hash_token(raw))
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired; request a new one."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is inactive."))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (with WWW-Authenticate) rather than 403 to anonymous callers.
        return self.keyword


# Every API request starts here, so the token, its user, the user's membership and clinic
# come from one fixed SQL string instead of an ORM query compiled per request (which cost
# more than the rest of a small request). Rows become model instances through Django's own
# column converters, so they are exactly what the ORM would have built.
# The plan is built on first use, not at import: the user model is only known for sure
# once the app registry is ready.
def _joined() -> tuple:
    return (
        (ApiToken, "t", None),
        (get_user_model(), "u", "u.id = t.user_id"),
        (Membership, "m", "m.user_id = u.id"),
        (Clinic, "c", "c.id = m.clinic_id"),
    )


@functools.cache
def _lookup_plan(vendor: str):
    """The SQL, and per model its field names, column slice and converters (per vendor)."""
    columns, models = [], []
    joined = _joined()
    for model, alias, _on in joined:
        fields = model._meta.concrete_fields
        start = len(columns)
        columns += [f"{alias}.{connection.ops.quote_name(f.column)}" for f in fields]
        converters = [
            (i, connection.ops.get_db_converters(f.get_col(alias)) + f.get_db_converters(connection))
            for i, f in enumerate(fields)
        ]
        models.append((model, [f.attname for f in fields], slice(start, len(columns)),
                       [(i, c) for i, c in converters if c]))
    joins = " ".join(
        f"{'JOIN' if alias == 'u' else 'LEFT JOIN'} {model._meta.db_table} {alias} ON {on}"
        for model, alias, on in joined[1:]
    )
    # Identifiers come from model metadata only; the one value is a parameter.
    sql = f"SELECT {', '.join(columns)} FROM {ApiToken._meta.db_table} t {joins} WHERE t.key_hash = %s"  # noqa: S608
    return sql, models


def token_with_user(key_hash: str) -> ApiToken | None:
    """The token with this hash, its user, membership and clinic loaded, in one query."""
    sql, models = _lookup_plan(connection.vendor)
    with sql_cursor() as cursor:
        cursor.execute(sql, [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    token, user, membership, clinic = (
        _instance(model, names, row[part], converters) for model, names, part, converters in models
    )
    token.user = user
    if membership is None:
        # Cached as absent, so reading user.membership raises without another query.
        type(user).membership.related.set_cached_value(user, None)
    else:
        membership.clinic = clinic
        user.membership = membership
    return token


def _instance(model, names, values, converters):
    if values[0] is None:  # a LEFT JOIN that found nothing
        return None
    values = list(values)
    for index, functions in converters:
        for convert in functions:
            values[index] = convert(values[index], None, connection)
    return model.from_db(connection.alias, names, values)


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
