"""FHIR Bulk Data export (DESIGN §13): ``Patient/$export`` and ``Group/{clinic}/$export``.

Kick-off answers ``202`` with ``Content-Location`` (the status URL); the worker writes one
NDJSON file per resource type with the same mapping as ``$everything``; the status URL
answers ``202`` (``X-Progress``) until done, then ``200`` with the manifest. Files live
24 h in the ``bulk_exports`` storage, readable only by the clinic's users whose role runs
exports (clinic admins, API readers). ``DELETE`` on the status URL cancels.
"""

import datetime as dt
import json
import logging
import tempfile

from django.core.files import File
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_tasks import task
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from events import exports
from events.models import BulkExport
from events.tasks import enqueue
from records import policy
from records.choices import AuditAction
from records.models import Patient
from records.services import audit_event

from . import mapping, selectors
from .views import FHIRView

__all__ = ["EXPORT_TYPES", "BulkFileView", "BulkStatusView", "ExportKickOffView", "patient_resources", "run_export"]

logger = logging.getLogger(__name__)

# Every type the mapping produces, in the order files are listed.
EXPORT_TYPES = ("Patient", "Practitioner", "Consent", "Encounter", "Procedure", "Observation", "AdverseEvent")
NDJSON_FORMATS = {"application/fhir+ndjson", "application/ndjson", "ndjson"}
# A running export whose heartbeat is older than this was lost with its worker.
STALE_AFTER = dt.timedelta(minutes=10)
PROGRESS_EVERY = 25


class BulkExportPermission(BasePermission):
    """Clinic admins and API readers of a clinic (policy ``bulk_export.run``)."""

    message = "Your role may not run bulk exports."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated) or policy.clinic_of(user) is None:
            return False
        return policy.allowed(user, "bulk_export.run")


def patient_resources(patient: Patient, *, clinic_slug: str) -> list[dict]:
    """The patient's whole record as FHIR resources (as ``$everything`` returns it)."""
    record = selectors.patient_record(patient)
    resources = [mapping.patient_resource(patient, clinic_slug=clinic_slug)]
    resources += [mapping.practitioner_resource(user) for user in record.practitioners]
    resources += [mapping.consent_resource(consent) for consent in record.consents]
    for session in record.sessions:
        resources += mapping.session_resources(session, session.targeted_muscles, session.adverse_events)
    sessions = record.sessions_by_id
    resources += [mapping.pain_observation_resource(pain, sessions.get(pain.session_id)) for pain in record.pain_scores]
    return resources


def _updated_since(resource: dict, since: dt.datetime | None) -> bool:
    if since is None:
        return True
    last = (resource.get("meta") or {}).get("lastUpdated")
    return last is None or parse_datetime(last.replace("Z", "+00:00")) >= since


def _alive(export_id) -> bool:
    return BulkExport.objects.filter(pk=export_id).exclude(status=BulkExport.Status.CANCELLED).exists()


def run_export(export_id: str) -> str:
    """Write the export's NDJSON files (the worker's task). Safe to run again after a crash."""
    export = BulkExport.objects.select_related("clinic").filter(pk=export_id).first()
    if export is None or export.status in (BulkExport.Status.COMPLETED, BulkExport.Status.CANCELLED):
        return "gone"
    BulkExport.objects.filter(pk=export.pk).update(status=BulkExport.Status.RUNNING, progress="starting",
                                                   updated_at=timezone.now())
    clinic, types, since = export.clinic, set(export.types or EXPORT_TYPES), export.since
    # Closed in the finally below, whatever happens.
    files = {kind: tempfile.TemporaryFile() for kind in EXPORT_TYPES if kind in types}  # noqa: SIM115
    counts = dict.fromkeys(files, 0)
    seen_practitioners: set[str] = set()
    patients_named: list[str] = []
    try:
        patients = list(Patient.objects.filter(clinic=clinic).order_by("created_at", "id"))
        for index, patient in enumerate(patients, start=1):
            patient.clinic = clinic
            named = False
            for resource in patient_resources(patient, clinic_slug=clinic.slug):
                kind = resource["resourceType"]
                if kind not in files or not _updated_since(resource, since):
                    continue
                if kind == "Practitioner":
                    if resource["id"] in seen_practitioners:
                        continue
                    seen_practitioners.add(resource["id"])
                else:
                    named = True
                files[kind].write(json.dumps(resource, separators=(",", ":")).encode() + b"\n")
                counts[kind] += 1
            if named:
                patients_named.append(str(patient.pk))
            if index % PROGRESS_EVERY == 0 or index == len(patients):
                if not _alive(export.pk):
                    return "cancelled"
                BulkExport.objects.filter(pk=export.pk).update(
                    progress=f"{index} of {len(patients)} patients", updated_at=timezone.now())
        storage = exports.export_storage()
        output = []
        for kind, handle in files.items():
            if not counts[kind]:
                continue
            handle.seek(0)
            name = storage.save(f"{export.pk}/{kind}.ndjson", File(handle))
            output.append({"type": kind, "file": name, "count": counts[kind]})
        if not _alive(export.pk):
            for item in output:
                storage.delete(item["file"])
            return "cancelled"
        BulkExport.objects.filter(pk=export.pk).update(
            status=BulkExport.Status.COMPLETED, output=output, patient_ids=patients_named, progress="done",
            completed_at=timezone.now())
        # The access log names whose data went into the files (DESIGN §11).
        audit_event(actor=export.requested_by, action=AuditAction.EXPORT, clinic=clinic, object_type="bulkexport",
                    object_id=str(export.pk), after={"patients": patients_named, "files": len(output)})
        return "completed"
    except Exception as exc:
        logger.exception("Bulk export %s failed", export.pk)
        BulkExport.objects.filter(pk=export.pk).update(status=BulkExport.Status.FAILED,
                                                       error=type(exc).__name__[:500])
        raise
    finally:
        for handle in files.values():
            handle.close()


