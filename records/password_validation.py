"""Password rules beyond Django's (AUTH_PASSWORD_VALIDATORS): nothing built from the user's
name, their clinic, or the demo passwords published in the README, and not one repeated
character. Django's CommonPasswordValidator (its bundled list of 20,000 breached passwords,
offline) and the 12-character minimum stay in force beside it."""

import re

from django.core.exceptions import ValidationError

__all__ = ["DEMO_PASSWORDS", "ForbiddenContentValidator"]

# Published in the README and printed by seed_demo: never acceptable on a real account.
DEMO_PASSWORDS = ("ims-demo-2026!",)


def _folded(text: str) -> str:
    """Lower case, letters and digits only: 'IMS-Demo 2026!' → 'imsdemo2026'."""
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())


class ForbiddenContentValidator:
    """Refuses passwords containing the username, the clinic's name or slug, or a demo password
    (in any capitalisation or punctuation), and passwords of fewer than ``min_distinct`` characters."""

    def __init__(self, min_distinct: int = 5):
        self.min_distinct = min_distinct

    def _clinic_words(self, user) -> list[str]:
        membership = getattr(user, "membership", None) if user is not None and user.pk else None
        if membership is None and user is not None and user.pk:
            from records.models import Membership

            membership = Membership.objects.select_related("clinic").filter(user=user).first()
        if membership is None:
            return []
        return [membership.clinic.name, membership.clinic.slug]

    def validate(self, password, user=None):
        folded = _folded(password)
        if len(set(password)) < self.min_distinct:
            raise ValidationError(
                "This password repeats too few characters.", code="password_too_repetitive"
            )
        for demo in DEMO_PASSWORDS:
            if _folded(demo) in folded:
                raise ValidationError("This password is a published demo password.", code="password_demo")
        words = [getattr(user, "username", "")] + self._clinic_words(user)
        for word in words:
            word = _folded(word)
            if len(word) >= 3 and word in folded:
                raise ValidationError(
                    "This password contains your username or your clinic's name.", code="password_personal"
                )

    def get_help_text(self):
        return "Your password cannot contain your username, your clinic's name or a published demo password."
