"""Backup and restore carry attached documents byte for byte, and refuse a tampered one."""

import base64
import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from records import services
from records.backup import document_checksum
from records.immutability import triggers_suspended
from records.models import Attachment, Clinic, attachment_storage
from tests.security.test_backup import forget

PDF = b"%PDF-1.7\n% a referral letter\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) + b"\xff\xd9"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def attached(clinic, physio, clinic_admin, patient):
    letter = services.attachment_upload(
        actor=physio, patient=patient, title="GP referral", kind="referral",
        file=SimpleUploadedFile("referral.pdf", PDF),
    )
    scan = services.attachment_upload(
        actor=clinic_admin, patient=patient, title="Signed consent form", kind="consent_form",
        file=SimpleUploadedFile("consent.jpg", JPEG),
    )
    return [letter, scan]


def forget_with_attachments(clinic):
    names = list(Attachment.objects.filter(clinic=clinic).values_list("file", flat=True))
    with triggers_suspended():
        Attachment.objects.filter(clinic=clinic).delete()
    for name in names:
        attachment_storage().delete(name)
    forget(clinic)


def export(tmp_path):
    path = tmp_path / "harbour.json"
    call_command("export_clinic", "harbour", "--out", str(path), verbosity=0)
    return path, json.loads(path.read_text())


def test_round_trip_restores_attachments_byte_for_byte(clinic, attached, tmp_path):
    before = list(Attachment.objects.filter(clinic=clinic).order_by("pk").values())
    path, document = export(tmp_path)
    assert document["counts"]["attachments"] == 2
    assert base64.b64decode(document["data"]["attachment_files"][str(attached[0].pk)]) == PDF

    forget_with_attachments(clinic)
    assert not attachment_storage().exists(attached[0].file.name)
    call_command("import_clinic", str(path), verbosity=0)

    restored = Clinic.objects.get(slug="harbour")
    after = list(Attachment.objects.filter(clinic=restored).order_by("pk").values())
    assert after == before
    for attachment, content in zip(
        Attachment.objects.filter(clinic=restored).order_by("created_at"), [PDF, JPEG], strict=True
    ):
        with attachment.file.open("rb") as handle:
            data = handle.read()
        assert data == content
        assert hashlib.sha256(data).hexdigest() == attachment.sha256


def test_a_tampered_attachment_is_refused_and_nothing_is_written(clinic, attached, tmp_path):
    path, document = export(tmp_path)
    files = document["data"]["attachment_files"]
    files[str(attached[0].pk)] = base64.b64encode(PDF.replace(b"referral", b"forgeries")).decode()
    # Whoever tampered also fixed the document's checksum: the file's own SHA-256 still refuses it.
    document["sha256"] = document_checksum(document["data"])
    path.write_text(json.dumps(document))
    forget_with_attachments(clinic)

    with pytest.raises(CommandError, match="does not match its SHA-256"):
        call_command("import_clinic", str(path), verbosity=0)
    assert not Clinic.objects.filter(slug="harbour").exists()
    assert not Attachment.objects.exists()
    assert not any(p.is_file() for p in (tmp_path / "media").rglob("*"))


def test_a_missing_attachment_file_is_refused(clinic, attached, tmp_path):
    path, document = export(tmp_path)
    del document["data"]["attachment_files"][str(attached[1].pk)]
    document["sha256"] = document_checksum(document["data"])
    path.write_text(json.dumps(document))
    forget_with_attachments(clinic)
    with pytest.raises(CommandError, match="lacks the file"):
        call_command("import_clinic", str(path), verbosity=0)
    assert not Clinic.objects.filter(slug="harbour").exists()
    assert not any(p.is_file() for p in (tmp_path / "media").rglob("*"))


def test_a_damaged_attachment_in_the_export_file_is_caught_by_the_document_checksum(clinic, attached, tmp_path):
    path, document = export(tmp_path)
    document["data"]["attachment_files"][str(attached[0].pk)] = base64.b64encode(b"%PDF-other").decode()
    path.write_text(json.dumps(document))
    forget_with_attachments(clinic)
    with pytest.raises(CommandError, match="damaged"):
        call_command("import_clinic", str(path), verbosity=0)


def test_export_refuses_a_stored_file_changed_on_disk(clinic, attached, tmp_path):
    stored = attachment_storage().path(attached[0].file.name)
    with open(stored, "wb") as handle:
        handle.write(PDF + b"appended")
    with pytest.raises(CommandError, match="does not match"):
        call_command("export_clinic", "harbour", "--out", str(tmp_path / "x.json"), verbosity=0)
