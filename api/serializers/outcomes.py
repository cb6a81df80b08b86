"""Outcomes (DESIGN §12): instruments, questionnaire responses, objective measures, the report."""

from rest_framework import serializers

from records.choices import Joint, MeasureKind, Movement, PptUnit, Side
from records.models import Assessment, ObjectiveMeasure, OutcomeInstrument, OutcomeResponse, Patient, TreatmentSession

from .base import ClinicScopedPrimaryKeyField, OffsetDateTimeField, StrictSerializer

__all__ = [
    "ObjectiveMeasureCreateSerializer",
    "ObjectiveMeasureSerializer",
    "OutcomeInstrumentSerializer",
    "OutcomeReportSerializer",
    "OutcomeResponseCreateSerializer",
    "OutcomeResponseSerializer",
]


class InstrumentItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    min = serializers.FloatField(help_text="Lowest answer.")
    max = serializers.FloatField(help_text="Highest answer.")
    integer = serializers.BooleanField(help_text="Whole numbers only.")
    required = serializers.BooleanField()
    text = serializers.ChoiceField(
        choices=["none", "optional", "required"], help_text="Whether the answer carries words (PSFS: the activity)."
    )


class InstrumentScoringSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=["sum", "mean", "percentage"])
    missing = serializers.ChoiceField(
        choices=["refuse", "mean_of_answered", "prorate"], help_text="How unanswered items are handled."
    )
    min_answered = serializers.IntegerField()
    max_missing = serializers.IntegerField()
    manual = serializers.CharField(help_text="The manual's scoring rule in words.")


class OutcomeInstrumentSerializer(serializers.ModelSerializer):
    """A questionnaire: its items, how it is scored, its direction and MCID, and its licence."""

    items = InstrumentItemSerializer(many=True, read_only=True)
    score_range = serializers.ListField(child=serializers.FloatField(), read_only=True, help_text="[lowest, highest]")
    mcid = serializers.FloatField(read_only=True, help_text="Minimal clinically important difference, in points.")
    scoring = InstrumentScoringSerializer(read_only=True)
    loinc = serializers.SerializerMethodField(help_text="LOINC code of the score, where one exists.")
    clinic_licensed = serializers.SerializerMethodField(help_text="Loaded by your clinic under its own licence.")

    class Meta:
        model = OutcomeInstrument
        fields = [
            "code", "name", "version", "licence", "items", "score_range", "higher_is_better", "mcid", "mcid_source",
            "scoring", "loinc", "clinic_licensed",
        ]
        read_only_fields = fields

    def get_loinc(self, instrument) -> str | None:
        return instrument.definition.get("loinc")

    def get_clinic_licensed(self, instrument) -> bool:
        return instrument.clinic_id is not None


class AnswerSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="An item code of the instrument.")
    value = serializers.FloatField()
    text = serializers.CharField(required=False, help_text="Words, where the item asks for them.")


class OutcomeResponseSerializer(serializers.ModelSerializer):
    """A patient's answers to an instrument with the server-computed score."""

    instrument = serializers.CharField(source="instrument.code", read_only=True)
    instrument_name = serializers.CharField(source="instrument.name", read_only=True)
    answers = AnswerSerializer(many=True, read_only=True)
    score = serializers.DecimalField(max_digits=7, decimal_places=2, coerce_to_string=False, read_only=True)

    class Meta:
        model = OutcomeResponse
        fields = [
            "id", "patient", "instrument", "instrument_name", "instrument_version", "session", "assessment",
            "answers", "score", "recorded_at", "recorded_by", "created_at", "updated_at",
        ]
        read_only_fields = fields


class OutcomeResponseCreateSerializer(StrictSerializer):
    """Answers to an instrument; the server scores them (a ``score`` sent is ignored)."""

    ignored_keys = frozenset({"id", "score", "instrument_name", "instrument_version", "recorded_by", "created_at",
                              "updated_at"})

    patient = ClinicScopedPrimaryKeyField(model=Patient)
    instrument = serializers.CharField(max_length=40, help_text="The instrument's `code`, e.g. `psfs`.")
    session = ClinicScopedPrimaryKeyField(model=TreatmentSession, required=False, allow_null=True)
    assessment = ClinicScopedPrimaryKeyField(model=Assessment, required=False, allow_null=True)
    answers = serializers.JSONField(help_text="`[{item, value, text?}]`, items from the instrument.")
    recorded_at = OffsetDateTimeField(required=False, help_text="Default: now.")

    def validate(self, attrs):
        if attrs.get("session") is not None and attrs.get("assessment") is not None:
            raise serializers.ValidationError(
                {"assessment": ["Link a response to a session or an assessment, not both."]}
            )
        return attrs


