"""Read-only views of the outbox and the webhook log for superusers; writes go through the API."""

from django.contrib import admin

from .models import BulkExport, OutboxEvent, WebhookDelivery, WebhookEndpoint


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "type", "object_id", "clinic", "created_at", "fanned_out")
    list_filter = ("type",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("url", "clinic", "is_active", "failing_since", "disabled_at")
    exclude = ("secret", "previous_secret", "claim_token")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("endpoint", "event", "status", "attempts", "last_status_code", "next_attempt_at")
    list_filter = ("status",)


@admin.register(BulkExport)
class BulkExportAdmin(ReadOnlyAdmin):
    list_display = ("id", "clinic", "status", "created_at", "expires_at")
