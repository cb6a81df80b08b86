"""Webhook delivery against a local receiver: signatures, retries, order, replay, SSRF, disabling."""

import datetime as dt
import json
import time

import pytest
from django.utils import timezone
from freezegun import freeze_time
from standardwebhooks.webhooks import Webhook

from events import delivery, webhooks
from events.delivery import fan_out
from events.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from events.tasks import sweep
from records import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(receiver, clinic, clinic_admin):
    return webhooks.endpoint_create(actor=clinic_admin, clinic=clinic, url=receiver.url,
                                    events=["patient.created", "patient.updated", "session.signed"])


def new_patient(physio, clinic, name="Ada"):
    return services.patient_create(actor=physio, clinic=clinic, given_name=name, family_name="Byrne",
                                   date_of_birth=dt.date(1980, 1, 2))


def verify(endpoint, request, secret=None):
    headers = {k.lower(): v for k, v in request["headers"].items()}
    return Webhook(secret or endpoint.secret).verify(request["body"], headers)


def test_signed_delivery_with_ids_only(endpoint, receiver, physio, clinic):
    patient = new_patient(physio, clinic)
    assert fan_out() == {endpoint.pk}
    assert delivery.deliver_endpoint(endpoint.pk) == "idle"
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    payload = verify(endpoint, request)
    assert payload["type"] == "patient.created"
    assert payload["data"] == {"id": str(patient.pk), "patient": str(patient.pk), "clinic": str(clinic.pk)}
    assert payload["timestamp"].endswith("Z")
    assert b"Ada" not in request["body"] and b"Byrne" not in request["body"]
    event = OutboxEvent.objects.get(type="patient.created")
    assert request["headers"]["webhook-id"] == f"msg_{event.event_id.hex}"
    row = WebhookDelivery.objects.get()
    assert row.status == "succeeded" and row.attempts == 1 and row.last_status_code == 200
    assert row.response_excerpt == "ok" and row.last_duration_ms is not None
    # A forged body does not verify.
    forged = dict(request, body=request["body"].replace(b"patient.created", b"patient.archived"))
    with pytest.raises(Exception, match="signature"):
        verify(endpoint, forged)


def test_only_subscribed_events_of_the_clinic(endpoint, receiver, physio, clinic, other_physio, other_clinic):
    patient = new_patient(physio, clinic)
    services.consent_give(actor=physio, patient=patient, form_version="v1")  # not subscribed
    new_patient(other_physio, other_clinic, name="Else")  # another clinic
    fan_out()
    delivery.deliver_endpoint(endpoint.pk)
    assert [json.loads(r["body"])["type"] for r in receiver.requests] == ["patient.created"]
    assert OutboxEvent.objects.filter(fanned_out=False).count() == 0


def test_retries_with_backoff_and_order_per_endpoint(endpoint, receiver, physio, clinic, settings):
    settings.WEBHOOKS_BACKOFF_BASE_SECONDS = 10
    first = new_patient(physio, clinic, "First")
    second = new_patient(physio, clinic, "Second")
    fan_out()
    receiver.statuses = [500]
    assert delivery.deliver_endpoint(endpoint.pk) == "retry"
    # The second event waits behind the first: in order, per endpoint.
    assert len(receiver.requests) == 1
    failed = WebhookDelivery.objects.get(event__object_id=first.pk)
    assert failed.status == "pending" and failed.attempts == 1 and failed.last_status_code == 500
    assert failed.response_excerpt == "receiver says no" and failed.last_error == "HTTP 500"
    wait = (failed.next_attempt_at - failed.last_attempt_at).total_seconds()
    assert 5 <= wait <= 10.5
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failing_since is not None
    assert delivery.deliver_endpoint(endpoint.pk) == "waiting"
    assert len(receiver.requests) == 1
    with freeze_time(timezone.now() + dt.timedelta(seconds=11)):
        assert endpoint.pk in delivery.due_endpoint_ids()
        assert delivery.deliver_endpoint(endpoint.pk) == "idle"
    ids = [json.loads(r["body"])["data"]["id"] for r in receiver.requests]
    assert ids == [str(first.pk), str(first.pk), str(second.pk)]
    # The retry is the same message: same webhook-id.
    assert receiver.requests[0]["headers"]["webhook-id"] == receiver.requests[1]["headers"]["webhook-id"]
    assert WebhookDelivery.objects.get(event__object_id=first.pk).attempts == 2
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failing_since is None


@pytest.mark.parametrize("attempts", [1, 2, 5, 12, 30])
def test_backoff_grows_with_jitter_and_is_capped(settings, attempts):
    settings.WEBHOOKS_BACKOFF_BASE_SECONDS = 10
    settings.WEBHOOKS_BACKOFF_MAX_SECONDS = 3600
    full = min(10 * 2 ** (attempts - 1), 3600)
    delays = {delivery.next_delay_seconds(attempts) for _ in range(20)}
    assert all(full / 2 <= d <= full for d in delays)
    assert len(delays) > 1  # jitter


