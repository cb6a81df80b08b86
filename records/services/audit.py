"""Writing the audit trail. Every service calls :func:`audit_event` inside its transaction."""

from django.db import models

from records.models import AuditEvent, Clinic, Patient
from records.request_context import current_request_id, current_route
from records.snapshots import snapshot

__all__ = ["audit_event", "audit_view", "snapshot"]


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
