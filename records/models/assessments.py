"""Assessments: they open a course of care with findings and an ordered release plan."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from records.choices import RecordStatus, Side

from .base import ClinicalModel, choice_constraint

__all__ = ["Assessment", "AssessmentFinding", "PlanItem"]


class Assessment(ClinicalModel):
    """The initial assessment of a course of care; locked once signed."""

    patient = models.ForeignKey("records.Patient", on_delete=models.PROTECT, related_name="assessments")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments"
    )
    assessed_at = models.DateTimeField()
    chief_complaint = models.CharField(max_length=500)
    history = models.TextField(blank=True)
    # Spinal segments judged irritated (Gunn): their myotomes guide the plan.
    affected_segments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=RecordStatus.choices, default=RecordStatus.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # SHA-256 over the canonical signed content; recomputed by verify to detect tampering.
    signature_digest = models.CharField(max_length=64, blank=True)
    # Which RECORDS_SIGNING_KEY made the digest (null: an unkeyed SHA-256 from before keys).
    # Nullable so adding it is a plain ALTER TABLE (no table rebuild dropping the triggers).
    signature_key_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-assessed_at"]
        constraints = [
            choice_constraint("status", RecordStatus, name="assessment_status_valid"),
            models.CheckConstraint(
                condition=models.Q(status=RecordStatus.DRAFT)
                | models.Q(signed_at__isnull=False, signed_by__isnull=False),
                name="assessment_signed_has_signer",
                violation_error_message="A signed assessment needs its signer and time.",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "assessed_at"], name="assessment_patient_time"),
            models.Index(fields=["clinic", "updated_at"], name="assessment_clinic_updated"),
        ]

    def __str__(self) -> str:
        return f"Assessment {self.assessed_at:%Y-%m-%d}: {self.chief_complaint[:40]}"

    @property
    def is_signed(self) -> bool:
        return self.status == RecordStatus.SIGNED


class AssessmentFinding(ClinicalModel):
    """What palpation found in one muscle at assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="findings")
    muscle = models.ForeignKey("records.Muscle", on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=10, choices=Side.choices)
    taut_band = models.BooleanField(default=False)
    tenderness = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(3)])
    notes = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["assessment", "muscle__name"]
        constraints = [
            choice_constraint("side", Side, name="finding_side_valid"),
            models.CheckConstraint(
                condition=models.Q(tenderness__gte=0, tenderness__lte=3),
                name="finding_tenderness_0_3",
                violation_error_message="Tenderness is graded 0–3.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.muscle} ({self.side})"


class PlanItem(ClinicalModel):
    """One step of the intended release order."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="plan")
    order = models.PositiveSmallIntegerField()
    muscle = models.ForeignKey("records.Muscle", on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=10, choices=Side.choices)
    rationale = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["assessment", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "order"],
                name="plan_order_unique_in_assessment",
                violation_error_message="Each plan step needs its own order number.",
            ),
            models.CheckConstraint(
                condition=models.Q(order__gte=1),
                name="plan_order_positive",
                violation_error_message="Plan order starts at 1.",
            ),
            choice_constraint("side", Side, name="plan_side_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.muscle} ({self.side})"
