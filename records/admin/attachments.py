"""Attached documents in the admin: metadata only, read-only (uploads go through the pages and API)."""

from django.contrib import admin

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
    # Reading a change page is logged by the clinic-scoped admin base, as for every model.
