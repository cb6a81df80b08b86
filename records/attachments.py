"""What an attached file is, decided from its bytes; and reading a patient's attachments.

The name and the browser's claimed type are never trusted: a renamed executable or HTML
page is refused because its first bytes are not those of a PDF, PNG or JPEG.
"""

from django.conf import settings
from django.db.models import QuerySet

from records.models import Attachment, Patient

__all__ = [
    "ALLOWED_TYPES",
    "attachments_for_clinic",
    "attachments_for_patient",
    "max_attachment_bytes",
    "sniff_content_type",
]

# content type → (magic prefix, file extension). PNG's signature includes its IHDR chunk
# header, JPEG's the start-of-image marker followed by any segment marker.
ALLOWED_TYPES: dict[str, tuple[bytes, str]] = {
    "application/pdf": (b"%PDF-", ".pdf"),
    "image/png": (b"\x89PNG\r\n\x1a\n", ".png"),
    "image/jpeg": (b"\xff\xd8\xff", ".jpg"),
}


def sniff_content_type(head: bytes) -> str | None:
    """The content type the first bytes of a file show, if it is one we accept; else None."""
    for content_type, (magic, _extension) in ALLOWED_TYPES.items():
        if head.startswith(magic):
            if content_type == "image/png" and head[12:16] != b"IHDR":
                return None
            return content_type
    return None


def max_attachment_bytes() -> int:
    """The largest attachment accepted (``ATTACHMENT_MAX_BYTES``, 10 MB by default)."""
    return getattr(settings, "ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)


def attachments_for_clinic(clinic) -> QuerySet[Attachment]:
    """The clinic's attachments, newest first, with the uploader (one query per page)."""
    return Attachment.objects.filter(clinic=clinic).select_related("uploaded_by", "patient")


def attachments_for_patient(patient: Patient) -> QuerySet[Attachment]:
    """One patient's attachments, newest first, with the uploader."""
    return Attachment.objects.filter(clinic_id=patient.clinic_id, patient=patient).select_related("uploaded_by")