class ObjectiveMeasureSerializer(serializers.ModelSerializer):
    """A pressure-pain threshold or a range of motion."""

    muscle_name = serializers.SerializerMethodField()
    value = serializers.DecimalField(max_digits=7, decimal_places=2, coerce_to_string=False, read_only=True,
                                     allow_null=True)
    degrees = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False, read_only=True,
                                       allow_null=True)
    unit = serializers.SerializerMethodField()
    joint = serializers.SerializerMethodField()
    movement = serializers.SerializerMethodField()

    class Meta:
        model = ObjectiveMeasure
        fields = [
            "id", "patient", "session", "assessment", "kind", "muscle", "muscle_name", "side", "value", "unit",
            "joint", "movement", "degrees", "active", "recorded_at", "recorded_by", "created_at", "updated_at",
        ]
        read_only_fields = fields

    def get_muscle_name(self, measure) -> str | None:
        return measure.muscle.name if measure.muscle_id else None

    def get_unit(self, measure) -> str | None:
        return measure.unit or None

    def get_joint(self, measure) -> str | None:
        return measure.joint or None

    def get_movement(self, measure) -> str | None:
        return measure.movement or None


class ObjectiveMeasureCreateSerializer(StrictSerializer):
    """``pressure_pain_threshold``: ``muscle``, ``side``, ``value`` > 0, ``unit``;
    ``range_of_motion``: ``joint``, ``movement``, ``side``, ``degrees`` (−30…360), ``active``."""

    ignored_keys = frozenset({"id", "muscle_name", "recorded_by", "created_at", "updated_at"})

    patient = ClinicScopedPrimaryKeyField(model=Patient)
    session = ClinicScopedPrimaryKeyField(model=TreatmentSession, required=False, allow_null=True)
    assessment = ClinicScopedPrimaryKeyField(model=Assessment, required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=MeasureKind.choices)
    side = serializers.ChoiceField(choices=Side.choices)
    muscle = serializers.CharField(max_length=100, required=False, allow_null=True,
                                   help_text="PPT: the muscle's id or catalogue slug.")
    value = serializers.DecimalField(max_digits=9, decimal_places=2, required=False, allow_null=True,
                                     coerce_to_string=False, help_text="PPT: above 0.")
    unit = serializers.ChoiceField(choices=PptUnit.choices, required=False, allow_null=True, allow_blank=True)
    joint = serializers.ChoiceField(choices=Joint.choices, required=False, allow_null=True, allow_blank=True)
    movement = serializers.ChoiceField(choices=Movement.choices, required=False, allow_null=True, allow_blank=True)
    degrees = serializers.DecimalField(max_digits=9, decimal_places=1, required=False, allow_null=True,
                                       coerce_to_string=False, help_text="ROM: −30 to 360.")
    active = serializers.BooleanField(required=False, allow_null=True, help_text="ROM: active (true) or passive.")
    recorded_at = OffsetDateTimeField(required=False, help_text="Default: the session's start, else now.")

    def validate(self, attrs):
        if attrs.get("session") is not None and attrs.get("assessment") is not None:
            raise serializers.ValidationError(
                {"assessment": ["Link a measure to a session or an assessment, not both."]}
            )
        for key in ("unit", "joint", "movement"):
            if attrs.get(key) is None:
                attrs.pop(key, None)
        return attrs


class RateSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    rate = serializers.FloatField(help_text="count / treatments, 0–1.")
    ci95 = serializers.ListField(child=serializers.FloatField(), help_text="Wilson 95 % interval [low, high].")
    reference_rate = serializers.FloatField(allow_null=True, help_text="Brady 2014, where reported.")


class OutcomeReportSerializer(serializers.Serializer):
    """The clinic outcome report (DESIGN §12); every rate is a fraction 0–1."""

    clinic = serializers.CharField()
    period = serializers.DictField()
    practitioner = serializers.IntegerField(allow_null=True)
    treatments = serializers.IntegerField()
    adverse_events = serializers.DictField(child=RateSerializer())
    reference = serializers.CharField()
    courses = serializers.IntegerField()
    mcid_reached = serializers.DictField()
    immediate_relief = serializers.DictField()
    responders_by_session = serializers.ListField(child=serializers.DictField())
    median_sessions_to_mcid = serializers.FloatField(allow_null=True)
    sharps_discrepancies = serializers.DictField()
    instruments = serializers.ListField(child=serializers.DictField())
    definitions = serializers.DictField(child=serializers.CharField())
