"""Writes to identity: tokens, staff, clinics. Atomic, permission-checked, audited."""

from .clinics import clinic_create
from .staff import (
    authorisation_create,
    password_set,
    staff_create,
    staff_deactivate,
    staff_password_reset,
    staff_reactivate,
    staff_tokens_revoke,
    staff_update,
)
from .tokens import token_issue, token_revoke, tokens_revoke_for_user

__all__ = [
    "authorisation_create",
    "clinic_create",
    "password_set",
    "staff_create",
    "staff_deactivate",
    "staff_password_reset",
    "staff_reactivate",
    "staff_tokens_revoke",
    "staff_update",
    "token_issue",
    "token_revoke",
    "tokens_revoke_for_user",
]
