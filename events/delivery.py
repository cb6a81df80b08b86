"""Delivering webhooks: fan the outbox out to endpoints, then send each endpoint's queue in order.

Nothing here holds a database transaction across a network call. An endpoint is claimed
by one worker at a time (a lease in its row), so its events go out in order; other
endpoints are served by other workers meanwhile, and a slow receiver only delays itself.
A worker killed mid-delivery leaves the delivery pending and the lease lapses, so the
next sweep hands it to another worker: it is retried, not lost.
"""

import datetime as dt
import json
import logging
import random
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from . import network
from .horizon import sequence
from .models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from .webhooks import signing_secrets

__all__ = [
    "deliver_endpoint",
    "due_endpoint_ids",
    "fan_out",
    "next_delay_seconds",
    "payload_for",
    "sign",
]

logger = logging.getLogger(__name__)

FAN_OUT_BATCH = 500
DELIVERY_BATCH = 50


def payload_for(event: OutboxEvent) -> dict:
    """The webhook body (DESIGN §13): ids only, never names."""
    return {
        "type": event.type,
        "timestamp": event.created_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "data": {
            "id": str(event.object_id),
            "patient": str(event.patient_id) if event.patient_id else None,
            "clinic": str(event.clinic_id),
        },
    }


def sign(keys: list[str], msg_id: str, timestamp: dt.datetime, body: str) -> str:
    """The ``webhook-signature`` header: one ``v1,…`` signature per key, space-separated."""
    return " ".join(Webhook(key).sign(msg_id, timestamp, body) for key in keys)


def next_delay_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: base·2^(n-1), capped, then between half and all of it."""
    delay = min(settings.WEBHOOKS_BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0),
                settings.WEBHOOKS_BACKOFF_MAX_SECONDS)
    return delay * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not a secret


def fan_out() -> set:
    """Create a delivery per (visible, not yet fanned-out event × subscribed active endpoint).

    Events are taken in reading order (see :mod:`events.horizon`), so each endpoint's
    deliveries are created in commit order. Returns the endpoints that got new deliveries.
    """
    touched = set()
    sequence()
    while True:
        with transaction.atomic():
            events = list(OutboxEvent.objects.filter(fanned_out=False, position__isnull=False)
                          .order_by("position")[:FAN_OUT_BATCH])
            if not events:
                return touched
            clinics = {event.clinic_id for event in events}
            endpoints = list(WebhookEndpoint.objects.filter(clinic_id__in=clinics, is_active=True)
                             .only("id", "clinic_id", "events"))
            rows = [
                WebhookDelivery(clinic_id=event.clinic_id, endpoint_id=endpoint.id, event_id=event.id,
                                next_attempt_at=event.created_at)
                for event in events
                for endpoint in endpoints
                if endpoint.clinic_id == event.clinic_id and event.type in endpoint.events
            ]
            # Two workers fanning out at once: the unique (endpoint, event) keeps one of each.
            WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
            OutboxEvent.objects.filter(id__in=[event.id for event in events]).update(fanned_out=True)
            touched.update(row.endpoint_id for row in rows)


def due_endpoint_ids(now: dt.datetime | None = None) -> list:
    """Active endpoints with a delivery due and no live claim (for the sweep)."""
    now = now or timezone.now()
    return list(
        WebhookEndpoint.objects.filter(is_active=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .filter(deliveries__status=WebhookDelivery.Status.PENDING, deliveries__next_attempt_at__lte=now)
        .values_list("id", flat=True)
        .distinct()
    )


def _lease() -> dt.timedelta:
    # Longer than one attempt can take, so a live worker never loses its claim mid-send.
    return dt.timedelta(seconds=settings.WEBHOOKS_CLAIM_SECONDS or settings.WEBHOOKS_TIMEOUT_SECONDS * 2 + 30)


def _claim(endpoint_id) -> str | None:
    token = secrets.token_hex(16)
    now = timezone.now()
    claimed = (
        WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + _lease(), claim_token=token)
    )
    return token if claimed else None


def _release(endpoint_id, token: str) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint_id, claim_token=token).update(claimed_until=None, claim_token="")


def _send(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[bool, dict]:
    event = delivery.event
    body = json.dumps(payload_for(event), separators=(",", ":"))
    now = timezone.now()
    msg_id = f"msg_{event.event_id.hex}"
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": sign(signing_secrets(endpoint, now=now), msg_id, now, body),
    }
    result = {"last_attempt_at": now, "last_status_code": None, "last_duration_ms": None,
              "last_error": "", "response_excerpt": ""}
    try:
        response = network.post(endpoint.url, body.encode(), headers)
    except network.Refused as exc:
        result["last_error"] = f"Refused: {exc}"[:200]
        return False, result
    except OSError as exc:  # timeouts, refused connections, TLS failures
        result["last_error"] = (type(exc).__name__ + (f": {exc}" if str(exc) else ""))[:200]
        return False, result
    result.update(last_status_code=response.status, last_duration_ms=response.duration_ms,
                  response_excerpt=response.excerpt)
    if 200 <= response.status < 300:
        return True, result
    result["last_error"] = f"HTTP {response.status}"
    return False, result


def _disable(endpoint_id, now: dt.datetime) -> None:
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint_id).update(
            is_active=False, disabled_at=now,
            disabled_reason=f"Failing for {settings.WEBHOOKS_RETRY_HOURS:g} hours; deliveries stopped.",
        )
        WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=WebhookDelivery.Status.PENDING).update(
            status=WebhookDelivery.Status.FAILED, last_error="Endpoint disabled after failing too long.",
        )
    logger.warning("Webhook endpoint %s disabled after failing for %s h", endpoint_id, settings.WEBHOOKS_RETRY_HOURS)


def deliver_endpoint(endpoint_id) -> str:
    """Send the endpoint's due deliveries, oldest first, stopping at the first failure.

    Returns what happened (``busy``, ``idle``, ``waiting``, ``retry``, ``disabled``,
    ``more``) for the caller's log and for tests.
    """
    token = _claim(endpoint_id)
    if token is None:
        return "busy"
    try:
        for _ in range(DELIVERY_BATCH):
            endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
            delivery = (
                WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=WebhookDelivery.Status.PENDING)
                .select_related("event").order_by("event__position").first()
            )
            if delivery is None:
                return "idle"
            if delivery.next_attempt_at > timezone.now():
                return "waiting"
            # Keep the claim alive for this attempt.
            WebhookEndpoint.objects.filter(pk=endpoint_id, claim_token=token).update(
                claimed_until=timezone.now() + _lease())
            ok, result = _send(endpoint, delivery)
            now = timezone.now()
            attempts = delivery.attempts + 1
            if ok:
                WebhookDelivery.objects.filter(pk=delivery.pk).update(
                    status=WebhookDelivery.Status.SUCCEEDED, attempts=attempts, succeeded_at=now, **result)
                if endpoint.failing_since is not None:
                    WebhookEndpoint.objects.filter(pk=endpoint_id).update(failing_since=None)
                continue
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                attempts=attempts, next_attempt_at=now + dt.timedelta(seconds=next_delay_seconds(attempts)),
                **result)
            failing_since = endpoint.failing_since or now
            if endpoint.failing_since is None:
                WebhookEndpoint.objects.filter(pk=endpoint_id).update(failing_since=now)
            if now - failing_since >= dt.timedelta(hours=settings.WEBHOOKS_RETRY_HOURS):
                _disable(endpoint_id, now)
                return "disabled"
            return "retry"
        return "more"
    finally:
        _release(endpoint_id, token)
