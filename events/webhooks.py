"""Writes to webhook endpoints: register, change, remove, rotate the secret, replay.

Clinic admins only (policy ``webhook.manage``); each write is atomic and audited.
"""

import base64
import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from records import policy
from records.choices import AuditAction
from records.exceptions import InvalidInput
from records.services.audit import audit_event
from records.services.patients import lock_for_update

from . import network
from .models import WebhookDelivery, WebhookEndpoint
from .outbox import WEBHOOK_EVENT_TYPES

__all__ = [
    "endpoint_create",
    "endpoint_delete",
    "endpoint_rotate_secret",
    "endpoint_update",
    "delivery_replay",
    "new_secret",
    "signing_secrets",
]

MAX_OVERLAP_HOURS = 72


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def signing_secrets(endpoint: WebhookEndpoint, *, now: dt.datetime | None = None) -> list[str]:
    """The secrets to sign with: the current one, and the previous one during its overlap."""
    now = now or timezone.now()
    keys = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now:
        keys.append(endpoint.previous_secret)
    return keys


def _check_url(url, errors: dict) -> str:
    url = (url or "").strip() if isinstance(url, str) else ""
    if not url:
        errors["url"] = ["This field is required."]
        return url
    if len(url) > 2000:
        errors["url"] = ["Ensure this field has no more than 2000 characters."]
        return url
    try:
        _, host, port, _ = network.check_url(url)
        network.resolve_checked(host, port)
    except network.Refused as exc:
        errors["url"] = [str(exc)]
    return url


def _check_events(events, errors: dict) -> list[str]:
    if not isinstance(events, list) or not events:
        errors["events"] = ["Give a non-empty list of event types."]
        return []
    unknown = [e for e in events if not isinstance(e, str) or e not in WEBHOOK_EVENT_TYPES]
    if unknown:
        errors["events"] = [f"Unknown event type {unknown[0]!r}; choose from {', '.join(WEBHOOK_EVENT_TYPES)}."]
        return []
    return sorted(set(events), key=WEBHOOK_EVENT_TYPES.index)


def _check_description(description, errors: dict) -> str:
    if description is None:
        return ""
    if not isinstance(description, str):
        errors["description"] = ["Not a valid string."]
        return ""
    if len(description) > 500:
        errors["description"] = ["Ensure this field has no more than 500 characters."]
    return description.strip()


def _snapshot(endpoint: WebhookEndpoint) -> dict:
    # Never the secret: the audit trail is readable by every clinic admin.
    return {"url": endpoint.url, "events": endpoint.events, "description": endpoint.description,
            "is_active": endpoint.is_active}


@transaction.atomic
def endpoint_create(*, actor, clinic, url: str, events: list[str], description: str = "") -> WebhookEndpoint:
    """Register a receiver for ``events``; the answer carries its secret, shown this once."""
    policy.require(actor, "webhook.manage", clinic=clinic)
    errors: dict[str, list[str]] = {}
    url = _check_url(url, errors)
    events = _check_events(events, errors)
    description = _check_description(description, errors)
    if errors:
        raise InvalidInput(errors)
    endpoint = WebhookEndpoint.objects.create(
        clinic=clinic, url=url, events=events, description=description, secret=new_secret(), created_by=actor,
    )
    audit_event(actor=actor, action=AuditAction.CREATE, clinic=clinic, obj=endpoint, after=_snapshot(endpoint))
    return endpoint


