"""Muscles, assessments, sessions, pain scores, addenda, audit events."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from records.choices import (
    SEGMENTS,
    AdverseEventKind,
    Outcome,
    PainMoment,
    Segment,
    SegmentalSignKind,
    Severity,
    Side,
    TwitchResponse,
)
from records.models import (
    Addendum,
    AdverseEvent,
    Assessment,
    AssessmentFinding,
    AuditEvent,
    Muscle,
    PainScore,
    Patient,
    PlanItem,
    TargetedMuscle,
    TreatmentSession,
)
from records.selectors import session_warnings

from .base import ClinicScopedPrimaryKeyField, StrictSerializer, display_name

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


class _MuscleNameMixin(serializers.Serializer):
    muscle_name = serializers.CharField(source="muscle.name", read_only=True)


# --- addenda ------------------------------------------------------------------------


class AddendumSerializer(serializers.ModelSerializer):
    """A dated, authored correction of a signed record."""

    author_name = serializers.SerializerMethodField()

    class Meta:
        model = Addendum
        fields = ["id", "session", "assessment", "author", "author_name", "text", "created_at"]
        read_only_fields = fields

    def get_author_name(self, addendum: Addendum) -> str:
        return display_name(addendum.author)


class AddendumCreateSerializer(StrictSerializer):
    text = serializers.CharField(max_length=20000)


# --- nested rows (read) -------------------------------------------------------------


class TargetedMuscleSerializer(_MuscleNameMixin, serializers.ModelSerializer):
    segment = serializers.CharField(read_only=True, help_text="Root level needled (paraspinals), or empty.")

    class Meta:
        model = TargetedMuscle
        fields = [
            "id", "order", "muscle", "muscle_name", "side", "segment", "needle_length_mm", "needle_diameter_mm",
            "twitch_response", "twitch_count", "outcome", "notes",
        ]
        read_only_fields = fields


class SessionPainScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = PainScore
        fields = ["id", "moment", "score", "region", "recorded_at"]
        read_only_fields = fields


class AdverseEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AdverseEvent
        fields = ["id", "kind", "severity", "notes"]
        read_only_fields = fields


class FindingSerializer(_MuscleNameMixin, serializers.ModelSerializer):
    class Meta:
        model = AssessmentFinding
        fields = ["id", "muscle", "muscle_name", "side", "taut_band", "tenderness", "notes"]
        read_only_fields = fields


class PlanItemSerializer(_MuscleNameMixin, serializers.ModelSerializer):
    class Meta:
        model = PlanItem
        fields = ["id", "order", "muscle", "muscle_name", "side", "rationale"]
        read_only_fields = fields


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="`lung_field`, `lung_field_bilateral`, `precaution_<code>`.")
    message = serializers.CharField()
    muscles = serializers.ListField(child=serializers.UUIDField(), required=False)


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
    recorded_at = serializers.DateTimeField(required=False)


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


class _SignedRecordMixin(serializers.Serializer):
    practitioner_name = serializers.SerializerMethodField()
    signed_by_name = serializers.SerializerMethodField()
    addenda = AddendumSerializer(many=True, read_only=True)

    def get_practitioner_name(self, record) -> str:
        return display_name(record.practitioner)

    def get_signed_by_name(self, record) -> str | None:
        return display_name(record.signed_by) if record.signed_by_id else None


class SegmentalSignSerializer(serializers.Serializer):
    segment = serializers.ChoiceField(choices=Segment.choices)
    sign = serializers.ChoiceField(choices=SegmentalSignKind.choices)


class AssessmentSerializer(_SignedRecordMixin, serializers.ModelSerializer):
    """An assessment with its findings, ordered plan, segmental signs, sign-off and addenda."""

    segmental_signs = serializers.SerializerMethodField(help_text="Gunn's signs of neuropathy per segment.")
    findings = FindingSerializer(many=True, read_only=True)
    plan = PlanItemSerializer(many=True, read_only=True)
    affected_segments = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id", "patient", "practitioner", "practitioner_name", "assessed_at", "chief_complaint", "history",
            "affected_segments", "findings", "plan", "status", "signed_at", "signed_by", "signed_by_name",
            "version", "addenda", "created_at", "updated_at", "segmental_signs",
        ]
        read_only_fields = fields

    @extend_schema_field(SegmentalSignSerializer(many=True))
    def get_segmental_signs(self, assessment: Assessment) -> list[dict]:
        signs = sorted(
            ((sign.segment, sign.sign) for sign in assessment.segmental_signs.all()),
            key=lambda pair: (SEGMENTS.index(pair[0]), SegmentalSignKind.values.index(pair[1])),
        )
        return [{"segment": segment, "sign": sign} for segment, sign in signs]


class SessionSerializer(_SignedRecordMixin, serializers.ModelSerializer):
    """A treatment session with muscles needled in order, pain, adverse events and warnings."""

    targeted_muscles = TargetedMuscleSerializer(many=True, read_only=True)
    pain_scores = SessionPainScoreSerializer(many=True, read_only=True)
    adverse_events = AdverseEventSerializer(many=True, read_only=True)
    warnings = serializers.SerializerMethodField(
        help_text="Clinical warnings that do not block: lung-field muscles, needling precautions."
    )

    class Meta:
        model = TreatmentSession
        fields = [
            "id", "patient", "assessment", "practitioner", "practitioner_name", "started_at", "number",
            "targeted_muscles", "pain_scores", "adverse_events", "needles_used", "needles_removed", "exercises",
            "notes", "status", "signed_at", "signed_by", "signed_by_name", "version", "addenda", "warnings",
            "created_at", "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(WarningSerializer(many=True))
    def get_warnings(self, session: TreatmentSession) -> list[dict]:
        return session_warnings(session)


class PainScoreSerializer(serializers.ModelSerializer):
    """An NPRS rating 0–10 of a patient at a moment of care."""

    class Meta:
        model = PainScore
        fields = [
            "id", "patient", "session", "assessment", "moment", "score", "region", "recorded_at",
            "created_at", "updated_at",
        ]
        read_only_fields = fields


class AuditEventSerializer(serializers.ModelSerializer):
    """One audit trail entry; ``changes`` maps each changed field to ``[before, after]``."""

    actor = serializers.CharField(source="actor_username", read_only=True, help_text="The acting user's username.")
    changes = serializers.DictField(child=serializers.JSONField(), read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "action", "object_type", "object_id", "patient", "changes", "route",
                  "request_id"]
        read_only_fields = fields


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
    assessed_at = serializers.DateTimeField(required=False, help_text="Default: now.")
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
    started_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    targeted_muscles = TargetedMuscleInputSerializer(many=True, required=False, max_length=200)
    pain_scores = SessionPainScoreInputSerializer(many=True, required=False, max_length=50)
    adverse_events = AdverseEventInputSerializer(many=True, required=False, max_length=50)
    needles_used = serializers.IntegerField(min_value=0, max_value=1000, required=False, default=0)
    needles_removed = serializers.IntegerField(min_value=0, max_value=1000, required=False, default=0)
    exercises = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20000)


class SessionPutSerializer(SessionWriteSerializer):
    """Replace a draft session: scalar fields and all three nested lists (omitted lists become empty)."""

    ignored_keys = SessionWriteSerializer.ignored_keys | {"patient"}
    patient = None


class SessionPatchSerializer(StrictSerializer):
    """Change scalar fields of a draft session; nested lists are replaced with PUT."""

    ignored_keys = _RECORD_READ_KEYS | {"number", "warnings", "patient"}

    assessment = ClinicScopedPrimaryKeyField(model=Assessment, required=False, allow_null=True)
    started_at = serializers.DateTimeField(required=False)
    needles_used = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    needles_removed = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    exercises = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20000)

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
    recorded_at = serializers.DateTimeField(required=False, help_text="Default: now.")
