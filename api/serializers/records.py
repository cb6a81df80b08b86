"""Muscles, assessments, sessions, pain scores, addenda, audit events."""

from decimal import Decimal

from rest_framework import serializers

from records.choices import (
    AdverseEventKind,
    Outcome,
    PainMoment,
    Segment,
    SegmentalSignKind,
    Severity,
    Side,
    TwitchResponse,
)
from records.models import Assessment, AuditEvent, Muscle, Patient

from .base import ClinicScopedPrimaryKeyField, OffsetDateTimeField, StrictSerializer
from .representations import (
    AddendumSerializer,
    AssessmentSerializer,
    PainScoreSerializer,
    SessionSerializer,
    WarningSerializer,
)

__all__ = [
    "AddendumCreateSerializer",
    "AddendumSerializer",
    "AssessmentPatchSerializer",
    "AssessmentSerializer",
    "AssessmentWriteSerializer",
    "AuditEventSerializer",
    "MuscleSerializer",
    "PainScoreCreateSerializer",
    "PainScoreSerializer",
    "SessionPatchSerializer",
    "SessionPutSerializer",
    "SessionSerializer",
    "SessionWriteSerializer",
    "VerifySerializer",
    "WarningSerializer",
]

MUSCLE_REF_HELP = "The muscle's id (UUID) from `GET /api/v1/muscles/`; a catalogue slug is accepted too."


# --- muscles ------------------------------------------------------------------------


class MuscleSerializer(serializers.ModelSerializer):
    """A muscle of the global catalogue."""

    class Meta:
        model = Muscle
        fields = ["id", "name", "slug", "region", "nerve", "segments", "lung_field", "snomed_code", "view", "x", "y"]
        read_only_fields = fields

    segments = serializers.ListField(child=serializers.CharField(), read_only=True)


# --- addenda ------------------------------------------------------------------------


class AddendumCreateSerializer(StrictSerializer):
    text = serializers.CharField(max_length=20000)


# --- nested rows (write) ------------------------------------------------------------


class TargetedMuscleInputSerializer(StrictSerializer):
    """One muscle needled; ``order`` defaults to the item's position (1-based)."""

    ignored_keys = frozenset({"id", "muscle_name"})

    order = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    muscle = serializers.CharField(max_length=100, help_text=MUSCLE_REF_HELP)
    side = serializers.ChoiceField(choices=Side.choices)
    segment = serializers.ChoiceField(
        choices=Segment.choices, required=False, allow_blank=True, help_text="Root level, for paraspinals."
    )
    needle_length_mm = serializers.IntegerField(min_value=5, max_value=150, required=False, allow_null=True)
    needle_diameter_mm = serializers.DecimalField(
        max_digits=3, decimal_places=2, min_value=Decimal("0.10"), max_value=Decimal("0.50"), required=False,
        allow_null=True,
        coerce_to_string=False,
    )
    twitch_response = serializers.ChoiceField(choices=TwitchResponse.choices)
    twitch_count = serializers.IntegerField(min_value=0, max_value=1000, required=False, allow_null=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True)


class SessionPainScoreInputSerializer(StrictSerializer):
    """Pain before/after the session (NPRS 0–10); ``recorded_at`` defaults to ``started_at``."""

    ignored_keys = frozenset({"id"})

    moment = serializers.ChoiceField(
        choices=PainMoment.choices, help_text="`pre_session`, `post_session` or `follow_up` (baseline is refused)."
    )
    score = serializers.IntegerField(min_value=0, max_value=10)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    recorded_at = OffsetDateTimeField(required=False)


class AdverseEventInputSerializer(StrictSerializer):
    ignored_keys = frozenset({"id"})

    kind = serializers.ChoiceField(choices=AdverseEventKind.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, default=Severity.MILD)
    notes = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class FindingInputSerializer(StrictSerializer):
    ignored_keys = frozenset({"id", "muscle_name"})

    muscle = serializers.CharField(max_length=100, help_text=MUSCLE_REF_HELP)
    side = serializers.ChoiceField(choices=Side.choices)
    taut_band = serializers.BooleanField(required=False, default=False)
    tenderness = serializers.IntegerField(min_value=0, max_value=3, required=False, default=0)
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True)


class PlanItemInputSerializer(StrictSerializer):
    """One step of the intended release order; ``order`` defaults to the item's position."""

    ignored_keys = frozenset({"id", "muscle_name"})

    order = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    muscle = serializers.CharField(max_length=100, help_text=MUSCLE_REF_HELP)
    side = serializers.ChoiceField(choices=Side.choices)
    rationale = serializers.CharField(max_length=500, required=False, allow_blank=True)


# --- records (read) -----------------------------------------------------------------
# Sessions, assessments, pain scores and addenda are described by serializers generated
# from their representation types (api/serializers/representations.py).


class AuditEventSerializer(serializers.ModelSerializer):
    """One audit trail entry; ``changes`` maps each changed field to ``[before, after]``."""

    actor = serializers.CharField(source="actor_username", read_only=True, help_text="The acting user's username.")
    changes = serializers.DictField(child=serializers.JSONField(), read_only=True)
    patients = serializers.SerializerMethodField(help_text="Every patient whose data the event is about (ids).")

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "action", "object_type", "object_id", "patient", "changes", "route",
                  "request_id", "patients"]
        read_only_fields = fields


    def get_patients(self, event) -> list[str]:
        if event.patients is not None:
            return event.patients
        return [str(event.patient_id)] if event.patient_id else []


class VerifySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField(help_text="`intact` when the stored digest matches the record now, else `altered`.")
    signed_at = serializers.DateTimeField()
    signed_by = serializers.IntegerField()


# --- records (write) ----------------------------------------------------------------

_RECORD_READ_KEYS = frozenset(
    {"id", "practitioner", "practitioner_name", "status", "signed_at", "signed_by", "signed_by_name", "version",
     "addenda", "created_at", "updated_at"}
)


class AssessmentWriteSerializer(StrictSerializer):
    """Open a course of care: findings and the ordered plan are written with it, atomically."""

    ignored_keys = _RECORD_READ_KEYS

    patient = ClinicScopedPrimaryKeyField(model=Patient)
    assessed_at = OffsetDateTimeField(required=False, help_text="Default: now.")
    chief_complaint = serializers.CharField(max_length=500)
    history = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    affected_segments = serializers.ListField(
        child=serializers.CharField(max_length=3), required=False, max_length=30,
        help_text="Spinal segments judged irritated, e.g. `[\"L4\", \"L5\"]`.",
    )
    findings = FindingInputSerializer(many=True, required=False, max_length=200)
    plan = PlanItemInputSerializer(many=True, required=False, max_length=200)
    segmental_signs = serializers.JSONField(
        required=False,
        help_text="Gunn's signs per segment: `[{\"segment\": \"L5\", \"sign\": \"paraspinal_tenderness\"}]`; "
        "signs: " + ", ".join(f"`{value}`" for value in SegmentalSignKind.values) + ".",
    )


class AssessmentPatchSerializer(AssessmentWriteSerializer):
    """Change a draft assessment; ``findings``/``plan``, when sent, replace the old lists."""

    ignored_keys = _RECORD_READ_KEYS | {"patient"}
    patient = None


class SessionWriteSerializer(StrictSerializer):
    """Log a session: ``targeted_muscles`` (in release order), ``pain_scores`` and
    ``adverse_events`` are written with it in one transaction; any error saves nothing."""

    ignored_keys = _RECORD_READ_KEYS | {"number", "warnings"}

    patient = ClinicScopedPrimaryKeyField(model=Patient)
    assessment = ClinicScopedPrimaryKeyField(
        model=Assessment, required=False, allow_null=True,
        help_text="The course of care (an assessment of the patient).",
    )
    started_at = OffsetDateTimeField(required=False, help_text="Default: now.")
    targeted_muscles = TargetedMuscleInputSerializer(many=True, required=False, max_length=200)
    pain_scores = SessionPainScoreInputSerializer(many=True, required=False, max_length=50)
    adverse_events = AdverseEventInputSerializer(many=True, required=False, max_length=50)
    needles_used = serializers.IntegerField(min_value=0, max_value=1000, required=False, default=0)
    needles_removed = serializers.IntegerField(min_value=0, max_value=1000, required=False, default=0)
    exercises = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    sharps_discrepancy_note = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=5000,
        help_text="Why fewer needles were removed than used (a lost or broken needle); lets such a session be "
        "signed, and flags it.",
    )
    lung_field_precautions_confirmed = serializers.BooleanField(
        required=False,
        help_text="Technique suited to the lung field, patient told the signs of pneumothorax; required to sign "
        "a session that needled a lung-field muscle.",
    )


class SessionPutSerializer(SessionWriteSerializer):
    """Replace a draft session: scalar fields and all three nested lists (omitted lists become empty)."""

    ignored_keys = SessionWriteSerializer.ignored_keys | {"patient"}
    patient = None


class SessionPatchSerializer(StrictSerializer):
    """Change scalar fields of a draft session; nested lists are replaced with PUT."""

    ignored_keys = _RECORD_READ_KEYS | {"number", "warnings", "patient"}

    assessment = ClinicScopedPrimaryKeyField(model=Assessment, required=False, allow_null=True)
    started_at = OffsetDateTimeField(required=False)
    needles_used = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    needles_removed = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    exercises = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    sharps_discrepancy_note = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=5000
    )
    lung_field_precautions_confirmed = serializers.BooleanField(required=False)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            nested = sorted(k for k in ("targeted_muscles", "pain_scores", "adverse_events") if k in data)
            if nested:
                raise serializers.ValidationError(
                    {k: ["Nested lists are replaced with PUT, not PATCH."] for k in nested}
                )
        return super().to_internal_value(data)


class PainScoreCreateSerializer(StrictSerializer):
    """A standalone pain rating: ``baseline`` (at assessment) or ``follow_up``."""

    ignored_keys = frozenset({"id", "session", "created_at", "updated_at"})

    patient = ClinicScopedPrimaryKeyField(model=Patient)
    assessment = ClinicScopedPrimaryKeyField(model=Assessment, required=False, allow_null=True)
    moment = serializers.ChoiceField(
        choices=PainMoment.choices,
        help_text="`baseline` or `follow_up`; session moments are recorded with the session.",
    )
    score = serializers.IntegerField(min_value=0, max_value=10)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    recorded_at = OffsetDateTimeField(required=False, help_text="Default: now.")
