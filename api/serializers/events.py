"""Representations of webhook endpoints, deliveries and the changes feed (DESIGN §13)."""

from rest_framework import serializers

from events.models import WebhookDelivery, WebhookEndpoint
from events.outbox import WEBHOOK_EVENT_TYPES

__all__ = [
    "ChangeSerializer",
    "ChangesPageSerializer",
    "RotateSecretSerializer",
    "WebhookDeliverySerializer",
    "WebhookEndpointCreatedSerializer",
    "WebhookEndpointSerializer",
    "WebhookEndpointWriteSerializer",
]

EVENT_CHOICES = serializers.ChoiceField(choices=WEBHOOK_EVENT_TYPES)


class WebhookEndpointSerializer(serializers.ModelSerializer):
    """An endpoint as listed and read: never its secret."""

    events = serializers.ListField(child=serializers.ChoiceField(choices=WEBHOOK_EVENT_TYPES))
    secret_rotation_ends_at = serializers.DateTimeField(source="previous_secret_expires_at", read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = ("id", "url", "description", "events", "is_active", "disabled_at", "disabled_reason",
                  "failing_since", "secret_rotation_ends_at", "created_at", "updated_at")
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    """The answer to a registration or a rotation: the secret, shown this once."""

    secret = serializers.CharField(read_only=True, help_text="`whsec_…`: store it now, it is not shown again.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = (*WebhookEndpointSerializer.Meta.fields, "secret")
        read_only_fields = fields


class WebhookEndpointWriteSerializer(serializers.Serializer):
    """Input of POST (all but ``description`` required) and PATCH. Checked by the service."""

    url = serializers.CharField(max_length=2000, help_text="https URL of your receiver.")
    events = serializers.ListField(child=serializers.ChoiceField(choices=WEBHOOK_EVENT_TYPES))
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False, help_text="PATCH only: true re-enables a disabled endpoint.")


class RotateSecretSerializer(serializers.Serializer):
    overlap_hours = serializers.FloatField(
        required=False, default=24, min_value=0, max_value=72,
        help_text="How long the old secret keeps signing beside the new one (0–72 h, default 24).",
    )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    """One event for one endpoint: attempts, last answer (status, duration, excerpt)."""

    webhook_id = serializers.SerializerMethodField(help_text="The `webhook-id` header of this event.")
    event_type = serializers.CharField(source="event.type", read_only=True)
    object_id = serializers.UUIDField(source="event.object_id", read_only=True)
    duration_ms = serializers.IntegerField(source="last_duration_ms", read_only=True, allow_null=True)
    # Plain text in the schema: an enum here would collide with the records' `status` enum.
    status = serializers.CharField(read_only=True, help_text="`pending` (will be retried), `succeeded`, `failed` "
                                                             "(given up when the endpoint was disabled).")

    class Meta:
        model = WebhookDelivery
        fields = ("id", "webhook_id", "event_type", "object_id", "status", "attempts", "last_attempt_at",
                  "next_attempt_at", "last_status_code", "duration_ms", "response_excerpt", "last_error",
                  "created_at", "succeeded_at")
        read_only_fields = fields

    def get_webhook_id(self, delivery) -> str:
        return f"msg_{delivery.event.event_id.hex}"


class ChangeSerializer(serializers.Serializer):
    cursor = serializers.CharField(help_text="Resume after this change with `?since=<cursor>`.")
    type = serializers.ChoiceField(choices=["created", "updated", "signed", "archived", "unarchived", "deleted"])
    object_type = serializers.CharField(help_text="`patient`, `consent`, `assessment`, `session`, `addendum`, "
                                                  "`document`, `pain_score`.")
    id = serializers.UUIDField()
    patient = serializers.UUIDField(allow_null=True)
    at = serializers.DateTimeField(read_only=True)


class ChangesPageSerializer(serializers.Serializer):
    results = ChangeSerializer(many=True)
    next = serializers.URLField(help_text="Always present: the URL to poll for later changes.")
    has_more = serializers.BooleanField(help_text="True when `next` already has changes waiting.")
