"""Response shapes of the computed views: release order and timeline."""

from rest_framework import serializers

from records.choices import Outcome, Side, TwitchResponse

from .base import api_datetime

__all__ = ["ReleaseOrderSerializer", "TimelineSerializer", "release_order_data"]


class ReleaseSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    muscle = serializers.UUIDField()
    muscle_name = serializers.CharField()
    side = serializers.ChoiceField(choices=Side.choices)
    segment = serializers.CharField(allow_blank=True)
    twitch_response = serializers.ChoiceField(choices=TwitchResponse.choices)
    outcome = serializers.ChoiceField(choices=Outcome.choices)


class SessionPlanAdherenceSerializer(serializers.Serializer):
    planned_targeted = serializers.IntegerField()
    unplanned_targeted = serializers.IntegerField()
    followed_plan_order = serializers.BooleanField()


class ReleaseSessionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    status = serializers.CharField()
    releases = ReleaseSerializer(many=True)
    plan_adherence = SessionPlanAdherenceSerializer(required=False, help_text="Present when a plan exists.")


class MuscleSummarySerializer(serializers.Serializer):
    muscle = serializers.UUIDField()
    muscle_name = serializers.CharField()
    side = serializers.ChoiceField(choices=Side.choices)
    lung_field = serializers.BooleanField()
    planned_order = serializers.IntegerField(allow_null=True)
    first_session_number = serializers.IntegerField()
    times_targeted = serializers.IntegerField()
    twitch_trend = serializers.ListField(
        child=serializers.CharField(),
        help_text="The twitch response each time the muscle was needled, oldest first.",
    )
    twitch_fading = serializers.BooleanField()
    outcomes = serializers.ListField(child=serializers.CharField())
    session_numbers = serializers.ListField(child=serializers.IntegerField())


class PlanStepSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    muscle = serializers.UUIDField()
    muscle_name = serializers.CharField()
    side = serializers.ChoiceField(choices=Side.choices)
    rationale = serializers.CharField(allow_blank=True)
    targeted = serializers.BooleanField()


class PlanAdherenceSerializer(serializers.Serializer):
    sessions = serializers.IntegerField()
    sessions_following_plan_order = serializers.IntegerField()
    planned_steps = serializers.IntegerField()
    planned_steps_targeted = serializers.IntegerField()


class ReleaseOrderSerializer(serializers.Serializer):
    """The order of release across a patient's sessions, per muscle, and against the plan."""

    patient = serializers.UUIDField()
    assessment = serializers.UUIDField(allow_null=True, help_text="The assessment whose plan is compared.")
    sessions = ReleaseSessionSerializer(many=True)
    muscles = MuscleSummarySerializer(many=True)
    plan = PlanStepSerializer(many=True, required=False, help_text="Present when a plan exists.")
    plan_adherence = PlanAdherenceSerializer(required=False, help_text="Present when a plan exists.")


def release_order_data(result: dict) -> dict:
    """What ``ReleaseOrderSerializer(result).data`` renders, without its per-field pass over
    hundreds of nested items (most of a long history's response time).

    ``release_order_for_patient`` already builds every item with the serializer's keys in
    its order and JSON-ready values (the renderer writes UUIDs itself); only the session
    times need REST framework's format (``api_datetime``). The serializer stays the documented schema.
    """
    sessions = [{**session, "started_at": api_datetime(session["started_at"])} for session in result["sessions"]]
    return {**result, "sessions": sessions}


class TimelineEntrySerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=[("assessment", "assessment"), ("session", "session"), ("pain_score", "pain_score"),
                 ("addendum", "addendum")]
    )
    at = serializers.DateTimeField()
    id = serializers.UUIDField()
    summary = serializers.CharField(allow_blank=True)


class TimelineSerializer(serializers.Serializer):
    """A patient's record in time order; entries carry more keys by ``type``."""

    patient = serializers.UUIDField()
    entries = TimelineEntrySerializer(many=True)
