"""Issuing and revoking API tokens: the only writes to :class:`accounts.models.ApiToken`."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken
from records.choices import AuditAction
from records.policy import clinic_of
from records.services import audit_event

__all__ = ["token_issue", "token_revoke", "tokens_revoke_for_user"]


@transaction.atomic
def token_issue(*, actor, user, expires_days: int | None = None, name: str = "") -> tuple[str, ApiToken]:
    """Create a token for ``user``; returns the raw token (show it once) and the row.

    The user's expired tokens are deleted here rather than on each request, so the
    per-request lookup never writes.
    """
    days = settings.API_TOKEN_TTL_DAYS if expires_days is None else expires_days
    if days < 1:
        raise ValueError("A token must live at least one day.")
    ApiToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    token, raw = ApiToken.objects.create(user=user, expiry=dt.timedelta(days=days), name=name[:100])
    audit_event(
        actor=actor, action=AuditAction.TOKEN_ISSUE, clinic=clinic_of(user), object_type="apitoken",
        object_id=token.prefix,
        after={"user": user.username, "prefix": token.prefix, "expires_at": token.expiry.isoformat()},
    )
    return raw, token


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> None:
    """Revoke one token now (its row is deleted). Idempotent."""
    token = ApiToken.objects.select_for_update().select_related("user").filter(pk=token.pk).first()
    if token is None:
        return
    token.delete()
    audit_event(
        actor=actor, action=AuditAction.TOKEN_REVOKE, clinic=clinic_of(token.user), object_type="apitoken",
        object_id=token.prefix, after={"user": token.user.username, "prefix": token.prefix},
    )


@transaction.atomic
def tokens_revoke_for_user(*, actor, user) -> int:
    """Revoke every token of ``user`` (deactivation, a password change, on request)."""
    tokens = list(ApiToken.objects.select_for_update().filter(user=user))
    for token in tokens:
        token_revoke(actor=actor, token=token)
    return len(tokens)
