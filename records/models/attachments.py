"""Documents attached to a patient's record: referral letters, consent forms, imaging reports."""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models

from records.choices import AttachmentKind

from .base import ClinicalModel, choice_constraint

__all__ = ["Attachment", "attachment_storage"]


def attachment_storage():
    """The storage named ``attachments`` in ``STORAGES`` (filesystem by default, S3 when configured)."""
    return storages["attachments"]


class Attachment(ClinicalModel):
    """A file attached to a patient's record. Append-only: never changed or deleted.

    The bytes live in the ``attachments`` storage under a name made of ids only (never the
    patient's or the file's name); ``sha256`` and ``size`` are of those bytes, and
    ``content_type`` is what the bytes are (checked from their magic numbers on upload).
    """

    patient = models.ForeignKey("records.Patient", on_delete=models.PROTECT, related_name="attachments")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=AttachmentKind.choices)
    file = models.FileField(storage=attachment_storage, max_length=255)
    # The name the file had on the uploader's computer: offered again on download.
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "created_at"], name="attachment_patient_created")]
        constraints = [
            choice_constraint("kind", AttachmentKind, name="attachment_kind_valid"),
            models.CheckConstraint(
                condition=~models.Q(title=""),
                name="attachment_title_not_empty",
                violation_error_message="An attachment needs a title.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"
