"""Multi-factor authentication on django-otp: TOTP (authenticator apps) and recovery codes.

Services for enrolment, verification and reset; :func:`mfa_state` decides what a signed-in
user still owes: nothing (``ok``), a code (``verify``) or enrolment (``enrol``, for clinic
admins of a clinic with ``require_mfa``).
"""

from base64 import b32encode

from django.db import transaction
from django_otp import devices_for_user, match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from records import policy
from records.choices import AuditAction, Role
from records.exceptions import InvalidInput
from records.services import audit_event

__all__ = [
    "MFA_ENROL",
    "MFA_OK",
    "MFA_VERIFY",
    "RECOVERY_CODE_COUNT",
    "mfa_enabled",
    "mfa_enrolment_required",
    "mfa_reset",
    "mfa_state",
    "otp_match",
    "totp_begin",
    "totp_confirm",
    "totp_secret",
]

MFA_OK, MFA_VERIFY, MFA_ENROL = "ok", "verify", "enrol"
RECOVERY_CODE_COUNT = 10


def mfa_enabled(user) -> bool:
    """True when ``user`` has a confirmed authenticator (TOTP device)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_enrolment_required(user) -> bool:
    """A clinic admin of a ``require_mfa`` clinic must enrol before reaching patient data."""
    clinic = policy.clinic_of(user)
    return bool(clinic is not None and clinic.require_mfa and policy.role_of(user) == Role.CLINIC_ADMIN)


def mfa_state(user) -> str:
    """``verify`` when the user has MFA, ``enrol`` when they must set it up, else ``ok``."""
    if user_has_device(user, confirmed=True):
        return MFA_VERIFY
    return MFA_ENROL if mfa_enrolment_required(user) else MFA_OK


def otp_match(user, code: str):
    """The device that accepts ``code`` (a current TOTP code or an unused recovery code), or None.

    django-otp refuses a TOTP code already used (it remembers the last time step) and deletes
    a recovery code once used, so neither works twice.
    """
    code = "".join((code or "").split())
    if not code or len(code) > 32:
        return None
    return match_token(user, code)


def totp_secret(device: TOTPDevice) -> str:
    """The base32 secret, as authenticator apps take it for manual entry."""
    return b32encode(device.bin_key).decode()


@transaction.atomic
def totp_begin(*, actor) -> TOTPDevice:
    """Start enrolment: a new unconfirmed authenticator for ``actor`` (replacing any earlier unconfirmed one)."""
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    return TOTPDevice.objects.create(user=actor, name="Authenticator app", confirmed=False)


@transaction.atomic
def totp_confirm(*, actor, device: TOTPDevice, code: str) -> list[str]:
    """Confirm enrolment with a code from the app; returns the new recovery codes (shown once)."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=actor, confirmed=False)
    if not device.verify_token("".join((code or "").split())):
        raise InvalidInput({"otp": ["That code is not right. Enter the 6-digit code your app shows now."]})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=actor).delete()
    recovery = StaticDevice.objects.create(user=actor, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=code) for code in codes])
    audit_event(
        actor=actor, action=AuditAction.MFA_ENROL, clinic=policy.clinic_of(actor), object_type="user",
        object_id=str(actor.pk), after={"username": actor.username, "recovery_codes": len(codes)},
    )
    return codes


@transaction.atomic
def mfa_reset(*, actor, user) -> int:
    """Remove every authenticator and recovery code of ``user`` (a lost device).

    A clinic admin of the user's clinic may do it (``actor`` None: an operator at the
    console, ``manage.py mfa_reset``). The user's web sessions end, so the next sign-in
    asks for enrolment where the clinic requires it.
    """
    from accounts.sessions import user_sessions_end

    clinic = policy.clinic_of(user)
    if actor is not None:
        policy.require(actor, "staff.manage", clinic=clinic)
    devices = list(devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    ended = user_sessions_end(user)
    audit_event(
        actor=actor, action=AuditAction.MFA_RESET, clinic=clinic, object_type="user", object_id=str(user.pk),
        after={"username": user.username, "devices_removed": len(devices), "sessions_ended": ended},
    )
    return len(devices)
