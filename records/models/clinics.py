"""Clinics (tenants) and staff memberships."""

import uuid

from django.conf import settings
from django.db import models

from records.choices import Role

from .base import choice_constraint

__all__ = ["Clinic", "Membership"]


class Clinic(models.Model):
    """A physiotherapy clinic: the tenant that owns all clinical data."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(max_length=64, default="UTC")
    # Clinic admins must enrol in MFA before they reach patient data. On for clinics made by
    # create_clinic; off for existing and demo clinics, which opt in.
    require_mfa = models.BooleanField(default=False)
    # Printed on the clinic's documents (procedure notes, course summaries); optional.
    address = models.TextField(blank=True)
    # Last generated chart number; incremented under a row lock so numbers never collide.
    chart_number_seq = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """Links a staff account to its one clinic, with the role that decides what it may do."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clinic__name", "user__username"]
        constraints = [choice_constraint("role", Role, name="membership_role_valid")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.clinic})"