@task()
def bulk_export_task(export_id: str) -> str:
    """Write a FHIR bulk export's NDJSON files."""
    return run_export(export_id)


class BulkView(FHIRView):
    permission_classes = [BulkExportPermission]


def _parse_types(raw: str | None) -> list[str]:
    if not raw:
        return list(EXPORT_TYPES)
    types = [part.strip() for part in raw.split(",") if part.strip()]
    unknown = [kind for kind in types if kind not in EXPORT_TYPES]
    if unknown or not types:
        raise ValidationError({"_type": [f"Unsupported resource type {', '.join(unknown) or raw!r}; supported: "
                                         f"{', '.join(EXPORT_TYPES)}."]})
    return list(dict.fromkeys(types))


def _parse_since(raw: str | None) -> dt.datetime | None:
    if not raw:
        return None
    value = parse_datetime(raw.replace("Z", "+00:00")) if "T" in raw else None
    if value is None or timezone.is_naive(value):
        raise ValidationError({"_since": ["Give an instant with a time zone, e.g. 2026-03-01T00:00:00Z."]})
    return value


class ExportKickOffView(BulkView):
    """``GET Patient/$export`` or ``Group/<clinic id or slug>/$export`` with ``Prefer: respond-async``."""

    def get(self, request, group_id: str | None = None):
        clinic = self.clinic
        if group_id is not None and group_id not in (str(clinic.pk), clinic.slug):
            raise NotFound(f"Group/{group_id} is not your clinic.")
        if "respond-async" not in request.headers.get("Prefer", ""):
            raise ValidationError({"Prefer": ["Bulk export is asynchronous: send `Prefer: respond-async`."]})
        params = request.query_params
        unsupported = sorted(set(params) - {"_type", "_since", "_outputFormat", "_format"})
        if unsupported:
            raise ValidationError({unsupported[0]: ["This parameter is not supported by this server's export."]})
        output_format = params.get("_outputFormat")
        if output_format and output_format not in NDJSON_FORMATS:
            raise ValidationError({"_outputFormat": ["Only application/fhir+ndjson is supported."]})
        types, since = _parse_types(params.get("_type")), _parse_since(params.get("_since"))
        export = exports.export_request(actor=request.user, clinic=clinic, request_url=request.build_absolute_uri(),
                                        types=types, since=since)
        enqueue(bulk_export_task, str(export.pk))
        response = Response(status=202)
        response["Content-Location"] = request.build_absolute_uri(reverse("fhir:bulk-status", args=[export.pk]))
        return response


class BulkStatusView(BulkView):
    """The status URL: ``202`` while running, ``200`` + manifest when done, ``DELETE`` cancels."""

    def _export(self, export_id) -> BulkExport:
        export = BulkExport.objects.filter(pk=export_id, clinic=self.clinic, expires_at__gt=timezone.now()).first()
        if export is None:
            raise NotFound("No such export (exports and their files are deleted after 24 hours).")
        return export

    def get(self, request, export_id):
        export = self._export(export_id)
        if export.status in (BulkExport.Status.QUEUED, BulkExport.Status.RUNNING):
            if timezone.now() - export.updated_at > STALE_AFTER:
                # Its worker died: start it again (the task is safe to repeat).
                BulkExport.objects.filter(pk=export.pk).update(status=BulkExport.Status.QUEUED,
                                                               updated_at=timezone.now())
                enqueue(bulk_export_task, str(export.pk))
            response = Response(status=202)
            response["X-Progress"] = export.progress or export.status
            response["Retry-After"] = "5"
            return response
        if export.status == BulkExport.Status.FAILED:
            return Response({"resourceType": "OperationOutcome", "issue": [
                {"severity": "error", "code": "exception", "diagnostics": "The export failed; start a new one."}]},
                status=500)
        manifest = {
            "transactionTime": mapping.fhir_instant(export.transaction_time),
            "request": export.request_url,
            "requiresAccessToken": True,
            "output": [
                {"type": item["type"], "count": item["count"],
                 "url": request.build_absolute_uri(reverse("fhir:bulk-file", args=[export.pk, item["type"]]))}
                for item in export.output
            ],
            "error": [],
        }
        response = Response(manifest)
        response["Expires"] = export.expires_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
        return response

    def delete(self, request, export_id):
        exports.export_cancel(actor=request.user, export=self._export(export_id))
        return Response(status=202)


class BulkFileView(BulkView):
    """One NDJSON file of a finished export (``application/fhir+ndjson``)."""

    def get(self, request, export_id, resource_type: str):
        export = BulkExport.objects.filter(pk=export_id, clinic=self.clinic, status=BulkExport.Status.COMPLETED,
                                           expires_at__gt=timezone.now()).first()
        item = next((i for i in (export.output if export else ()) if i["type"] == resource_type), None)
        if item is None:
            raise NotFound("No such export file (files are deleted after 24 hours).")
        audit_event(actor=request.user, action=AuditAction.VIEW, clinic=self.clinic, object_type="fhir_bulk_file",
                    object_id=str(export.pk), after={"type": resource_type, "patients": export.patient_ids})
        response = FileResponse(exports.export_storage().open(item["file"], "rb"),
                                content_type="application/fhir+ndjson")
        response["Cache-Control"] = "no-store"
        return response
