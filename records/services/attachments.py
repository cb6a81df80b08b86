"""Attaching documents to a patient's record: checked from the bytes, stored, audited."""

import hashlib
import os
import uuid

from django.core.files.base import ContentFile
from django.db import transaction

from events.outbox import emit
from records import policy
from records.attachments import ALLOWED_TYPES, max_attachment_bytes, sniff_content_type
from records.choices import AttachmentKind, AuditAction
from records.exceptions import PayloadTooLarge
from records.models import Attachment, Patient, attachment_storage

from .audit import audit_event
from .validation import FieldErrors

__all__ = ["attachment_upload"]

_HEAD_BYTES = 16


def _read_checked(file, errors: FieldErrors) -> bytes | None:
    """The file's bytes, or None (with an error recorded) when it is not an accepted type.

    Raises :class:`PayloadTooLarge` before reading a file whose size is over the limit, and
    while reading one that turns out longer than it claimed.
    """
    limit = max_attachment_bytes()
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise PayloadTooLarge(f"file: an attachment may be at most {limit // (1024 * 1024)} MB.")
    if hasattr(file, "seek"):
        file.seek(0)
    chunks, total = [], 0
    for chunk in file.chunks() if hasattr(file, "chunks") else [file.read()]:
        total += len(chunk)
        if total > limit:
            raise PayloadTooLarge(f"file: an attachment may be at most {limit // (1024 * 1024)} MB.")
        chunks.append(chunk)
    content = b"".join(chunks)
    if not content:
        errors.add("file", "The file is empty.")
        return None
    if sniff_content_type(content[:_HEAD_BYTES]) is None:
        errors.add("file", "Only PDF, PNG and JPEG files may be attached (checked from the file's content).")
        return None
    return content


def attachment_upload(*, actor, patient: Patient, title: str, kind: str, file, filename: str = "") -> Attachment:
    """Attach ``file`` (a Django ``File`` or upload) to ``patient``'s record.

    The type comes from the bytes (PDF, PNG or JPEG), the size is limited
    (``ATTACHMENT_MAX_BYTES``), the SHA-256 is recorded. Refusals save nothing: field errors
    are ``InvalidInput`` naming ``file``, ``title`` or ``kind``; too large is ``PayloadTooLarge``.
    """
    policy.require(actor, "attachment.create", clinic=patient.clinic)
    errors = FieldErrors()
    title = (title or "").strip()
    if not title:
        errors.add("title", "A title is required.")
    elif len(title) > 200:
        errors.add("title", "Ensure this field has no more than 200 characters.")
    if kind not in AttachmentKind.values:
        errors.add("kind", f"Unknown kind {kind!r}; one of: {', '.join(AttachmentKind.values)}.")
    content = _read_checked(file, errors)
    errors.raise_if_any()

    content_type = sniff_content_type(content[:_HEAD_BYTES])
    attachment_id = uuid.uuid4()
    # Ids only in the stored name: a file name may carry the patient's name.
    name = f"attachments/{patient.clinic_id}/{attachment_id}{ALLOWED_TYPES[content_type][1]}"
    filename = os.path.basename(filename or getattr(file, "name", "") or "").strip()[:200]
    storage = attachment_storage()
    stored = storage.save(name, ContentFile(content))
    try:
        with transaction.atomic():
            attachment = Attachment(
                id=attachment_id,
                clinic_id=patient.clinic_id,
                patient=patient,
                title=title,
                kind=kind,
                filename=filename,
                content_type=content_type,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                uploaded_by=actor,
            )
            attachment.file.name = stored
            attachment.save(force_insert=True)
            audit_event(
                actor=actor,
                action=AuditAction.CREATE,
                clinic=patient.clinic,
                obj=attachment,
                patient=patient,
                after={
                    "title": title, "kind": kind, "content_type": content_type,
                    "size": attachment.size, "sha256": attachment.sha256,
                },
            )
            emit(clinic=patient.clinic, type="document.created", object_id=attachment.pk, patient=patient)
    except BaseException:
        storage.delete(stored)  # nothing half-saved: no row, so no file either
        raise
    return attachment