def test_slow_receiver_times_out_without_blocking(endpoint, receiver, physio, clinic, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.5
    receiver.delay = 2
    new_patient(physio, clinic)
    fan_out()
    started = time.monotonic()
    assert delivery.deliver_endpoint(endpoint.pk) == "retry"
    assert time.monotonic() - started < 1.8
    row = WebhookDelivery.objects.get()
    assert row.status == "pending" and row.attempts == 1
    assert "timeout" in row.last_error.lower() or "timed out" in row.last_error.lower()


def test_redirects_are_not_followed(endpoint, receiver, physio, clinic):
    receiver.statuses = [302]
    new_patient(physio, clinic)
    fan_out()
    assert delivery.deliver_endpoint(endpoint.pk) == "retry"
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().last_status_code == 302


def test_private_address_refused_at_delivery_time(endpoint, receiver, physio, clinic, settings):
    # Registered while allowed; the rule is checked again when sending (DNS may have changed).
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    new_patient(physio, clinic)
    fan_out()
    assert delivery.deliver_endpoint(endpoint.pk) == "retry"
    assert receiver.requests == []
    assert "private" in WebhookDelivery.objects.get().last_error


def test_plain_http_refused_at_delivery_time_in_production(endpoint, receiver, physio, clinic, settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    new_patient(physio, clinic)
    fan_out()
    delivery.deliver_endpoint(endpoint.pk)
    assert receiver.requests == [] and "https" in WebhookDelivery.objects.get().last_error


def test_endpoint_failing_for_24_hours_is_disabled(endpoint, receiver, physio, clinic):
    receiver.statuses = [500] * 3
    new_patient(physio, clinic)
    new_patient(physio, clinic, "Other")
    fan_out()
    start = timezone.now()
    assert delivery.deliver_endpoint(endpoint.pk) == "retry"
    with freeze_time(start + dt.timedelta(hours=12)):
        assert delivery.deliver_endpoint(endpoint.pk) == "retry"
        assert WebhookEndpoint.objects.get(pk=endpoint.pk).is_active
    with freeze_time(start + dt.timedelta(hours=24, minutes=1)):
        assert delivery.deliver_endpoint(endpoint.pk) == "disabled"
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "Failing" in endpoint.disabled_reason
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"failed"}
    assert delivery.deliver_endpoint(endpoint.pk) == "busy"  # disabled endpoints are not claimed


def test_rotation_signs_with_both_secrets(endpoint, receiver, physio, clinic, clinic_admin):
    old = endpoint.secret
    rotated = webhooks.endpoint_rotate_secret(actor=clinic_admin, endpoint=endpoint, overlap_hours=1)
    new_patient(physio, clinic)
    fan_out()
    delivery.deliver_endpoint(endpoint.pk)
    request = receiver.requests[0]
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    assert verify(endpoint, request, secret=old)["type"] == "patient.created"
    assert verify(endpoint, request, secret=rotated.secret)["type"] == "patient.created"
    with freeze_time(timezone.now() + dt.timedelta(hours=2)):
        new_patient(physio, clinic, "Later")
        fan_out()
        delivery.deliver_endpoint(endpoint.pk)
        later = receiver.requests[1]
        assert len(later["headers"]["webhook-signature"].split(" ")) == 1
        with pytest.raises(Exception, match="signature"):
            verify(endpoint, later, secret=old)


def test_replay_sends_again(endpoint, receiver, physio, clinic, clinic_admin):
    new_patient(physio, clinic)
    fan_out()
    delivery.deliver_endpoint(endpoint.pk)
    row = WebhookDelivery.objects.get()
    webhooks.delivery_replay(actor=clinic_admin, delivery=row)
    assert delivery.deliver_endpoint(endpoint.pk) == "idle"
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["headers"]["webhook-id"] == receiver.requests[1]["headers"]["webhook-id"]
    assert WebhookDelivery.objects.get().attempts == 2


def test_claim_of_a_dead_worker_lapses_and_the_sweep_hands_it_on(endpoint, receiver, physio, clinic):
    new_patient(physio, clinic)
    fan_out()
    # A worker claimed the endpoint and died mid-send: nothing recorded, claim still held.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(claimed_until=timezone.now() + dt.timedelta(seconds=50),
                                                          claim_token="dead")
    assert delivery.deliver_endpoint(endpoint.pk) == "busy"
    assert delivery.due_endpoint_ids() == []
    with freeze_time(timezone.now() + dt.timedelta(seconds=51)):
        assert delivery.due_endpoint_ids() == [endpoint.pk]
        assert delivery.deliver_endpoint(endpoint.pk) == "idle"
    assert WebhookDelivery.objects.get().status == "succeeded"


def test_sweep_prunes_the_outbox_after_retention(clinic, physio, settings):
    new_patient(physio, clinic)
    with freeze_time(timezone.now() + dt.timedelta(days=settings.EVENTS_RETENTION_DAYS + 1)):
        result = sweep()
    assert result["outbox_pruned"] >= 1
    assert not OutboxEvent.objects.exists()
