"""FHIR bulk exports as records: kick-off, cancel, and deleting expired files.

The NDJSON itself is written by the API's FHIR module (``api.fhir.bulk``), which owns the
FHIR mapping; this module keeps the rows, the policy and the storage.
"""

import datetime as dt

from django.conf import settings
from django.core.files.storage import default_storage, storages
from django.db import transaction
from django.utils import timezone

from records import policy
from records.choices import AuditAction
from records.services.audit import audit_event

from .models import BulkExport

__all__ = ["delete_expired", "export_cancel", "export_request", "export_storage"]


def export_storage():
    """Where export files live: the ``bulk_exports`` storage when configured."""
    try:
        return storages["bulk_exports"]
    except Exception:  # noqa: BLE001 - InvalidStorageError: not configured
        return default_storage


@transaction.atomic
def export_request(*, actor, clinic, request_url: str, types: list[str], since: dt.datetime | None) -> BulkExport:
    """Record a bulk-export request (policy ``bulk_export.run``), audited as ``export``."""
    policy.require(actor, "bulk_export.run", clinic=clinic)
    now = timezone.now()
    export = BulkExport.objects.create(
        clinic=clinic, requested_by=actor, request_url=request_url[:2000], types=types, since=since,
        transaction_time=now, expires_at=now + dt.timedelta(hours=settings.BULK_EXPORT_TTL_HOURS),
        progress="queued",
    )
    audit_event(actor=actor, action=AuditAction.EXPORT, clinic=clinic, obj=export,
                after={"types": types, "since": since.isoformat() if since else None, "format": "fhir_ndjson"})
    return export


def _delete_files(export: BulkExport) -> None:
    storage = export_storage()
    for item in export.output or ():
        if item.get("file"):
            storage.delete(item["file"])


@transaction.atomic
def export_cancel(*, actor, export: BulkExport) -> None:
    """Cancel (or delete, once finished) an export and its files."""
    policy.require(actor, "bulk_export.run", clinic=export.clinic)
    export = BulkExport.objects.select_for_update().get(pk=export.pk)
    _delete_files(export)
    export.delete()
    audit_event(actor=actor, action=AuditAction.DELETE, clinic=export.clinic, object_type="bulkexport",
                object_id=str(export.pk))


def delete_expired(now: dt.datetime | None = None) -> int:
    """Delete exports (files and rows) past their 24 h."""
    now = now or timezone.now()
    count = 0
    for export in BulkExport.objects.filter(expires_at__lt=now):
        _delete_files(export)
        export.delete()
        count += 1
    return count
