"""Clinics, staff memberships and the muscle catalogue in the admin.

None of these is clinical data with a write service: clinics are set up with
``create_clinic`` (``seed_demo`` for the demo); clinic admins see their own clinic here,
read-only. Staff memberships are in :mod:`accounts.admin`. The muscle catalogue is loaded
by a migration and is read-only for everyone, so its stable ids never drift between installations.
"""

from django.contrib import admin

from records.models import Clinic, Muscle

from .base import ClinicScopedAdmin, is_admin_user

__all__ = ["ClinicAdmin", "MuscleAdmin"]


@admin.register(Clinic)
class ClinicAdmin(ClinicScopedAdmin):
    list_display = ("name", "slug", "timezone")
    search_fields = ("name", "slug")
    readonly_fields = ("chart_number_seq", "created_at")
    view_action = "patient.read"

    def clinic_id_of(self, obj):
        return obj.pk

    def scope_queryset(self, request, queryset):
        if request.user.is_superuser:
            return queryset
        membership = getattr(request.user, "membership", None) if is_admin_user(request.user) else None
        return queryset.filter(pk=membership.clinic_id) if membership else queryset.none()

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(Muscle)
class MuscleAdmin(admin.ModelAdmin):
    """The global catalogue: any admin user may browse it; nobody edits it here."""

    list_display = ("name", "region", "nerve", "root_levels", "lung_field", "snomed_code")
    list_filter = ("region", "lung_field")
    search_fields = ("name", "slug", "nerve")

    @admin.display(description="segments")
    def root_levels(self, muscle):
        return ", ".join(muscle.segments or ())

    def has_module_permission(self, request):
        return is_admin_user(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin_user(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
