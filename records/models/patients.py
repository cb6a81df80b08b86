"""Patients, their needling precautions and their consent to needling."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from records.choices import PrecautionCode, Sex

from .base import ClinicalModel, choice_constraint

__all__ = ["Consent", "Patient", "Precaution"]


class Patient(ClinicalModel):
    """A person treated at a clinic. Never hard-deleted: archived instead."""

    chart_number = models.CharField(max_length=32)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every update; the API's ETag, so two writers cannot silently overwrite.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["family_name", "given_name", "chart_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "chart_number"],
                name="patient_chart_number_unique_in_clinic",
                violation_error_message="This chart number is already used in the clinic.",
            ),
            choice_constraint("sex", Sex, name="patient_sex_valid"),
        ]
        indexes = [
            models.Index(fields=["clinic", "updated_at"], name="patient_clinic_updated"),
            models.Index(fields=["clinic", "family_name"], name="patient_clinic_family"),
        ]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.chart_number})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Precaution(ClinicalModel):
    """A condition that matters when needling this patient (anticoagulants, pregnancy, …)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="precautions")
    code = models.CharField(max_length=32, choices=PrecautionCode.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["patient", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "code"],
                name="precaution_unique_per_patient",
                violation_error_message="This precaution is already recorded for the patient.",
            ),
            choice_constraint("code", PrecautionCode, name="precaution_code_valid"),
        ]

    def __str__(self) -> str:
        return self.get_code_display()


class Consent(ClinicalModel):
    """The patient's informed consent to needling; current while not withdrawn."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    given_at = models.DateTimeField()
    form_version = models.CharField(max_length=40)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["patient", "-given_at"]
        constraints = [
            # At most one open consent per patient: "current consent" is unambiguous.
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_open_per_patient",
                violation_error_message="The patient already has a current consent.",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True)
                | models.Q(withdrawn_at__gte=models.F("given_at")),
                name="consent_withdrawn_after_given",
                violation_error_message="Consent cannot be withdrawn before it was given.",
            ),
        ]

    def __str__(self) -> str:
        state = "withdrawn" if self.withdrawn_at else "current"
        return f"Consent {self.form_version} ({state})"

    def is_current(self, at=None) -> bool:
        at = at or timezone.now()
        return self.given_at <= at and (self.withdrawn_at is None or self.withdrawn_at > at)
