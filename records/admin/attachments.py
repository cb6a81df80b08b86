"""Attached documents in the admin: metadata only, read-only (uploads go through the pages and API)."""

from django.contrib import admin

from records import services
from records.models import Attachment

from .base import ClinicScopedAdmin

__all__ = ["AttachmentAdmin"]


@admin.register(Attachment)
class AttachmentAdmin(ClinicScopedAdmin):
    list_display = ("created_at", "patient", "title", "kind", "content_type", "size", "uploaded_by")
    list_select_related = ("patient", "uploaded_by")
    list_filter = ("kind", "content_type")
    search_fields = ("patient__chart_number", "title")
    view_action = "attachment.read"
    fields = ("patient", "title", "kind", "filename", "content_type", "size", "sha256", "uploaded_by", "created_at")
    readonly_fields = fields
    # Append-only: has_add/change/delete_permission stay False (ClinicScopedMixin) for everyone.

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            attachment = self.get_object(request, object_id)
            if attachment is not None and self.has_view_permission(request, attachment):
                services.audit_view(
                    actor=request.user, patient=attachment.patient, what="admin_attachment",
                    object_id=str(attachment.pk),
                )
        return super().change_view(request, object_id, form_url, extra_context)
