"""Treatment sessions and what happened in them: muscles needled, pain, adverse events."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from records.choices import (
    AdverseEventKind,
    Outcome,
    PainMoment,
    RecordStatus,
    Segment,
    Severity,
    Side,
    TwitchResponse,
)

from .base import ClinicalModel, choice_constraint

__all__ = ["AdverseEvent", "PainScore", "TargetedMuscle", "TreatmentSession"]


class TreatmentSession(ClinicalModel):
    """One needling visit; a draft until signed, then locked (corrections are addenda)."""

    patient = models.ForeignKey("records.Patient", on_delete=models.PROTECT, related_name="sessions")
    assessment = models.ForeignKey(
        "records.Assessment",
        on_delete=models.PROTECT,
        related_name="sessions",
        null=True,
        blank=True,
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="treatment_sessions"
    )
    started_at = models.DateTimeField()
    # The nth session of this patient, assigned by the service under a patient row lock.
    number = models.PositiveIntegerField()
    needles_used = models.PositiveSmallIntegerField(default=0)
    needles_removed = models.PositiveSmallIntegerField(default=0)
    # Why fewer needles were removed than used (a lost or broken needle): the only way a
    # session with an unaccounted needle can be signed honestly (DESIGN §10).
    sharps_discrepancy_note = models.TextField(blank=True)
    # Technique suited to the lung field, and the patient told the signs of pneumothorax.
    lung_field_precautions_confirmed = models.BooleanField(default=False)
    exercises = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=RecordStatus.choices, default=RecordStatus.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    signature_digest = models.CharField(max_length=64, blank=True)
    # Which RECORDS_SIGNING_KEY made the digest (null: an unkeyed SHA-256 from before keys).
    # Nullable so adding it is a plain ALTER TABLE (no table rebuild dropping the triggers).
    signature_key_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "number"],
                name="session_number_unique_per_patient",
                violation_error_message="This session number is already used for the patient.",
            ),
            choice_constraint("status", RecordStatus, name="session_status_valid"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1),
                name="session_number_positive",
                violation_error_message="Session numbers start at 1.",
            ),
            models.CheckConstraint(
                condition=models.Q(needles_used__gte=0, needles_removed__gte=0),
                name="session_needle_counts_non_negative",
                violation_error_message="Needle counts cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(status=RecordStatus.DRAFT)
                | (
                    models.Q(signed_at__isnull=False, signed_by__isnull=False)
                    & (
                        models.Q(needles_used=models.F("needles_removed"))
                        | (
                            models.Q(needles_removed__lt=models.F("needles_used"))
                            & ~models.Q(sharps_discrepancy_note="")
                        )
                    )
                ),
                name="session_signed_is_complete",
                violation_error_message="A signed session needs its signer, time and a sharps count that matches "
                "or whose discrepancy is explained.",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "started_at"], name="session_patient_started"),
            models.Index(fields=["clinic", "started_at"], name="session_clinic_started"),
            models.Index(fields=["clinic", "updated_at"], name="session_clinic_updated"),
        ]

    def __str__(self) -> str:
        return f"Session {self.number} ({self.started_at:%Y-%m-%d})"

    @property
    def is_signed(self) -> bool:
        return self.status == RecordStatus.SIGNED


class TargetedMuscle(ClinicalModel):
    """One muscle needled in a session, in release order, with how it responded."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="targeted_muscles")
    order = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    muscle = models.ForeignKey("records.Muscle", on_delete=models.PROTECT, related_name="targetings")
    side = models.CharField(max_length=10, choices=Side.choices)
    # The root level needled, for paraspinals (multifidus) that are treated segmentally.
    segment = models.CharField(max_length=3, choices=Segment.choices, blank=True)
    needle_length_mm = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(5), MaxValueValidator(150)]
    )
    needle_diameter_mm = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.10")), MaxValueValidator(Decimal("0.50"))],
    )
    twitch_response = models.CharField(max_length=20, choices=TwitchResponse.choices)
    twitch_count = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=15, choices=Outcome.choices)
    notes = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["session", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "order"],
                name="targeted_order_unique_in_session",
                violation_error_message="Each muscle in a session needs its own release order.",
            ),
            models.CheckConstraint(
                condition=models.Q(order__gte=1),
                name="targeted_order_positive",
                violation_error_message="Release order starts at 1.",
            ),
            choice_constraint("side", Side, name="targeted_side_valid"),
            choice_constraint("twitch_response", TwitchResponse, name="targeted_twitch_valid"),
            choice_constraint("outcome", Outcome, name="targeted_outcome_valid"),
            models.CheckConstraint(
                condition=models.Q(segment="") | models.Q(segment__in=Segment.values),
                name="targeted_segment_valid",
                violation_error_message="Segment must be a spinal level C1…S5.",
            ),
        ]
        indexes = [
            models.Index(fields=["muscle", "session"], name="targeted_muscle_session"),
            models.Index(fields=["clinic", "twitch_response"], name="targeted_clinic_twitch"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.muscle} ({self.side})"


class PainScore(ClinicalModel):
    """An NPRS rating 0–10 at a moment of care (baseline, before/after a session, follow-up)."""

    patient = models.ForeignKey("records.Patient", on_delete=models.PROTECT, related_name="pain_scores")
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.CASCADE, related_name="pain_scores", null=True, blank=True
    )
    assessment = models.ForeignKey(
        "records.Assessment", on_delete=models.CASCADE, related_name="pain_scores", null=True, blank=True
    )
    moment = models.CharField(max_length=15, choices=PainMoment.choices)
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    region = models.CharField(max_length=100, blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=10),
                name="pain_score_0_10",
                violation_error_message="Pain is rated 0–10.",
            ),
            choice_constraint("moment", PainMoment, name="pain_moment_valid"),
        ]
        indexes = [
            models.Index(fields=["patient", "recorded_at"], name="pain_patient_recorded"),
            models.Index(fields=["clinic", "updated_at"], name="pain_clinic_updated"),
        ]

    def __str__(self) -> str:
        return f"NPRS {self.score}/10 ({self.moment})"


class AdverseEvent(ClinicalModel):
    """Something untoward that happened with a session's needling."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="adverse_events")
    kind = models.CharField(max_length=30, choices=AdverseEventKind.choices)
    severity = models.CharField(max_length=15, choices=Severity.choices, default=Severity.MILD)
    notes = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["session", "created_at"]
        constraints = [
            choice_constraint("kind", AdverseEventKind, name="adverse_event_kind_valid"),
            choice_constraint("severity", Severity, name="adverse_event_severity_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.severity})"
