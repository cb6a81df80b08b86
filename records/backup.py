"""Backup and restore of one clinic: every row of its record, exactly as stored.

``export_clinic`` reads the clinic's complete data in one transaction (REPEATABLE READ on
PostgreSQL, so the snapshot is consistent while the clinic keeps working) and returns a
JSON-safe document: staff accounts and memberships, patients, consents, precautions,
assessments with findings and plan, sessions with their nested rows, addenda, the audit
trail, the sign-off digests, and attached documents (their bytes base64-encoded under
``attachment_files``, so the export stays one file; each one's SHA-256 is checked on
import). ``import_clinic`` writes such a document into a database
that does not have the clinic yet, keeping ids, timestamps and signatures, and then
recomputes every digest so the restore proves itself.

Rows are written with ``bulk_create`` and raw values, never ``save()``: no service runs
(the data was validated when it was first written), no ``auto_now`` stamp is renewed, no
audit row is re-invented. Signed records are inserted as drafts, their nested rows added,
and then signed in one update, so the immutability triggers never need to be lifted.
"""

import base64
import binascii
import contextlib
import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.models import Q
from django.utils import timezone

from records.choices import AuditAction, RecordStatus
from records.integrity import verify_assessment, verify_session
from records.models import (
    Addendum,
    AdverseEvent,
    Assessment,
    AssessmentFinding,
    Attachment,
    AuditEvent,
    Clinic,
    Consent,
    Membership,
    Muscle,
    PainScore,
    Patient,
    PlanItem,
    Precaution,
    TargetedMuscle,
    TreatmentSession,
    attachment_storage,
)

__all__ = ["FORMAT", "VERSION", "BackupError", "document_checksum", "export_clinic", "import_clinic"]

FORMAT = "ims-records-clinic"
VERSION = 1

# Export and import order: every row's foreign keys point at rows written before it.
CLINIC_TABLES: list[tuple[str, type[models.Model]]] = [
    ("memberships", Membership),
    ("patients", Patient),
    ("precautions", Precaution),
    ("consents", Consent),
    ("assessments", Assessment),
    ("assessment_findings", AssessmentFinding),
    ("plan_items", PlanItem),
    ("sessions", TreatmentSession),
    ("targeted_muscles", TargetedMuscle),
    ("pain_scores", PainScore),
    ("adverse_events", AdverseEvent),
    ("addenda", Addendum),
    ("audit_events", AuditEvent),
    ("attachments", Attachment),
]
SIGNED_TABLES = {"assessments": Assessment, "sessions": TreatmentSession}
SIGN_FIELDS = ("status", "signed_at", "signed_by", "signature_digest", "signature_key_id", "updated_at")

# Foreign keys to staff accounts: the accounts they name are exported with the clinic.
USER_COLUMNS = {
    Membership: ("user_id",),
    Consent: ("recorded_by_id", "withdrawn_by_id"),
    Assessment: ("practitioner_id", "signed_by_id"),
    TreatmentSession: ("practitioner_id", "signed_by_id"),
    Addendum: ("author_id",),
    AuditEvent: ("actor_id",),
    Attachment: ("uploaded_by_id",),
}
MUSCLE_COLUMNS = {AssessmentFinding: "muscle_id", PlanItem: "muscle_id", TargetedMuscle: "muscle_id"}


class BackupError(Exception):
    """The export or import cannot go ahead; the message says why."""


