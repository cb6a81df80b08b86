"""The audit trail in the admin: read-only for everyone, superusers included."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from records.models import AuditEvent

from .base import ClinicScopedAdmin

__all__ = ["AuditEventAdmin"]


@admin.register(AuditEvent)
class AuditEventAdmin(ClinicScopedAdmin):
    access_log = False  # reading the trail is not logged in the trail (DESIGN §11 names patient records)
    list_display = ("at", "actor_username", "action", "object_type", "object_id", "patient", "route")
    list_filter = ("action", ("at", admin.DateFieldListFilter), "object_type")
    search_fields = ("actor_username", "object_id")
    list_select_related = ("patient",)
    ordering = ("-at",)
    view_action = "audit.read"
    fields = (
        "at", "actor", "actor_username", "clinic", "action", "object_type", "object_id", "patient",
        "change_table", "route", "request_id",
    )
    readonly_fields = fields

    def get_list_filter(self, request):
        return (*self.list_filter, "clinic") if request.user.is_superuser else self.list_filter

    # Append-only: has_add/change/delete_permission stay False (ClinicScopedMixin) for everyone.

    @admin.display(description="changes")
    def change_table(self, event):
        changes = event.changes
        if not changes:
            return "—"
        rows = format_html_join(
            "", "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>",
            ((field, _short(before), _short(after)) for field, (before, after) in changes.items()),
        )
        return format_html(
            "<table><thead><tr><th>field</th><th>before</th><th>after</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )


def _short(value) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= 300 else text[:300] + "…"
