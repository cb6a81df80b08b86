"""Shared base for clinical rows: UUID identity, tenant key, sync timestamps."""

import uuid

from django.db import models

__all__ = ["ClinicalModel", "choice_constraint"]


class ClinicalModel(models.Model):
    """A row of one clinic's clinical data.

    Every clinical row carries ``clinic`` (the tenant key) so that isolation is a plain
    filter and the tables can later be distributed by clinic without a redesign.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("records.Clinic", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Indexed per model (with clinic) for ?updated_since= incremental sync.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def choice_constraint(field: str, choices: type[models.TextChoices], *, name: str, null: bool = False):
    """A CheckConstraint that keeps ``field`` within ``choices`` even for raw updates."""
    condition = models.Q(**{f"{field}__in": choices.values})
    if null:
        condition |= models.Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(
        condition=condition,
        name=name,
        violation_error_message=f"{field} must be one of: {', '.join(choices.values)}.",
    )