def _plain(value):
    """JSON-safe, lossless: full microseconds (DjangoJSONEncoder would cut them, and digests
    cover the signed times), decimals as strings, ids as strings."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _columns(model: type[models.Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _rows(queryset) -> list[dict]:
    return [_plain(row) for row in queryset.order_by("pk").values(*_columns(queryset.model))]


def document_checksum(data: dict) -> str:
    """SHA-256 over the canonical JSON of the document's data (detects a damaged file)."""
    encoded = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def export_clinic(slug: str, *, using: str = "default") -> dict:
    """One clinic's complete data as a JSON-safe document, read as one consistent snapshot."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            # Must be the transaction's first statement: every read below sees the same moment.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        clinic = Clinic.objects.using(using).filter(slug=slug).first()
        if clinic is None:
            raise BackupError(f"No clinic with the slug {slug!r}.")
        data: dict = {"clinic": _rows(Clinic.objects.using(using).filter(pk=clinic.pk))[0]}
        user_ids: set[int] = set()
        muscle_ids: set[str] = set()
        for key, model in CLINIC_TABLES:
            rows = _rows(model.objects.using(using).filter(clinic=clinic))
            data[key] = rows
            for row in rows:
                user_ids.update(row[column] for column in USER_COLUMNS.get(model, ()) if row[column] is not None)
                if model in MUSCLE_COLUMNS:
                    muscle_ids.add(row[MUSCLE_COLUMNS[model]])
        data["attachment_files"] = _attachment_files(data["attachments"])
        user_model = get_user_model()
        data["users"] = _rows(user_model.objects.using(using).filter(pk__in=user_ids))
        data["muscles"] = sorted(
            ({"id": str(pk), "slug": slug} for pk, slug in
             Muscle.objects.using(using).filter(pk__in=muscle_ids).values_list("pk", "slug")),
            key=lambda row: row["slug"],
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().astimezone(dt.UTC).isoformat(),
        "clinic": slug,
        "counts": {key: len(rows) for key, rows in data.items() if isinstance(rows, list)},
        "sha256": document_checksum(data),
        "data": data,
    }


def _attachment_files(rows: list[dict]) -> dict[str, str]:
    """Each attachment's stored bytes, base64-encoded, by attachment id."""
    storage = attachment_storage()
    files = {}
    for row in rows:
        with storage.open(row["file"], "rb") as handle:
            content = handle.read()
        if hashlib.sha256(content).hexdigest() != row["sha256"]:
            raise BackupError(f"The stored file of attachment {row['id']} does not match its SHA-256.")
        files[row["id"]] = base64.b64encode(content).decode("ascii")
    return files


def _store_attachments(rows: list[dict], files: dict, saved: list[str]) -> list[dict]:
    """Check every attachment's bytes against its recorded SHA-256 and size, then store them.

    Returns the rows with the names the storage gave (an existing name is never overwritten);
    every name stored is appended to ``saved`` so a failed import can remove them.
    """
    checked = []
    for row in rows:
        try:
            content = base64.b64decode(files[row["id"]], validate=True)
        except (KeyError, binascii.Error, TypeError) as exc:
            raise BackupError(f"The export lacks the file of attachment {row['id']}.") from exc
        if hashlib.sha256(content).hexdigest() != row["sha256"] or len(content) != row["size"]:
            raise BackupError(f"The file of attachment {row['id']} does not match its SHA-256: refused.")
        checked.append((row, content))
    storage = attachment_storage()
    stored_rows = []
    for row, content in checked:
        name = storage.save(row["file"], ContentFile(content))
        saved.append(name)
        stored_rows.append({**row, "file": name})
    return stored_rows