@transaction.atomic
def endpoint_update(*, actor, endpoint: WebhookEndpoint, expected_version: int | None = None, **changes):
    """Change ``url``, ``events``, ``description`` or ``is_active`` (re-enabling clears the failure run)."""
    policy.require(actor, "webhook.manage", clinic=endpoint.clinic)
    unknown = set(changes) - {"url", "events", "description", "is_active"}
    if unknown:
        raise InvalidInput({field: ["This field cannot be changed."] for field in sorted(unknown)})
    endpoint = lock_for_update(WebhookEndpoint, endpoint.pk, expected_version=expected_version)
    before = _snapshot(endpoint)
    errors: dict[str, list[str]] = {}
    if "url" in changes:
        endpoint.url = _check_url(changes["url"], errors)
    if "events" in changes:
        endpoint.events = _check_events(changes["events"], errors)
    if "description" in changes:
        endpoint.description = _check_description(changes["description"], errors)
    if "is_active" in changes:
        if not isinstance(changes["is_active"], bool):
            errors["is_active"] = ["Must be a valid boolean."]
        elif changes["is_active"] and not endpoint.is_active:
            endpoint.is_active, endpoint.disabled_at, endpoint.disabled_reason = True, None, ""
            endpoint.failing_since = None
        elif not changes["is_active"] and endpoint.is_active:
            endpoint.is_active, endpoint.disabled_at = False, timezone.now()
            endpoint.disabled_reason = "Disabled by a clinic admin."
    if errors:
        raise InvalidInput(errors)
    if _snapshot(endpoint) == before:
        return endpoint
    endpoint.version += 1
    endpoint.save()
    audit_event(actor=actor, action=AuditAction.UPDATE, clinic=endpoint.clinic, obj=endpoint, before=before,
                after=_snapshot(endpoint))
    if endpoint.is_active:
        transaction.on_commit(lambda: _enqueue_delivery(endpoint.pk), robust=True)
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor, endpoint: WebhookEndpoint, expected_version: int | None = None) -> None:
    """Remove an endpoint and its delivery log."""
    policy.require(actor, "webhook.manage", clinic=endpoint.clinic)
    endpoint = lock_for_update(WebhookEndpoint, endpoint.pk, expected_version=expected_version)
    before, clinic, pk = _snapshot(endpoint), endpoint.clinic, endpoint.pk
    endpoint.delete()
    audit_event(actor=actor, action=AuditAction.DELETE, clinic=clinic, object_type="webhookendpoint",
                object_id=str(pk), before=before)


@transaction.atomic
def endpoint_rotate_secret(*, actor, endpoint: WebhookEndpoint, overlap_hours: float = 24) -> WebhookEndpoint:
    """A new secret; the old one keeps signing beside it for ``overlap_hours`` (0–72)."""
    policy.require(actor, "webhook.manage", clinic=endpoint.clinic)
    if isinstance(overlap_hours, bool) or not isinstance(overlap_hours, int | float) or not (
        0 <= overlap_hours <= MAX_OVERLAP_HOURS
    ):
        raise InvalidInput({"overlap_hours": [f"Give a number of hours from 0 to {MAX_OVERLAP_HOURS}."]})
    endpoint = lock_for_update(WebhookEndpoint, endpoint.pk)
    endpoint.previous_secret = endpoint.secret if overlap_hours else ""
    endpoint.previous_secret_expires_at = (
        timezone.now() + dt.timedelta(hours=overlap_hours) if overlap_hours else None
    )
    endpoint.secret = new_secret()
    endpoint.version += 1
    endpoint.save()
    audit_event(actor=actor, action=AuditAction.UPDATE, clinic=endpoint.clinic, obj=endpoint,
                after={"secret_rotated": True, "overlap_hours": overlap_hours})
    return endpoint


@transaction.atomic
def delivery_replay(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (whatever its status): it goes back in the endpoint's queue, due now."""
    policy.require(actor, "webhook.manage", clinic=delivery.clinic)
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    audit_event(actor=actor, action=AuditAction.UPDATE, clinic=delivery.clinic, obj=delivery,
                after={"replay": True, "endpoint": str(delivery.endpoint_id)})
    endpoint_id = delivery.endpoint_id
    transaction.on_commit(lambda: _enqueue_delivery(endpoint_id), robust=True)
    return delivery


def _enqueue_delivery(endpoint_id) -> None:
    from .tasks import enqueue_delivery

    enqueue_delivery(endpoint_id)


def allowed_settings_summary() -> dict:
    """What the URL rules currently allow (shown on the page)."""
    return {"http": settings.WEBHOOKS_ALLOW_HTTP, "private": settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS}
