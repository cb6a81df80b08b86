"""Background tasks (Django's tasks API through django-tasks): what the worker runs.

Tasks carry ids only. Each is safe to run twice: the delivery state lives in our own
tables, so a task lost with a killed worker is made good by the next :func:`sweep`.
"""

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from . import delivery
from .models import OutboxEvent

__all__ = [
    "deliver_endpoint_task",
    "enqueue",
    "enqueue_delivery",
    "enqueue_fan_out",
    "fan_out_task",
    "sweep",
]

logger = logging.getLogger(__name__)


@task()
def fan_out_task() -> int:
    """Turn new outbox events into deliveries, and start delivering to the endpoints concerned."""
    endpoint_ids = delivery.fan_out()
    for endpoint_id in endpoint_ids:
        enqueue_delivery(endpoint_id)
    return len(endpoint_ids)


@task()
def deliver_endpoint_task(endpoint_id: str) -> str:
    """Deliver one endpoint's due deliveries in order."""
    outcome = delivery.deliver_endpoint(endpoint_id)
    if outcome == "more":
        enqueue_delivery(endpoint_id)
    return outcome


def enqueue(task_obj, *args) -> None:
    # Called after commit: a task engine that is down must not fail the request that
    # already committed. The worker's sweep finds the work from the tables later.
    try:
        task_obj.enqueue(*args)
    except Exception:  # noqa: BLE001
        logger.warning("Could not enqueue %s; the next sweep will pick the work up.", task_obj.name, exc_info=True)


def enqueue_fan_out() -> None:
    enqueue(fan_out_task)


def enqueue_delivery(endpoint_id) -> None:
    enqueue(deliver_endpoint_task, str(endpoint_id))


def sweep(now: dt.datetime | None = None) -> dict:
    """The worker's periodic pass: fan out stragglers, hand due and orphaned deliveries to
    workers (retries after backoff, claims of killed workers), delete expired export files
    and outbox rows past retention."""
    from .exports import delete_expired

    now = now or timezone.now()
    touched = delivery.fan_out()
    due = set(delivery.due_endpoint_ids(now)) | touched
    for endpoint_id in due:
        enqueue_delivery(endpoint_id)
    expired = delete_expired(now)
    cutoff = now - dt.timedelta(days=settings.EVENTS_RETENTION_DAYS)
    pruned, _ = OutboxEvent.objects.filter(created_at__lt=cutoff, fanned_out=True).delete()
    return {"deliveries": len(due), "exports_deleted": expired,
            "outbox_pruned": pruned}
