"""Append-only records: addenda to signed notes, and the audit trail."""

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from records.choices import AuditAction

from .base import ClinicalModel

__all__ = ["Addendum", "AuditEvent"]


class Addendum(ClinicalModel):
    """A dated, authored correction appended to a signed session or assessment."""

    patient = models.ForeignKey("records.Patient", on_delete=models.PROTECT, related_name="addenda")
    session = models.ForeignKey(
        "records.TreatmentSession", on_delete=models.PROTECT, related_name="addenda", null=True, blank=True
    )
    assessment = models.ForeignKey(
        "records.Assessment", on_delete=models.PROTECT, related_name="addenda", null=True, blank=True
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "addenda"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(session__isnull=False, assessment__isnull=True)
                | models.Q(session__isnull=True, assessment__isnull=False),
                name="addendum_amends_one_record",
                violation_error_message="An addendum amends exactly one session or assessment.",
            ),
        ]

    def __str__(self) -> str:
        return f"Addendum {self.created_at:%Y-%m-%d %H:%M} by {self.author}"


class AuditEvent(models.Model):
    """Who did what to which record, when: append-only, written with the change itself."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # Kept beside the FK so the trail stays readable in exports and after renames.
    actor_username = models.CharField(max_length=150, blank=True)
    clinic = models.ForeignKey(
        "records.Clinic", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=64, blank=True)
    patient = models.ForeignKey(
        "records.Patient", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # Every patient whose data a read returned (ids as text): a list read names them all
    # in one event. Nullable for the same reason as signature_key_id (no table rebuild).
    patients = models.JSONField(null=True, blank=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    # Where the event came from: api, web, admin, command; and the request that caused it.
    route = models.CharField(max_length=200, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["clinic", "at"], name="audit_clinic_at"),
            models.Index(fields=["patient", "at"], name="audit_patient_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.object_type}"

    @property
    def changes(self) -> dict:
        """Field → [before, after] for the fields that differ."""
        before, after = self.before or {}, self.after or {}
        return {
            key: [before.get(key), after.get(key)]
            for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key)
        }
