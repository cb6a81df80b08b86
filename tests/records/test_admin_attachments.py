"""Attachments in the admin: clinic-scoped metadata, read-only, each opening logged as a view."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from records import services
from records.models import AuditEvent
from tests.records.test_admin import change_url


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def staff_admin(clinic_admin):
    clinic_admin.is_staff = True
    clinic_admin.save(update_fields=["is_staff"])
    return clinic_admin


def test_admin_shows_attachments_read_only_and_logs_the_view(client, staff_admin, physio, patient, other_admin):
    attachment = services.attachment_upload(actor=physio, patient=patient, title="GP referral", kind="referral",
                                            file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="r.pdf"))
    client.force_login(staff_admin)
    listing = client.get(reverse("admin:records_attachment_changelist"))
    assert [a.pk for a in listing.context["cl"].queryset] == [attachment.pk]
    page = client.get(change_url(attachment))
    assert page.status_code == 200 and attachment.sha256 in page.content.decode()
    assert AuditEvent.objects.filter(action="view", object_type="admin_attachment", patient=patient).count() == 1
    assert client.post(change_url(attachment), {"title": "changed"}).status_code == 403
    assert client.get(reverse("admin:records_attachment_add")).status_code == 403
    assert client.get(reverse("admin:records_attachment_delete", args=[attachment.pk])).status_code == 403

    other_admin.is_staff = True
    other_admin.save(update_fields=["is_staff"])
    client.force_login(other_admin)
    assert list(client.get(reverse("admin:records_attachment_changelist")).context["cl"].queryset) == []
