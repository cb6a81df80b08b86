"""Creating a clinic with its first clinic admin: how a clinic starts without a superuser."""

import zoneinfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from records.choices import AuditAction, Role
from records.exceptions import InvalidInput
from records.models import Clinic
from records.services import audit_event

from .staff import staff_create

__all__ = ["clinic_create"]


@transaction.atomic
def clinic_create(
    *, actor, slug: str, name: str, timezone: str, admin_username: str, admin_email: str = "",
    require_mfa: bool = True,
) -> tuple[Clinic, object, str]:
    """Create a clinic and its first clinic admin; returns ``(clinic, admin, invitation_url)``.

    ``require_mfa`` is on by default: the first admin enrols in MFA at first sign-in.
    Refuses a taken slug or username and an unknown time zone (nothing is saved).
    """
    errors: dict[str, list[str]] = {}
    if not slug or slugify(slug) != slug or len(slug) > 60:
        errors["slug"] = ["Use lower-case letters, digits and hyphens (at most 60), e.g. harbour-physio."]
    elif Clinic.objects.filter(slug=slug).exists():
        errors["slug"] = [f"A clinic with the slug {slug!r} already exists."]
    if not name or not name.strip() or len(name) > 200:
        errors["name"] = ["Give the clinic's name (at most 200 characters)."]
    if timezone not in zoneinfo.available_timezones():
        errors["timezone"] = [f"Unknown time zone {timezone!r}; use an IANA name such as America/Vancouver."]
    if admin_username and get_user_model().objects.filter(username__iexact=admin_username).exists():
        errors["admin"] = [f"The username {admin_username!r} is taken."]
    if errors:
        raise InvalidInput(errors)
    clinic = Clinic.objects.create(slug=slug, name=name.strip(), timezone=timezone, require_mfa=require_mfa)
    audit_event(
        actor=actor, action=AuditAction.CLINIC_CREATE, clinic=clinic, obj=clinic,
        after={"slug": slug, "name": clinic.name, "timezone": timezone, "require_mfa": require_mfa},
    )
    try:
        admin, url = staff_create(
            actor=actor, clinic=clinic, username=admin_username, role=Role.CLINIC_ADMIN, email=admin_email,
        )
    except InvalidInput as exc:
        renamed = {("admin" if key == "username" else key): value for key, value in exc.errors.items()}
        raise InvalidInput(renamed) from exc
    return clinic, admin, url
