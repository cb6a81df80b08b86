"""Staff accounts of a clinic: invite, change, deactivate, reactivate, reset, authorise.

Every function is atomic, checks that ``actor`` manages the staff member's clinic (clinic
admins, or a superuser), and writes its audit event in the same transaction.
"""

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction

from accounts.links import account_link_url
from accounts.sessions import user_sessions_end
from records import policy
from records.choices import AuditAction, AuthorisationKind, Role
from records.exceptions import InvalidInput, NotPermitted, RuleViolation
from records.models import Clinic, Membership, NeedlingAuthorisation
from records.services import audit_event

from .tokens import tokens_revoke_for_user

__all__ = [
    "STAFF_EDITABLE_FIELDS",
    "authorisation_create",
    "credentials_revoke_on_password_change",
    "password_set",
    "staff_create",
    "staff_deactivate",
    "staff_password_reset",
    "staff_reactivate",
    "staff_tokens_revoke",
    "staff_update",
]

logger = logging.getLogger(__name__)

STAFF_EDITABLE_FIELDS = ("role", "first_name", "last_name", "email")
_LAST_ADMIN = (
    "This is the clinic's last active clinic admin: make another staff member a clinic admin first."
)


def _errors_add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _check_names(values: dict, errors: dict) -> None:
    for field in ("first_name", "last_name"):
        if field in values and (not isinstance(values[field], str) or len(values[field]) > 150):
            _errors_add(errors, field, "Give at most 150 characters.")


def _check_role(values: dict, errors: dict) -> None:
    if "role" in values and values["role"] not in Role.values:
        _errors_add(errors, "role", f"Unknown role; choose one of: {', '.join(Role.values)}.")


def _check_email(values: dict, clinic: Clinic, errors: dict, *, exclude_pk=None) -> None:
    email = values.get("email")
    if not email:
        return
    try:
        validate_email(email)
    except ValidationError:
        _errors_add(errors, "email", "Enter a valid email address.")
        return
    taken = Membership.objects.filter(clinic=clinic, user__email__iexact=email)
    if exclude_pk is not None:
        taken = taken.exclude(user_id=exclude_pk)
    if taken.exists():
        _errors_add(errors, "email", "Another staff member of this clinic has this email address.")


def _manage(actor, user):
    """The user's clinic, once ``actor`` is allowed to manage its staff."""
    clinic = policy.clinic_of(user)
    if clinic is None and not getattr(actor, "is_superuser", False):
        raise NotPermitted("This account belongs to no clinic you manage.")
    policy.require(actor, "staff.manage", clinic=clinic)
    return clinic


def _other_active_admins(clinic: Clinic, user) -> int:
    # Locks the clinic's admin memberships, so two admins demoting each other at once
    # cannot both succeed (PostgreSQL; SQLite serialises writers anyway).
    admins = list(
        Membership.objects.select_for_update().filter(clinic=clinic, role=Role.CLINIC_ADMIN, user__is_active=True)
    )
    return sum(1 for membership in admins if membership.user_id != user.pk)


def _staff_state(user, membership) -> dict:
    return {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "role": membership.role, "is_active": user.is_active,
    }


def send_link_mail(user, url: str, *, invitation: bool) -> None:
    """Mail a link after the transaction commits, when ``EMAIL_URL`` is configured."""
    if not (settings.EMAIL_CONFIGURED and user.email):
        return
    subject = "Your IMS Records account" if invitation else "Reset your IMS Records password"
    body = (
        f"Hello {user.get_full_name() or user.username},\n\n"
        f"{'You have been invited to IMS Records' if invitation else 'A password reset was requested'}"
        f" (username {user.username}). Choose your password here within 72 hours:\n\n{url}\n\n"
        "The link works once.\n"
    )

    def deliver():
        try:
            send_mail(subject, body, None, [user.email])
        except OSError:
            # The link was shown to the admin, who can pass it on; the mail is a courtesy.
            logger.warning("Could not send the account link mail.")

    transaction.on_commit(deliver)


