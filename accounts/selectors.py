"""Reads of a clinic's staff, in a fixed number of queries, and their one representation."""

import datetime as dt
from typing import TypedDict

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken
from records.clinical import authorisation_current_on, authorisation_expiring_within
from records.models import Clinic, NeedlingAuthorisation

__all__ = [
    "EXPIRY_WARNING_DAYS",
    "AuthorisationItem",
    "StaffItem",
    "authorisation_item",
    "has_current_authorisation",
    "staff_item",
    "staff_queryset",
    "user_tokens",
]

# The Staff page warns this many days before an authorisation lapses.
EXPIRY_WARNING_DAYS = 30


class AuthorisationItem(TypedDict):
    id: str
    kind: str
    regulator: str
    registration_number: str
    granted_on: dt.date
    expires_on: dt.date | None
    current: bool
    expiring_soon: bool


class StaffItem(TypedDict):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    role: str
    is_active: bool
    mfa_enabled: bool
    last_login: dt.datetime | None
    authorisations: list[AuthorisationItem]


def staff_queryset(clinic: Clinic) -> QuerySet:
    """The clinic's staff accounts with role, MFA state and authorisations (two queries)."""
    return (
        get_user_model().objects.filter(membership__clinic=clinic)
        .select_related("membership")
        .annotate(mfa_enabled=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .prefetch_related(
            Prefetch(
                "needling_authorisations",
                queryset=NeedlingAuthorisation.objects.order_by("-granted_on", "id"),
                to_attr="authorisation_list",
            )
        )
        .order_by("username")
    )


def authorisation_item(authorisation: NeedlingAuthorisation, today: dt.date) -> AuthorisationItem:
    """One authorisation as the API and the Staff page show it."""
    return {
        "id": str(authorisation.pk),
        "kind": authorisation.kind,
        "regulator": authorisation.regulator,
        "registration_number": authorisation.registration_number,
        "granted_on": authorisation.granted_on,
        "expires_on": authorisation.expires_on,
        "current": authorisation_current_on([(authorisation.granted_on, authorisation.expires_on)], today),
        "expiring_soon": authorisation_expiring_within(authorisation.expires_on, today, EXPIRY_WARNING_DAYS),
    }


def staff_item(user, today: dt.date) -> StaffItem:
    """One staff member (a row of :func:`staff_queryset`) as the API and the pages show it."""
    return {
        "id": user.pk,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.membership.role,
        "is_active": user.is_active,
        "mfa_enabled": bool(user.mfa_enabled),
        "last_login": user.last_login,
        "authorisations": [authorisation_item(a, today) for a in user.authorisation_list],
    }


def has_current_authorisation(user, day: dt.date) -> bool:
    """True when ``user`` holds a needling authorisation current on ``day``."""
    periods = NeedlingAuthorisation.objects.filter(user=user).values_list("granted_on", "expires_on")
    return authorisation_current_on(periods, day)


def user_tokens(user) -> QuerySet:
    """The user's API tokens, newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created")
