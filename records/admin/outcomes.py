"""Admin views of outcomes (DESIGN §12): read-only lists; writes go through the API and pages."""

from django.contrib import admin

from records.models import ObjectiveMeasure, OutcomeInstrument, OutcomeResponse, SegmentalSign

from .base import ClinicScopedAdmin

__all__ = ["ObjectiveMeasureAdmin", "OutcomeInstrumentAdmin", "OutcomeResponseAdmin", "SegmentalSignAdmin"]


class _ReadOnly:
    """Outcomes are recorded through the services (API, pages); the admin only shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutcomeInstrument)
class OutcomeInstrumentAdmin(admin.ModelAdmin):
    """Installed instruments (``load_instrument`` adds them); read-only here."""

    list_display = ("code", "name", "version", "clinic")
    readonly_fields = [field.name for field in OutcomeInstrument._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutcomeResponse)
class OutcomeResponseAdmin(_ReadOnly, ClinicScopedAdmin):
    list_display = ("recorded_at", "patient", "instrument", "score")
    list_select_related = ("patient", "instrument")


@admin.register(ObjectiveMeasure)
class ObjectiveMeasureAdmin(_ReadOnly, ClinicScopedAdmin):
    list_display = ("recorded_at", "patient", "kind", "side", "value", "unit", "joint", "movement", "degrees")
    list_select_related = ("patient",)
    list_filter = ("kind",)


@admin.register(SegmentalSign)
class SegmentalSignAdmin(_ReadOnly, ClinicScopedAdmin):
    list_display = ("assessment", "segment", "sign")
    list_select_related = ("assessment",)