@transaction.atomic
def staff_create(
    *, actor, clinic: Clinic, username: str, role: str, first_name: str = "", last_name: str = "", email: str = ""
):
    """Create a staff account of ``clinic`` with no usable password; returns ``(user, invitation_url)``.

    The invitation link (72 h, single use) lets the person choose a password. ``actor`` None
    is an operator at the console (``create_clinic``).
    """
    if actor is not None:
        policy.require(actor, "staff.manage", clinic=clinic)
    values = {"username": username, "role": role, "first_name": first_name, "last_name": last_name, "email": email}
    errors: dict[str, list[str]] = {}
    if not isinstance(username, str) or not username.strip():
        _errors_add(errors, "username", "This field is required.")
    else:
        try:
            UnicodeUsernameValidator()(username)
            if len(username) > 150:
                raise ValidationError("too long")
        except ValidationError:
            _errors_add(errors, "username", "Use at most 150 letters, digits and @/./+/-/_ only.")
        else:
            if get_user_model().objects.filter(username__iexact=username).exists():
                _errors_add(errors, "username", "This username is taken.")
    _check_role(values, errors)
    _check_names(values, errors)
    _check_email(values, clinic, errors)
    if errors:
        raise InvalidInput(errors)
    user = get_user_model()(
        username=username, first_name=first_name, last_name=last_name, email=email,
        # Clinic admins also work in the Django admin (scoped to their clinic there).
        is_staff=role == Role.CLINIC_ADMIN,
    )
    user.set_unusable_password()
    user.save()
    membership = Membership.objects.create(user=user, clinic=clinic, role=role)
    user.membership = membership
    url = account_link_url(user)
    audit_event(
        actor=actor, action=AuditAction.STAFF_CREATE, clinic=clinic, object_type="user", object_id=str(user.pk),
        after=_staff_state(user, membership),
    )
    send_link_mail(user, url, invitation=True)
    return user, url


