"""Patients, their precautions and consent."""

from rest_framework import serializers

from records.choices import PrecautionCode, Sex

from .base import OffsetDateTimeField, StrictSerializer
from .representations import ConsentSerializer, PatientSerializer

__all__ = [
    "ConsentGiveSerializer",
    "ConsentSerializer",
    "ConsentWithdrawSerializer",
    "PatientSerializer",
    "PatientWriteSerializer",
    "PrecautionSerializer",
]


class PrecautionSerializer(StrictSerializer):
    code = serializers.ChoiceField(choices=PrecautionCode.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


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
