"""Events out: the outbox every write appends to, webhook endpoints and their deliveries,
and FHIR bulk exports. All rows carry ``clinic`` (the tenant key)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

__all__ = ["BulkExport", "OutboxEvent", "WebhookDelivery", "WebhookEndpoint"]


class OutboxEvent(models.Model):
    """One change of a clinic's records, written in the same transaction as the change.

    The one source for webhooks and the changes feed. Rows hold ids only, never names.
    ``position`` orders the feed and the deliveries: given after commit, in the order rows
    become visible (see :mod:`events.horizon`); null until then.
    """

    id = models.BigAutoField(primary_key=True)
    # Public, stable id of the event: the Standard Webhooks ``webhook-id`` of its deliveries.
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Derived data and configuration: it goes with its clinic.
    clinic = models.ForeignKey("records.Clinic", on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=40)
    change = models.CharField(max_length=12)
    object_type = models.CharField(max_length=40)
    object_id = models.UUIDField()
    # A plain id, not a foreign key: the event outlives nothing it names, and needs no join.
    patient_id = models.UUIDField(null=True, blank=True)
    position = models.BigIntegerField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Set once webhook deliveries have been created for it (the fan-out is at-least-once).
    fanned_out = models.BooleanField(default=False)

    class Meta:
        ordering = ["position"]
        indexes = [
            models.Index(fields=["clinic", "position"], name="outbox_clinic_cursor"),
            models.Index(fields=["position"], condition=models.Q(fanned_out=False), name="outbox_fan_out"),
            models.Index(fields=["id"], condition=models.Q(position__isnull=True), name="outbox_unsequenced"),
            models.Index(fields=["created_at"], name="outbox_created"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.object_id}"


class WebhookEndpoint(models.Model):
    """A receiver a clinic admin registered: where to POST which event types, signed with its secret."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Derived data and configuration: it goes with its clinic.
    clinic = models.ForeignKey("records.Clinic", on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=500, blank=True)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=100)
    # After a rotation the old secret keeps signing beside the new one until this time.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    # The first failure of the current run of failures; cleared by any success.
    failing_since = models.DateTimeField(null=True, blank=True)
    # A worker delivering to this endpoint holds it until ``claimed_until`` (one at a time,
    # so deliveries go in order); a killed worker's claim simply lapses.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["clinic", "is_active"], name="webhook_endpoint_clinic")]

    def __str__(self) -> str:
        return self.description or str(self.id)


class WebhookDelivery(models.Model):
    """One event for one endpoint: its attempts so far and when the next is due."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Derived data and configuration: it goes with its clinic.
    clinic = models.ForeignKey("records.Clinic", on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    # The receiver's answer, cut short; our bodies carry ids only, so it cannot echo PHI we sent.
    response_excerpt = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event__position"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once"),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "succeeded", "failed"]),
                name="webhook_delivery_status_valid",
                violation_error_message="status must be one of: pending, succeeded, failed.",
            ),
        ]
        indexes = [models.Index(fields=["endpoint", "status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.endpoint_id} {self.event_id} {self.status}"


class BulkExport(models.Model):
    """A FHIR Bulk Data export of one clinic, produced by the worker; files live 24 h."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Derived data and configuration: it goes with its clinic.
    clinic = models.ForeignKey("records.Clinic", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    request_url = models.CharField(max_length=2000)
    types = models.JSONField(default=list)
    since = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.CharField(max_length=100, blank=True)
    transaction_time = models.DateTimeField(default=timezone.now)
    # [{type, file, count}]: file is the storage name; URLs are built per request.
    output = models.JSONField(default=list)
    # Whose data the files hold: named again in the access log at each download.
    patient_ids = models.JSONField(default=list)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Moves with each step of the worker: a running export whose heartbeat stops was lost
    # with its worker and is started again when polled.
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "completed", "failed", "cancelled"]),
                name="bulk_export_status_valid",
                violation_error_message="status must be one of: queued, running, completed, failed, cancelled.",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.id} ({self.status})"
