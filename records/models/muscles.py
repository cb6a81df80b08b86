"""The muscle catalogue: a global reference list, not per clinic."""

import uuid

from django.db import models

from records.choices import BodyView

from .base import choice_constraint

__all__ = ["Muscle", "muscle_uuid", "sync_muscle_catalogue"]

# Muscle ids are derived from the slug so they are the same in every installation:
# exports, imports and external tools can rely on them.
MUSCLE_NAMESPACE = uuid.UUID("6b1f2d0e-6c4a-4f57-9a64-2f3b7c9d8e10")


def muscle_uuid(slug: str) -> uuid.UUID:
    """The stable id of the catalogue muscle with this slug."""
    return uuid.uuid5(MUSCLE_NAMESPACE, slug)


class Muscle(models.Model):
    """A muscle that can be assessed and needled, with its innervation and body-map spot."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    region = models.CharField(max_length=20, db_index=True)
    nerve = models.CharField(max_length=120, blank=True)
    # Ordered root levels of the myotome, e.g. ["L4", "L5", "S1"].
    segments = models.JSONField(default=list, blank=True)
    # Needling over the lung/pleura: pneumothorax risk, raises a warning.
    lung_field = models.BooleanField(default=False)
    snomed_code = models.CharField(max_length=20, blank=True)
    view = models.CharField(max_length=10, choices=BodyView.choices)
    # Body-map marker for the patient's left side in `view`, percent of width/height;
    # the right side is mirrored about x = 50.
    x = models.FloatField()
    y = models.FloatField()

    class Meta:
        ordering = ["name"]
        constraints = [
            choice_constraint("view", BodyView, name="muscle_view_valid"),
            models.CheckConstraint(
                condition=models.Q(x__gte=0, x__lte=100, y__gte=0, y__lte=100),
                name="muscle_body_map_in_range",
                violation_error_message="Body-map coordinates must be within 0–100.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def sync_muscle_catalogue(model=None) -> None:
    """Write ``records.muscle_catalogue`` into the table, with the stable ids; idempotent.

    ``model`` is the historical model when a migration calls it. Tests call it too:
    a transactional test's flush empties the table the data migration filled.
    """
    from records.muscle_catalogue import MUSCLES

    model = model or Muscle
    if model.objects.count() == len(MUSCLES):
        return
    for entry in MUSCLES:
        model.objects.update_or_create(
            slug=entry["slug"],
            defaults={**{k: v for k, v in entry.items() if k != "slug"}, "id": muscle_uuid(entry["slug"])},
        )
