"""Staff accounts: a clinic admin can switch an account off, and with it every way in."""

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from records import policy
from records.choices import AuditAction
from records.exceptions import NotPermitted, RuleViolation

from .audit import audit_event

__all__ = ["credentials_revoke_on_password_change", "register_token_revoker", "staff_deactivate", "user_sessions_end"]

# Functions that revoke every API token of a user: ``fn(*, actor, user) -> int``. The token
# store lives outside the domain (api.tokens today; accounts/knox later), so it registers
# itself here (api/apps.py) instead of the domain importing it.
_token_revokers: list = []


def register_token_revoker(revoker) -> None:
    if revoker not in _token_revokers:
        _token_revokers.append(revoker)


def _revoke_tokens(*, actor, user) -> int:
    return sum(revoker(actor=actor, user=user) for revoker in _token_revokers)


@transaction.atomic
def credentials_revoke_on_password_change(*, user, actor=None) -> dict:
    """A changed or reset password ends everything the old one opened: every API token of
    ``user`` is revoked and every web session in the store ended, in one audited step.

    The session that made the change survives: Django re-keys it right after
    (``update_session_auth_hash``), and a reset signs the person in afresh.
    """
    actor = actor or user
    tokens = _revoke_tokens(actor=actor, user=user)
    sessions = user_sessions_end(user)
    audit_event(
        actor=actor, action=AuditAction.PASSWORD_CHANGE, clinic=policy.clinic_of(user), object_type="user",
        object_id=str(user.pk), after={"username": user.username, "tokens_revoked": tokens, "sessions_ended": sessions},
    )
    return {"tokens_revoked": tokens, "sessions_ended": sessions}


def user_sessions_end(user) -> int:
    """Delete every unexpired browser session of ``user`` from the session store.

    Sessions are stored signed but not indexed by user, so each live one is decoded; a
    clinic has few enough staff sessions for that to be cheap.
    """
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def staff_deactivate(*, actor, user) -> None:
    """Deactivate ``user``: no more logins, their API tokens revoked and sessions ended at once.

    Only a clinic admin of the user's own clinic (or a superuser) may do it, and never to
    their own account, so a clinic cannot lock out its last admin by a slip.
    """
    clinic = policy.clinic_of(user)
    if clinic is None and not getattr(actor, "is_superuser", False):
        raise NotPermitted("This account belongs to no clinic you manage.")
    policy.require(actor, "staff.manage", clinic=clinic)
    if actor.pk == user.pk:
        raise RuleViolation("You cannot deactivate your own account.")
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    was_active = user.is_active
    if was_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    tokens = _revoke_tokens(actor=actor, user=user)
    sessions = user_sessions_end(user)
    audit_event(
        actor=actor, action=AuditAction.DEACTIVATE, clinic=clinic, object_type="user", object_id=str(user.pk),
        before={"username": user.username, "is_active": was_active},
        after={"username": user.username, "is_active": False, "tokens_revoked": tokens, "sessions_ended": sessions},
    )
