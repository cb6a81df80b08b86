"""Writing the audit trail. Every service calls :func:`audit_event` inside its transaction."""

from collections.abc import Iterable

from django.db import connection, models
from django.db.models import Q

from records.models import AuditEvent, Clinic, Patient
from records.request_context import current_request_id, current_route
from records.snapshots import snapshot

__all__ = ["audit_event", "audit_read", "audit_view", "events_naming_patient", "snapshot"]


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
    patients: list[str] | None = None,
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
        patients=patients if patients is not None else ([str(patient.pk)] if patient is not None else None),
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


def audit_read(
    *, actor, clinic: Clinic | None, patients: Iterable, what: str, object_id: str = ""
) -> AuditEvent | None:
    """The access log: one ``view`` event for a request that returned these patients' data.

    ``patients`` holds Patient rows or ids, in the order read (duplicates are dropped);
    nothing is written when it is empty. A single patient also fills the ``patient``
    column (the chart's "who viewed this record"); every event lists them all in
    ``patients``. One INSERT, and callers make it after the read, not inside the read's
    snapshot: the access log never holds a read open nor is rolled back with it.
    """
    ids = list(dict.fromkeys(str(getattr(p, "pk", p)) for p in patients if p is not None))
    if not ids:
        return None
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor_id=actor_id,
        actor_username=getattr(actor, "username", "") if actor_id else "",
        clinic=clinic,
        action="view",
        object_type=what,
        object_id=object_id or (ids[0] if len(ids) == 1 else ""),
        patient_id=ids[0] if len(ids) == 1 else None,
        patients=ids,
        route=current_route()[:200],
        request_id=current_request_id(),
    )


def events_naming_patient(patient_id) -> Q:
    """Audit events about ``patient_id``: as their one patient, or among a list read's patients."""
    needle = str(patient_id)
    if connection.features.supports_json_field_contains:
        listed = Q(patients__contains=[needle])
    else:  # SQLite: match the id with its quotes in the stored JSON text
        listed = Q(patients__icontains=f'"{needle}"')
    return Q(patient_id=patient_id) | listed
