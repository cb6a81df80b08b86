"""Patients, their precautions and consent."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from records.choices import PrecautionCode, Sex
from records.models import Consent, Patient, Precaution
from records.selectors import current_consent_among

from .base import OffsetDateTimeField, StrictSerializer

__all__ = [
    "ConsentGiveSerializer",
    "ConsentSerializer",
    "ConsentWithdrawSerializer",
    "PatientSerializer",
    "PatientWriteSerializer",
    "PrecautionSerializer",
    "current_consent_from_prefetch",
]


def current_consent_from_prefetch(patient: Patient):
    """The current consent, from the prefetched ``consents`` (no query per patient)."""
    return current_consent_among(patient.consents.all())


class PrecautionSerializer(StrictSerializer):
    code = serializers.ChoiceField(choices=PrecautionCode.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PrecautionReadSerializer(serializers.ModelSerializer):
    class Meta:
        model = Precaution
        fields = ["code", "note"]


class ConsentSerializer(serializers.ModelSerializer):
    """A consent to needling; ``current`` while not withdrawn."""

    current = serializers.SerializerMethodField()

    class Meta:
        model = Consent
        fields = ["id", "given_at", "form_version", "recorded_by", "withdrawn_at", "withdrawn_by", "current"]
        read_only_fields = fields

    def get_current(self, consent: Consent) -> bool:
        return consent.is_current()


class PatientSerializer(serializers.ModelSerializer):
    """A patient as the API shows it: demographics, precautions and current consent."""

    precautions = PrecautionReadSerializer(many=True, read_only=True)
    consent = serializers.SerializerMethodField(help_text="The consent in force now, or null.")
    # Plain strings: a blank e-mail is valid here and is not an "email"-format string.
    email = serializers.CharField(read_only=True, help_text="E-mail address, or empty.")
    archived = serializers.SerializerMethodField()

    class Meta:
        model = Patient
        fields = [
            "id", "chart_number", "given_name", "family_name", "date_of_birth", "sex", "phone", "email",
            "precautions", "consent", "archived", "archived_at", "version", "created_at", "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ConsentSerializer(allow_null=True))
    def get_consent(self, patient: Patient):
        consent = current_consent_from_prefetch(patient)
        return ConsentSerializer(consent).data if consent is not None else None

    def get_archived(self, patient: Patient) -> bool:
        return patient.archived_at is not None


class PatientWriteSerializer(StrictSerializer):
    """Create (POST) or change (PUT, PATCH) a patient. ``precautions``, when sent, replace
    the patient's list; ``chart_number`` is generated when omitted on create."""

    ignored_keys = frozenset({"id", "consent", "archived", "archived_at", "version", "created_at", "updated_at"})

    chart_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField()
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, default=Sex.UNKNOWN)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    precautions = PrecautionSerializer(many=True, required=False)


class ConsentGiveSerializer(StrictSerializer):
    given_at = OffsetDateTimeField(required=False, help_text="When consent was given (default: now).")
    form_version = serializers.CharField(max_length=40, help_text="The consent form's version, e.g. `IMS-2026-01`.")


class ConsentWithdrawSerializer(StrictSerializer):
    withdrawn_at = OffsetDateTimeField(required=False, help_text="When consent was withdrawn (default: now).")