@transaction.atomic
def staff_update(*, actor, user, changes: dict):
    """Change a staff member's role, names or email. Never leaves the clinic without an active admin."""
    clinic = _manage(actor, user)
    unknown = set(changes) - set(STAFF_EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput({field: ["This field cannot be changed here."] for field in sorted(unknown)})
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    membership = Membership.objects.select_for_update().get(user=user)
    errors: dict[str, list[str]] = {}
    _check_role(changes, errors)
    _check_names(changes, errors)
    _check_email(changes, clinic, errors, exclude_pk=user.pk)
    if (
        not errors and changes.get("role", membership.role) != Role.CLINIC_ADMIN
        and membership.role == Role.CLINIC_ADMIN and user.is_active and _other_active_admins(clinic, user) == 0
    ):
        _errors_add(errors, "role", _LAST_ADMIN)
    if errors:
        raise InvalidInput(errors)
    before = _staff_state(user, membership)
    user_fields = [field for field in ("first_name", "last_name", "email") if field in changes]
    for field in user_fields:
        setattr(user, field, changes[field])
    if user_fields:
        user.save(update_fields=user_fields)
    if "role" in changes and changes["role"] != membership.role:
        membership.role = changes["role"]
        membership.save(update_fields=["role"])
        if not user.is_superuser:
            user.is_staff = membership.role == Role.CLINIC_ADMIN
            user.save(update_fields=["is_staff"])
    after = _staff_state(user, membership)
    if after != before:
        audit_event(
            actor=actor, action=AuditAction.STAFF_UPDATE, clinic=clinic, object_type="user",
            object_id=str(user.pk), before=before, after=after,
        )
    return user


@transaction.atomic
def staff_deactivate(*, actor, user) -> None:
    """Deactivate ``user``: no more sign-ins; API tokens revoked and web sessions ended at once.

    Refused for one's own account and for the clinic's last active admin.
    """
    clinic = _manage(actor, user)
    if actor is not None and actor.pk == user.pk:
        raise RuleViolation("You cannot deactivate your own account.")
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    membership = Membership.objects.filter(user=user).first()
    if (
        membership is not None and membership.role == Role.CLINIC_ADMIN and user.is_active
        and _other_active_admins(clinic, user) == 0
    ):
        raise InvalidInput({"is_active": [_LAST_ADMIN]})
    was_active = user.is_active
    if was_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    tokens = tokens_revoke_for_user(actor=actor, user=user)
    sessions = user_sessions_end(user)
    audit_event(
        actor=actor, action=AuditAction.STAFF_DEACTIVATE, clinic=clinic, object_type="user",
        object_id=str(user.pk), before={"username": user.username, "is_active": was_active},
        after={"username": user.username, "is_active": False, "tokens_revoked": tokens, "sessions_ended": sessions},
    )


@transaction.atomic
def staff_reactivate(*, actor, user) -> None:
    """Let a deactivated staff member sign in again (with their old password, if any)."""
    clinic = _manage(actor, user)
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_event(
        actor=actor, action=AuditAction.STAFF_REACTIVATE, clinic=clinic, object_type="user",
        object_id=str(user.pk), before={"username": user.username, "is_active": False},
        after={"username": user.username, "is_active": True},
    )


@transaction.atomic
def staff_tokens_revoke(*, actor, user) -> int:
    """Revoke every API token of a staff member; returns how many."""
    _manage(actor, user)
    return tokens_revoke_for_user(actor=actor, user=user)


@transaction.atomic
def staff_password_reset(*, actor, user) -> str:
    """A one-time link (72 h) on which ``user`` chooses a new password; mailed when mail is set up."""
    clinic = _manage(actor, user)
    if not user.is_active:
        raise InvalidInput({"is_active": ["This account is deactivated: reactivate it first."]})
    url = account_link_url(user)
    audit_event(
        actor=actor, action=AuditAction.STAFF_PASSWORD_RESET, clinic=clinic, object_type="user",
        object_id=str(user.pk), after={"username": user.username},
    )
    send_link_mail(user, url, invitation=False)
    return url


@transaction.atomic
def password_set(*, actor, user, password: str, keep_session: str | None = None) -> None:
    """Set ``user``'s password (validated), revoking their API tokens and other web sessions."""
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput({"new_password1": list(exc.messages)}) from exc
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user._credentials_revoked = True  # done just below, keeping this session (see password_changes)
    user.save(update_fields=["password"])
    tokens = tokens_revoke_for_user(actor=actor, user=user)
    sessions = user_sessions_end(user, keep=keep_session)
    audit_event(
        actor=actor, action=AuditAction.PASSWORD_SET, clinic=policy.clinic_of(user), object_type="user",
        object_id=str(user.pk),
        after={"username": user.username, "tokens_revoked": tokens, "sessions_ended": sessions},
    )


@transaction.atomic
def credentials_revoke_on_password_change(*, user, actor=None) -> dict:
    """A password changed anywhere else (the admin's form, ``changepassword``, a shell) ends
    everything the old one opened: every API token of ``user`` is revoked and every web
    session in the store ended, in one audited step (see accounts.password_changes).
    """
    actor = actor or user
    tokens = tokens_revoke_for_user(actor=actor, user=user)
    sessions = user_sessions_end(user)
    audit_event(
        actor=actor, action=AuditAction.PASSWORD_CHANGE, clinic=policy.clinic_of(user), object_type="user",
        object_id=str(user.pk), after={"username": user.username, "tokens_revoked": tokens, "sessions_ended": sessions},
    )
    return {"tokens_revoked": tokens, "sessions_ended": sessions}


def _parse_date(value, field: str, errors: dict) -> dt.date | None:
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    _errors_add(errors, field, "Give a date as YYYY-MM-DD.")
    return None


@transaction.atomic
def authorisation_create(
    *, actor, user, kind: str, granted_on, expires_on=None, regulator: str = "", registration_number: str = ""
) -> NeedlingAuthorisation:
    """Record a staff member's needling authorisation (dry needling, IMS or acupuncture)."""
    clinic = _manage(actor, user)
    errors: dict[str, list[str]] = {}
    if kind not in AuthorisationKind.values:
        _errors_add(errors, "kind", f"Unknown kind; choose one of: {', '.join(AuthorisationKind.values)}.")
    if granted_on is None:
        _errors_add(errors, "granted_on", "This field is required.")
    granted = _parse_date(granted_on, "granted_on", errors)
    expires = _parse_date(expires_on, "expires_on", errors)
    if granted and expires and expires < granted:
        _errors_add(errors, "expires_on", "The expiry date is before the date it was granted.")
    for field, value, limit in (("regulator", regulator, 200), ("registration_number", registration_number, 100)):
        if not isinstance(value, str) or len(value) > limit:
            _errors_add(errors, field, f"Give at most {limit} characters.")
    if errors:
        raise InvalidInput(errors)
    authorisation = NeedlingAuthorisation.objects.create(
        clinic=clinic, user=user, kind=kind, regulator=regulator, registration_number=registration_number,
        granted_on=granted, expires_on=expires, created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_event(
        actor=actor, action=AuditAction.AUTHORISATION_CREATE, clinic=clinic, obj=authorisation,
        after={
            "username": user.username, "kind": kind, "regulator": regulator,
            "registration_number": registration_number, "granted_on": granted.isoformat(),
            "expires_on": expires.isoformat() if expires else None,
        },
    )
    return authorisation
