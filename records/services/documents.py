"""Issuing documents built from the record (procedure notes, course summaries): the audit side."""

from django.db import transaction

from records import policy
from records.choices import AuditAction
from records.models import Patient

from .audit import audit_event

__all__ = ["document_issued"]


def document_issued(*, actor, patient: Patient, document: str, object_id: str, after: dict | None = None) -> None:
    """Record that ``actor`` took ``document`` (``procedure_note``, ``course_summary``) of
    ``patient``'s record out of the system: an ``export`` event naming the patient."""
    policy.require(actor, "record.read", clinic=patient.clinic)
    with transaction.atomic():
        audit_event(
            actor=actor, action=AuditAction.EXPORT, clinic=patient.clinic, object_type=document,
            object_id=object_id, patient=patient, after=after,
        )
