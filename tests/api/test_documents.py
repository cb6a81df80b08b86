"""Attached documents through the API (DESIGN §13): upload, list, metadata, download."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from records.models import Attachment, AuditEvent

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40 + b"\xff\xd9"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 60
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, patient, content=PDF, *, name="referral.pdf", title="GP referral", kind="referral", **extra):
    data = {"file": SimpleUploadedFile(name, content, content_type="application/pdf"), "title": title, "kind": kind}
    data.update(extra)
    return client.post(f"/api/v1/patients/{patient.pk}/documents/", data, format="multipart")


@pytest.mark.parametrize(("content", "content_type"), [(PDF, "application/pdf"), (PNG, "image/png"),
                                                        (JPEG, "image/jpeg")])
def test_upload_then_download_returns_the_same_bytes(physio_client, physio, patient, content, content_type):
    response = upload(physio_client, patient, content, name="letter.bin")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["patient"] == str(patient.pk)
    assert body["title"] == "GP referral"
    assert body["kind"] == "referral"
    assert body["content_type"] == content_type  # from the bytes, not the name or the claimed type
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["uploaded_by"] == physio.pk
    assert body["filename"] == "letter.bin"
    stored = Attachment.objects.get(pk=body["id"])
    assert stored.clinic_id == patient.clinic_id and stored.sha256 == body["sha256"]
    assert str(patient.family_name) not in stored.file.name and "letter" not in stored.file.name
    event = AuditEvent.objects.get(action="create", object_type="attachment")
    assert event.object_id == body["id"] and event.patient_id == patient.pk

    download = physio_client.get(f"/api/v1/documents/{body['id']}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert download["Content-Type"] == content_type
    assert download["Content-Disposition"].startswith("attachment;")
    assert 'filename="letter.bin"' in download["Content-Disposition"]
    assert download["Cache-Control"] == "no-store"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Length"] == str(len(content))


def test_metadata_and_list(physio_client, patient):
    first = upload(physio_client, patient, title="Referral").json()
    second = upload(physio_client, patient, PNG, title="MRI report", kind="imaging_report").json()
    listed = physio_client.get(f"/api/v1/patients/{patient.pk}/documents/")
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["results"]] == [second["id"], first["id"]]  # newest first
    assert listed["Cache-Control"] == "no-store"
    detail = physio_client.get(f"/api/v1/documents/{first['id']}/")
    assert detail.status_code == 200
    assert detail.json() == first
    assert detail.json()["download_url"].endswith(f"/api/v1/documents/{first['id']}/download/")


def test_every_read_is_logged_as_a_view_of_the_patient(physio_client, patient):
    document = upload(physio_client, patient).json()
    physio_client.get(f"/api/v1/patients/{patient.pk}/documents/")
    physio_client.get(f"/api/v1/documents/{document['id']}/")
    physio_client.get(f"/api/v1/documents/{document['id']}/download/")
    views = list(AuditEvent.objects.filter(action="view").order_by("at").values_list("object_type", "patient_id"))
    assert views == [("attachment_list", patient.pk), ("attachment", patient.pk), ("attachment", patient.pk)]


@pytest.mark.parametrize(("content", "name"), [(ELF, "scan.pdf"), (PE, "letter.pdf"), (HTML, "report.pdf"),
                                               (b"GIF89a" + b"\x00" * 20, "x.png"), (b"plain text", "a.jpg")])
def test_disguised_files_are_refused_naming_file(physio_client, patient, content, name):
    response = upload(physio_client, patient, content, name=name)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == ["file"]
    assert "PDF, PNG and JPEG" in error["fields"]["file"][0]
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action="create", object_type="attachment").exists()


def test_too_large_is_413_and_nothing_is_saved(physio_client, patient, settings, tmp_path):
    settings.ATTACHMENT_MAX_BYTES = 1000
    response = upload(physio_client, patient, PDF + b"0" * 1000)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert "file" in response.json()["error"]["message"]
    assert not Attachment.objects.exists()
    assert not any(tmp_path.rglob("*.pdf"))


def test_a_body_far_over_the_limit_is_refused_before_parsing(physio_client, patient, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    response = upload(physio_client, patient, PDF + b"0" * (70 * 1024))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert not Attachment.objects.exists()


def test_the_limit_itself_is_accepted(physio_client, patient, settings):
    settings.ATTACHMENT_MAX_BYTES = 2000
    content = PDF + b"0" * (2000 - len(PDF))
    assert upload(physio_client, patient, content).status_code == 201
    assert upload(physio_client, patient, content + b"0").status_code == 413


@pytest.mark.parametrize(
    ("fields", "bad"),
    [({"kind": "x-ray"}, "kind"), ({"title": ""}, "title"), ({"title": "   "}, "title"), ({"kind": ""}, "kind")],
)
def test_bad_fields_are_400_naming_the_field(physio_client, patient, fields, bad, tmp_path):
    response = upload(physio_client, patient, **fields)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [bad]
    assert not Attachment.objects.exists()
    assert not any(tmp_path.rglob("*.pdf"))


def test_missing_file_is_400_naming_file(physio_client, patient):
    response = physio_client.post(
        f"/api/v1/patients/{patient.pk}/documents/", {"title": "x", "kind": "other"}, format="multipart"
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["file"]


@pytest.mark.parametrize(("role_client", "allowed"), [("physio_client", True), ("admin_client", True),
                                                       ("reader_client", False)])
def test_role_matrix(request, patient, role_client, allowed):
    client = request.getfixturevalue(role_client)
    response = upload(client, patient)
    assert response.status_code == (201 if allowed else 403)
    assert Attachment.objects.count() == (1 if allowed else 0)


@pytest.mark.parametrize("role_client", ["physio_client", "admin_client", "reader_client"])
def test_every_role_reads(request, physio_client, patient, role_client):
    document = upload(physio_client, patient).json()
    client = request.getfixturevalue(role_client)
    assert client.get(f"/api/v1/patients/{patient.pk}/documents/").json()["results"][0]["id"] == document["id"]
    assert client.get(f"/api/v1/documents/{document['id']}/").status_code == 200
    assert client.get(f"/api/v1/documents/{document['id']}/download/").status_code == 200


def test_anonymous_is_401(api_client, physio_client, patient):
    document = upload(physio_client, patient).json()
    assert api_client.get(f"/api/v1/documents/{document['id']}/").status_code == 401
    assert upload(api_client, patient).status_code == 401


def test_another_clinics_documents_are_404(physio_client, other_client, patient, other_patient):
    document = upload(physio_client, patient).json()
    assert other_client.get(f"/api/v1/documents/{document['id']}/").status_code == 404
    assert other_client.get(f"/api/v1/documents/{document['id']}/download/").status_code == 404
    assert other_client.get(f"/api/v1/patients/{patient.pk}/documents/").status_code == 404
    assert upload(other_client, patient).status_code == 404
    assert upload(physio_client, other_patient).status_code == 404
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_append_only_no_changes_through_the_api(physio_client, patient, method):
    document = upload(physio_client, patient).json()
    response = getattr(physio_client, method)(f"/api/v1/documents/{document['id']}/", {"title": "x"},
                                              HTTP_IF_MATCH='"1"')
    assert response.status_code == 405
    assert Attachment.objects.get().title == "GP referral"


def test_append_only_in_the_database(physio_client, patient):
    upload(physio_client, patient)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attachment.objects.update(title="changed")
    with pytest.raises(IntegrityError), transaction.atomic():
        Attachment.objects.all().delete()
    assert Attachment.objects.get().title == "GP referral"


@pytest.mark.parametrize("count", [1, 6])
def test_list_query_count_does_not_grow(physio_client, physio, patient, count):
    for index in range(count):
        upload(physio_client, patient, title=f"Letter {index}")
    with CaptureQueriesContext(connection) as queries:
        response = physio_client.get(f"/api/v1/patients/{patient.pk}/documents/")
    assert len(response.json()["results"]) == count
    # token + user/membership, the patient, the page, the audit row
    assert len(queries) == LIST_QUERIES, [q["sql"] for q in queries]


def test_detail_query_count(physio_client, patient):
    document = upload(physio_client, patient).json()
    with CaptureQueriesContext(connection) as queries:
        assert physio_client.get(f"/api/v1/documents/{document['id']}/").status_code == 200
    assert len(queries) == DETAIL_QUERIES, [q["sql"] for q in queries]


# The token (with user, membership and clinic), the patient, the page, the audit row.
LIST_QUERIES = 4
# The token, the attachment (with patient and uploader), the audit row.
DETAIL_QUERIES = 3


def test_session_authenticated_upload_needs_csrf(physio, patient):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(physio)
    assert upload(client, patient).status_code == 403
    assert not Attachment.objects.exists()
