"""Who may do what: the role table (physiotherapist, clinic admin, API reader), in one place.

Services call :func:`require` before writing; the API's permission class and the
pages consult :func:`allowed` with the same action names, so the rules cannot drift.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from records.choices import Role
from records.exceptions import NotPermitted

__all__ = ["PERMISSIONS", "allowed", "clinic_of", "require", "role_of"]

P, A, R = Role.PHYSIOTHERAPIST, Role.CLINIC_ADMIN, Role.API_READER

PERMISSIONS: dict[str, frozenset[str]] = {
    "patient.read": frozenset({P, A, R}),
    "patient.create": frozenset({P, A}),
    "patient.update": frozenset({P, A}),
    "patient.archive": frozenset({A}),
    "consent.read": frozenset({P, A, R}),
    "consent.give": frozenset({P, A}),
    "consent.withdraw": frozenset({P, A}),
    "precautions.set": frozenset({P, A}),
    "record.read": frozenset({P, A, R}),
    "assessment.create": frozenset({P}),
    "assessment.update": frozenset({P}),
    "assessment.sign": frozenset({P}),
    "session.create": frozenset({P}),
    "session.update": frozenset({P}),
    "session.delete": frozenset({P}),
    "session.sign": frozenset({P}),
    "pain_score.create": frozenset({P}),
    "addendum.create": frozenset({P}),
    "audit.read": frozenset({A}),
    "export.run": frozenset({A}),
    "staff.manage": frozenset({A}),
    "outcome.create": frozenset({P}),
    "measure.create": frozenset({P}),
    "outcome_report.read": frozenset({P, A}),
    "webhook.manage": frozenset({A}),
    "changes.read": frozenset({P, A, R}),
    "bulk_export.run": frozenset({A, R}),
}
# Attached documents (DESIGN §13): physiotherapists and clinic admins upload, every role reads.
PERMISSIONS["attachment.create"] = frozenset({P, A})
PERMISSIONS["attachment.read"] = frozenset({P, A, R})


def role_of(user) -> str | None:
    """The user's role in their clinic, or None for users without a membership."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return None
    membership = getattr(user, "membership", None)
    return membership.role if membership is not None else None


def clinic_of(user):
    """The clinic the user works for, or None."""
    membership = getattr(user, "membership", None) if user is not None else None
    return membership.clinic if membership is not None else None


def allowed(user: AbstractBaseUser | None, action: str) -> bool:
    """True when the user's role permits ``action``. Superusers may do everything."""
    if user is not None and getattr(user, "is_superuser", False) and user.is_active:
        return True
    return role_of(user) in PERMISSIONS[action]


def require(user, action: str, *, clinic=None) -> None:
    """Refuse unless the user may do ``action`` (in ``clinic``, when given)."""
    if not allowed(user, action):
        raise NotPermitted(f"Your role may not {action.replace('.', ' ').replace('_', ' ')}.")
    if clinic is not None and not getattr(user, "is_superuser", False):
        own = clinic_of(user)
        if own is None or own.pk != clinic.pk:
            raise NotPermitted("This record belongs to another clinic.")
