"""Needling authorisations: the regulator's permission a practitioner needs to needle."""

import uuid

from django.conf import settings
from django.db import models

from records.choices import AuthorisationKind

from .base import choice_constraint

__all__ = ["NeedlingAuthorisation"]


class NeedlingAuthorisation(models.Model):
    """A practitioner's authorisation to needle (dry needling, IMS or acupuncture).

    Regulators (e.g. Alberta, British Columbia, several US states) require it of each
    practitioner who needles; signing a needled session checks that one is current on the
    session's date. Rows are append-only: a lapsed authorisation is replaced by a new one.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("records.Clinic", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="needling_authorisations"
    )
    kind = models.CharField(max_length=20, choices=AuthorisationKind.choices)
    regulator = models.CharField(max_length=200, blank=True)
    registration_number = models.CharField(max_length=100, blank=True)
    granted_on = models.DateField()
    # Null: does not expire (until revoked by the regulator).
    expires_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["user_id", "-granted_on"]
        constraints = [
            choice_constraint("kind", AuthorisationKind, name="authorisation_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=models.F("granted_on")),
                name="authorisation_expiry_after_grant",
                violation_error_message="expires_on must not be before granted_on.",
            ),
        ]
        indexes = [models.Index(fields=["user", "granted_on"], name="authorisation_user_granted")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.user} ({self.granted_on}–{self.expires_on or 'open'})"
