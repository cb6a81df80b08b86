"""Issuing and revoking API tokens: the only writes to :class:`api.models.ApiToken`."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from api.models import ApiToken
from records.choices import AuditAction
from records.policy import clinic_of
from records.services import audit_event

__all__ = ["hash_token", "token_issue", "token_revoke", "tokens_revoke_for_user"]


def hash_token(raw: str) -> str:
    """The stored form of a raw token (SHA-256 hex). Tokens carry 256 bits of entropy,
    so a fast unsalted hash is enough: there is nothing to brute-force."""
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_issue(*, actor, user, expires_days: int | None = None, name: str = "") -> tuple[str, ApiToken]:
    """Create a token for ``user``; returns the raw token (show it once) and the row."""
    days = settings.API_TOKEN_TTL_DAYS if expires_days is None else expires_days
    if days < 1:
        raise ValueError("A token must live at least one day.")
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        key_hash=hash_token(raw),
        prefix=raw[:8],
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit_event(
        actor=actor, action=AuditAction.TOKEN_ISSUE, clinic=clinic_of(user), obj=token,
        after={"user": user.username, "prefix": token.prefix, "expires_at": token.expires_at.isoformat()},
    )
    return raw, token


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke one token now. Idempotent: revoking a revoked token changes nothing."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_event(
        actor=actor, action=AuditAction.TOKEN_REVOKE, clinic=clinic_of(token.user), obj=token,
        after={"user": token.user.username, "prefix": token.prefix},
    )
    return token


@transaction.atomic
def tokens_revoke_for_user(*, actor, user) -> int:
    """Revoke every active token of ``user`` (e.g. when the account is deactivated)."""
    tokens = list(ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True))
    for token in tokens:
        token_revoke(actor=actor, token=token)
    return len(tokens)
