"""attachment_upload: the type from the bytes, the size limit at its boundary, nothing half-saved."""

import pytest
from django.core.files.base import ContentFile

from records import services
from records.attachments import sniff_content_type
from records.exceptions import InvalidInput, NotPermitted, PayloadTooLarge
from records.models import Attachment, AuditEvent

PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def stored_files(tmp_path):
    return [p for p in tmp_path.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.4", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rXXXX", None),  # a PNG signature without its header chunk
        (b"\xff\xd8\xff\xdb", "image/jpeg"),
        (b"\xff\xd8\xfe", None),
        (b" %PDF-1.4", None),  # the magic must come first
        (b"MZ\x90\x00", None),
        (b"\x7fELF", None),
        (b"<html>", None),
        (b"", None),
    ],
)
def test_sniff_content_type(head, expected):
    assert sniff_content_type(head) == expected


def test_limit_boundary(physio, patient, settings, tmp_path):
    settings.ATTACHMENT_MAX_BYTES = len(PDF) + 1
    at_limit = services.attachment_upload(
        actor=physio, patient=patient, title="At the limit", kind="letter", file=ContentFile(PDF + b"x", name="a.pdf")
    )
    assert at_limit.size == len(PDF) + 1
    with pytest.raises(PayloadTooLarge):
        services.attachment_upload(
            actor=physio, patient=patient, title="Over", kind="letter", file=ContentFile(PDF + b"xx", name="b.pdf")
        )
    assert Attachment.objects.count() == 1 and len(stored_files(tmp_path)) == 1


def test_all_field_errors_are_reported_together(physio, patient, tmp_path):
    with pytest.raises(InvalidInput) as refused:
        services.attachment_upload(actor=physio, patient=patient, title=" ", kind="xray",
                                   file=ContentFile(b"<html></html>", name="x.pdf"))
    assert set(refused.value.errors) == {"title", "kind", "file"}
    assert not Attachment.objects.exists() and not stored_files(tmp_path)


def test_readers_and_other_clinics_are_refused(reader, other_physio, patient, tmp_path):
    for actor in (reader, other_physio):
        with pytest.raises(NotPermitted):
            services.attachment_upload(actor=actor, patient=patient, title="x", kind="other",
                                       file=ContentFile(PDF, name="a.pdf"))
    assert not Attachment.objects.exists() and not stored_files(tmp_path)


def test_a_failure_after_the_file_is_stored_removes_it(physio, patient, tmp_path, monkeypatch):
    def failing_audit(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("records.services.attachments.audit_event", failing_audit)
    with pytest.raises(RuntimeError):
        services.attachment_upload(actor=physio, patient=patient, title="x", kind="other",
                                   file=ContentFile(PDF, name="a.pdf"))
    assert not Attachment.objects.exists()
    assert not stored_files(tmp_path)
    assert not AuditEvent.objects.filter(action="create", object_type="attachment").exists()
