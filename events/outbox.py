"""The one function every service calls to announce a change: :func:`emit`.

It appends an :class:`~events.models.OutboxEvent` inside the caller's transaction, so an
event exists exactly when its change committed. After the commit a fan-out task is
enqueued; if the task engine is unreachable then, the worker's sweep picks the event up.

Calls other branches need (documents, unarchive)::

    emit(clinic=patient.clinic, type="document.created", object_id=document.pk, patient=patient)
    emit(clinic=patient.clinic, type="patient.unarchived", object_id=patient.pk, patient=patient)
"""

import logging
import uuid

from django.db import connection, transaction

from .models import OutboxEvent

__all__ = ["EVENT_TYPES", "WEBHOOK_EVENT_TYPES", "emit", "feed_change_of", "object_type_of"]

logger = logging.getLogger(__name__)

# type → (object type, change type in the changes feed). The contract names of DESIGN §13.
EVENT_TYPES: dict[str, tuple[str, str]] = {
    "patient.created": ("patient", "created"),
    "patient.updated": ("patient", "updated"),
    "patient.archived": ("patient", "archived"),
    "patient.unarchived": ("patient", "unarchived"),
    "consent.changed": ("consent", "updated"),
    "assessment.created": ("assessment", "created"),
    "assessment.updated": ("assessment", "updated"),
    "assessment.signed": ("assessment", "signed"),
    "session.created": ("session", "created"),
    "session.updated": ("session", "updated"),
    "session.signed": ("session", "signed"),
    "session.deleted": ("session", "deleted"),
    "addendum.created": ("addendum", "created"),
    "document.created": ("document", "created"),
    "pain_score.created": ("pain_score", "created"),
}

# What a webhook endpoint may subscribe to (DESIGN §13, plus patient.unarchived).
WEBHOOK_EVENT_TYPES: tuple[str, ...] = (
    "patient.created",
    "patient.updated",
    "patient.archived",
    "patient.unarchived",
    "consent.changed",
    "assessment.signed",
    "session.created",
    "session.updated",
    "session.signed",
    "session.deleted",
    "addendum.created",
    "document.created",
)

def object_type_of(event_type: str) -> str:
    return EVENT_TYPES[event_type][0]


def feed_change_of(event_type: str) -> str:
    return EVENT_TYPES[event_type][1]


def _enqueue_fan_out() -> None:
    from .tasks import enqueue_fan_out  # tasks import the outbox; the outbox enqueues tasks

    enqueue_fan_out()


def emit(
    *,
    clinic,
    type: str,  # noqa: A002 - the contract's word
    object_id: uuid.UUID | str,
    patient=None,
    patient_id: uuid.UUID | str | None = None,
    change: str | None = None,
) -> OutboxEvent:
    """Append one event to the outbox; call it inside the service's transaction.

    ``patient`` (or ``patient_id``) names the patient whose record changed. ``change``
    overrides the feed's change type (e.g. a first consent is ``created``).
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {type!r}.")
    object_type, default_change = EVENT_TYPES[type]
    if patient is not None:
        patient_id = patient.pk
    event = OutboxEvent(
        clinic_id=clinic.pk,
        type=type,
        change=change or default_change,
        object_type=object_type,
        object_id=object_id,
        patient_id=patient_id,
    )
    event.save(force_insert=True)
    # One fan-out per transaction, however many events it wrote.
    if not any(callback is _enqueue_fan_out for _, callback, _ in connection.run_on_commit):
        transaction.on_commit(_enqueue_fan_out, robust=True)
    return event
