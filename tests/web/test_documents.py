"""Documents on the pages: Print / PDF buttons, the chart's attachments card, upload and download."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from records.models import Attachment, AuditEvent
from tests.web.conftest import add_sessions

PDF = b"%PDF-1.4\n% referral\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_chart_offers_the_summary_pdf_once_something_is_signed(client, physio, patient, course):
    client.force_login(physio)
    page = client.get(f"/patients/{patient.pk}/").content.decode()
    assert "Print / PDF summary" not in page  # nothing signed yet
    add_sessions(physio, patient, 2, assessment=course)
    page = client.get(f"/patients/{patient.pk}/").content.decode()
    assert f'href="/patients/{patient.pk}/summary.pdf"' in page
    response = client.get(f"/patients/{patient.pk}/summary.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Cache-Control"] == "no-store"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Course summary" in text and "Quinlan, Morgan" in text
    assert AuditEvent.objects.filter(action="export", object_type="course_summary", patient=patient).count() == 1


def test_session_page_offers_the_note_pdf_when_signed(client, physio, patient):
    signed, = add_sessions(physio, patient, 1)
    draft, = add_sessions(physio, patient, 1, sign=False)
    client.force_login(physio)
    assert f'href="/sessions/{signed.pk}/document.pdf"' in client.get(f"/sessions/{signed.pk}/").content.decode()
    assert "document.pdf" not in client.get(f"/sessions/{draft.pk}/").content.decode()
    response = client.get(f"/sessions/{signed.pk}/document.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Lumbar multifidus" in text and signed.signature_digest in text
    refused = client.get(f"/sessions/{draft.pk}/document.pdf")
    assert refused.status_code == 409 and b"sign it first" in refused.content


def test_another_clinics_pdfs_and_documents_are_404(client, other_physio, physio, patient):
    signed, = add_sessions(physio, patient, 1)
    client.force_login(other_physio)
    assert client.get(f"/sessions/{signed.pk}/document.pdf").status_code == 404
    assert client.get(f"/patients/{patient.pk}/summary.pdf").status_code == 404
    upload = {"title": "x", "kind": "other", "file": SimpleUploadedFile("a.pdf", PDF)}
    assert client.post(f"/patients/{patient.pk}/documents/", upload).status_code == 404
    assert not Attachment.objects.exists()


def test_upload_list_and_download_on_the_chart(client, physio, patient):
    client.force_login(physio)
    response = client.post(
        f"/patients/{patient.pk}/documents/",
        {"title": "GP referral", "kind": "referral", "file": SimpleUploadedFile("referral.pdf", PDF)},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Document attached." in page
    attachment = Attachment.objects.get()
    assert (attachment.title, attachment.kind, attachment.uploaded_by) == ("GP referral", "referral", physio)
    assert "GP referral" in page and f'href="/documents/{attachment.pk}/download/"' in page
    download = client.get(f"/documents/{attachment.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="view", object_type="attachment", patient=patient).count() == 1


def test_a_disguised_upload_is_refused_on_the_page(client, physio, patient):
    client.force_login(physio)
    response = client.post(
        f"/patients/{patient.pk}/documents/",
        {"title": "Scan", "kind": "imaging_report", "file": SimpleUploadedFile("scan.pdf", b"\x7fELF" + b"\0" * 40)},
        follow=True,
    )
    assert "Only PDF, PNG and JPEG files may be attached" in response.content.decode()
    assert not Attachment.objects.exists()


def test_readers_see_documents_but_get_no_upload_form(client, reader, physio, patient):
    client.force_login(reader)
    page = client.get(f"/patients/{patient.pk}/").content.decode()
    assert "Documents" in page and 'enctype="multipart/form-data"' not in page
    upload = {"title": "x", "kind": "other", "file": SimpleUploadedFile("a.pdf", PDF)}
    assert client.post(f"/patients/{patient.pk}/documents/", upload).status_code == 403
    assert not Attachment.objects.exists()
