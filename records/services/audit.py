"""Writing the audit trail. Every service calls :func:`audit_event` inside its transaction."""

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable

from django.db import models

from records.models import AuditEvent, Clinic, Patient
from records.request_context import current_request_id, current_route

__all__ = ["audit_event", "audit_view", "snapshot"]


def _json_safe(value):
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


SKIPPED_FIELDS = frozenset({"clinic", "created_at", "updated_at"})


def snapshot(instance: models.Model, *, exclude: Iterable[str] = (), **nested) -> dict:
    """A JSON-safe dict of the instance's own columns (FKs as ids), plus ``nested`` lists."""
    skip = SKIPPED_FIELDS | set(exclude)
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in skip:
            continue
        key = field.name if not field.is_relation else field.name
        data[key] = _json_safe(getattr(instance, field.attname))
    for name, rows in nested.items():
        data[name] = [snapshot(row) if isinstance(row, models.Model) else _json_safe(row) for row in rows]
    return data


def audit_event(
    *,
    actor,
    action: str,
    clinic: Clinic | None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    patient: Patient | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one audit row for ``actor`` doing ``action``; call it inside the write's transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or str(obj.pk)
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor_id=actor_id,
        actor_username=getattr(actor, "username", "") if actor_id else "",
        clinic=clinic,
        action=action,
        object_type=object_type,
        object_id=object_id,
        patient=patient,
        before=before,
        after=after,
        route=current_route()[:200],
        request_id=current_request_id(),
    )


def audit_view(*, actor, patient: Patient, what: str, object_id: str = "") -> AuditEvent:
    """Log that ``actor`` read ``patient``'s data (chart, record, FHIR bundle, export).

    ``what`` names the kind of record read (``patient``, ``chart``, ``treatmentsession``,
    ``fhir_everything`` …); the route comes from the request context, never the raw path.
    """
    return audit_event(
        actor=actor,
        action="view",
        clinic=patient.clinic,
        object_type=what,
        object_id=object_id or str(patient.pk),
        patient=patient,
    )