@contextlib.contextmanager
def _timestamps_as_given(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let ``bulk_create`` write exported ``created_at``/``updated_at``/``at`` values instead of now."""
    fields = [
        field
        for model in model_classes
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _instance(model: type[models.Model], row: dict, **override) -> models.Model:
    values = {}
    for field in model._meta.concrete_fields:
        value = override.get(field.attname, row.get(field.attname))
        values[field.attname] = None if value is None else field.to_python(value)
    return model(**values)


def _check_document(document: dict) -> dict:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError("This file is not an IMS Records clinic export.")
    if document.get("version") != VERSION:
        raise BackupError(f"Export format version {document.get('version')!r} is not supported (expected {VERSION}).")
    data = document.get("data")
    if not isinstance(data, dict) or document_checksum(data) != document.get("sha256"):
        raise BackupError("The export file is damaged: its checksum does not match its content.")
    return data


def _import_users(data: dict, using: str) -> int:
    user_model = get_user_model()
    created = []
    for row in data["users"]:
        existing = user_model.objects.using(using).filter(Q(pk=row["id"]) | Q(username=row["username"])).first()
        if existing is None:
            created.append(_instance(user_model, row))
        elif existing.pk != row["id"] or existing.username != row["username"]:
            raise BackupError(
                f"The staff account {row['username']!r} (id {row['id']}) clashes with an existing account."
            )
        # An identical account (same id and username, e.g. a superuser) is kept as it is.
    user_model.objects.using(using).bulk_create(created)
    if created:
        connection = connections[using]
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [user_model]):
                cursor.execute(statement)
    return len(created)


def import_clinic(document: dict, *, using: str = "default") -> dict:
    """Write an exported clinic into this database; refuses if the clinic already exists.

    Returns counts of rows written and the verification of every signed record.
    """
    data = _check_document(document)
    clinic_row = data["clinic"]
    saved_files: list[str] = []
    try:
        return _import(document, data, clinic_row, saved_files, using)
    except BaseException:
        storage = attachment_storage()
        for name in saved_files:
            storage.delete(name)  # the rows rolled back: their files go too
        raise


def _import(document: dict, data: dict, clinic_row: dict, saved_files: list[str], using: str) -> dict:
    with transaction.atomic(using=using):
        if Clinic.objects.using(using).filter(Q(slug=clinic_row["slug"]) | Q(pk=clinic_row["id"])).exists():
            raise BackupError(
                f"A clinic with the slug {clinic_row['slug']!r} already exists here; import only into a "
                "database that does not have it."
            )
        wanted = {row["id"] for row in data["muscles"]}
        present = {str(pk) for pk in Muscle.objects.using(using).filter(pk__in=wanted).values_list("pk", flat=True)}
        if wanted - present:
            missing = sorted(row["slug"] for row in data["muscles"] if row["id"] not in present)
            raise BackupError(f"The muscle catalogue here lacks: {', '.join(missing)}. Run migrate first.")

        counts = {"users": _import_users(data, using)}
        models_written = [Clinic, Membership, *(model for _key, model in CLINIC_TABLES)]
        with _timestamps_as_given(*models_written):
            Clinic.objects.using(using).bulk_create([_instance(Clinic, clinic_row)])
            for key, model in CLINIC_TABLES:
                rows = data.get(key, [])  # exports made before a table existed lack it
                if model is Attachment:
                    rows = _store_attachments(rows, data.get("attachment_files") or {}, saved_files)
                if key in SIGNED_TABLES:
                    # In as drafts; signed below, once their nested rows are in.
                    instances = [
                        _instance(model, row, status=RecordStatus.DRAFT, signed_at=None, signed_by_id=None,
                                  signature_digest="", signature_key_id=None)
                        for row in rows
                    ]
                else:
                    instances = [_instance(model, row) for row in rows]
                model.objects.using(using).bulk_create(instances, batch_size=500)
                counts[key] = len(instances)
                if key == "plan_items":
                    _sign(Assessment, data["assessments"], using)
                elif key == "adverse_events":
                    _sign(TreatmentSession, data["sessions"], using)

        clinic = Clinic.objects.using(using).get(pk=clinic_row["id"])
        verification = {
            "sessions": _verify(TreatmentSession.objects.using(using).filter(clinic=clinic), verify_session),
            "assessments": _verify(Assessment.objects.using(using).filter(clinic=clinic), verify_assessment),
        }
        # The restore itself goes on the record, after the trail it restored.
        from records.services import audit_event

        audit_event(
            actor=None, action=AuditAction.IMPORT, clinic=clinic, object_type="clinic", object_id=str(clinic.pk),
            after={
                "exported_at": document.get("exported_at"), "counts": counts, "verification": verification,
                "users_kept": len(data["users"]) - counts["users"],
            },
        )
    return {"counts": counts, "verification": verification}


def _sign(model: type[models.Model], rows: list[dict], using: str) -> None:
    signed = [
        _instance(model, row) for row in rows if row["status"] == RecordStatus.SIGNED
    ]
    fields = [model._meta.get_field(name).name for name in SIGN_FIELDS]
    model.objects.using(using).bulk_update(signed, fields, batch_size=500)


def _verify(queryset, verify) -> dict[str, int | list[str]]:
    result: dict[str, int | list[str]] = {"intact": 0, "altered": []}
    for record in queryset.filter(status=RecordStatus.SIGNED).order_by("pk"):
        if verify(record) == "intact":
            result["intact"] += 1
        else:
            result["altered"].append(str(record.pk))
    return result
