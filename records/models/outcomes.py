"""Outcomes (DESIGN §12): scored questionnaires, objective measures, Gunn's segmental signs."""

import uuid

from django.conf import settings
from django.db import models

from records.choices import Joint, MeasureKind, Movement, PptUnit, Segment, SegmentalSignKind, Side

from .base import ClinicalModel, choice_constraint

__all__ = ["ObjectiveMeasure", "OutcomeInstrument", "OutcomeResponse", "SegmentalSign"]


class OutcomeInstrument(models.Model):
    """A validated questionnaire, loaded from its data file (``records/instruments/``).

    Shipped instruments have no clinic and serve every clinic; an instrument a clinic holds a
    licence for is loaded with ``manage.py load_instrument FILE --clinic SLUG`` and only that
    clinic sees it. ``definition`` keeps the whole validated file; the other columns are the
    parts the API lists and the scorer reads.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        "records.Clinic", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=40)
    licence = models.TextField()
    items = models.JSONField()
    score_range = models.JSONField()
    higher_is_better = models.BooleanField()
    mcid = models.DecimalField(max_digits=7, decimal_places=2)
    mcid_source = models.TextField()
    scoring = models.JSONField()
    definition = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(clinic__isnull=True),
                name="instrument_code_unique_shipped",
                violation_error_message="An instrument with this code is already installed.",
            ),
            models.UniqueConstraint(
                fields=["clinic", "code"],
                name="instrument_code_unique_in_clinic",
                violation_error_message="The clinic already has an instrument with this code.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code} {self.version})"


class OutcomeResponse(ClinicalModel):
    """A patient's answers to an instrument at one moment, with the score the server computed."""

    patient = models.ForeignKey("records.Patient", on_delete=models.PROTECT, related_name="outcome_responses")
    instrument = models.ForeignKey(OutcomeInstrument, on_delete=models.PROTECT, related_name="responses")
    # The instrument's version when answered: a later reload must not reinterpret old answers.
    instrument_version = models.CharField(max_length=40)
    session = models.ForeignKey(
        "records.TreatmentSession", on_delete=models.PROTECT, related_name="outcome_responses",
        null=True, blank=True,
    )
    assessment = models.ForeignKey(
        "records.Assessment", on_delete=models.PROTECT, related_name="outcome_responses", null=True, blank=True
    )
    answers = models.JSONField()
    score = models.DecimalField(max_digits=7, decimal_places=2)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["recorded_at"]
        indexes = [
            models.Index(fields=["patient", "recorded_at"], name="outcome_patient_recorded"),
            models.Index(fields=["clinic", "updated_at"], name="outcome_clinic_updated"),
            models.Index(fields=["clinic", "recorded_at"], name="outcome_clinic_recorded"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.score} ({self.recorded_at:%Y-%m-%d})"


class ObjectiveMeasure(ClinicalModel):
    """A measured sign: pressure-pain threshold over a muscle, or a joint's range of motion."""

    patient = models.ForeignKey("records.Patient", on_delete=models.PROTECT, related_name="objective_measures")
    session = models.ForeignKey(
        "records.TreatmentSession", on_delete=models.PROTECT, related_name="objective_measures",
        null=True, blank=True,
    )
    assessment = models.ForeignKey(
        "records.Assessment", on_delete=models.PROTECT, related_name="objective_measures", null=True, blank=True
    )
    kind = models.CharField(max_length=30, choices=MeasureKind.choices)
    side = models.CharField(max_length=10, choices=Side.choices)
    # Pressure-pain threshold (algometer): muscle, value and unit.
    muscle = models.ForeignKey("records.Muscle", on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    value = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    unit = models.CharField(max_length=10, choices=PptUnit.choices, blank=True)
    # Range of motion (goniometer / inclinometer).
    joint = models.CharField(max_length=20, choices=Joint.choices, blank=True)
    movement = models.CharField(max_length=20, choices=Movement.choices, blank=True)
    degrees = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    active = models.BooleanField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["recorded_at"]
        constraints = [
            choice_constraint("kind", MeasureKind, name="measure_kind_valid"),
            choice_constraint("side", Side, name="measure_side_valid"),
            models.CheckConstraint(
                condition=~models.Q(kind=MeasureKind.PRESSURE_PAIN_THRESHOLD)
                | models.Q(muscle__isnull=False, value__gt=0, unit__in=PptUnit.values),
                name="measure_ppt_complete",
                violation_error_message="A pressure-pain threshold needs a muscle, a value above 0 and a unit.",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=MeasureKind.RANGE_OF_MOTION)
                | models.Q(
                    joint__in=Joint.values, movement__in=Movement.values, degrees__gte=-30, degrees__lte=360,
                    active__isnull=False,
                ),
                name="measure_rom_complete",
                violation_error_message="A range of motion needs a joint, a movement, degrees in −30…360 and active.",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "recorded_at"], name="measure_patient_recorded"),
            models.Index(fields=["clinic", "updated_at"], name="measure_clinic_updated"),
        ]

    def __str__(self) -> str:
        if self.kind == MeasureKind.PRESSURE_PAIN_THRESHOLD:
            return f"PPT {self.value} {self.unit} ({self.side})"
        return f"ROM {self.joint} {self.movement} {self.degrees}° ({self.side})"


class SegmentalSign(ClinicalModel):
    """One of Gunn's signs of neuropathy found at one spinal segment, at an assessment."""

    assessment = models.ForeignKey("records.Assessment", on_delete=models.CASCADE, related_name="segmental_signs")
    segment = models.CharField(max_length=3, choices=Segment.choices)
    sign = models.CharField(max_length=30, choices=SegmentalSignKind.choices)

    class Meta:
        ordering = ["assessment", "segment", "sign"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "segment", "sign"],
                name="segmental_sign_unique",
                violation_error_message="This sign is already recorded at this segment.",
            ),
            choice_constraint("segment", Segment, name="segmental_sign_segment_valid"),
            choice_constraint("sign", SegmentalSignKind, name="segmental_sign_sign_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.segment} {self.sign}"
