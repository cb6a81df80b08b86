"""Staff in the Django admin: memberships and needling authorisations, through the services.

Superusers add memberships here; clinic admins see their own clinic's staff. Deactivating
and reactivating go through :mod:`accounts.services`, so the last-admin rule and the
audit trail hold here as on the Staff page and in the API.
"""

from django.contrib import admin, messages

from accounts import services
from records.admin.base import ClinicScopedAdmin, refusal_message
from records.exceptions import DomainError
from records.models import Membership, NeedlingAuthorisation

__all__ = ["MembershipAdmin", "NeedlingAuthorisationAdmin"]


@admin.register(Membership)
class MembershipAdmin(ClinicScopedAdmin):
    list_display = ("user", "clinic", "role", "is_active")
    list_filter = ("role",)
    list_select_related = ("user", "clinic")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    view_action = "staff.manage"
    actions = ("deactivate_staff", "reactivate_staff")

    @admin.display(boolean=True, description="active")
    def is_active(self, obj):
        return obj.user.is_active

    def _each(self, request, queryset, service, done_message):
        done = 0
        for membership in queryset.select_related("user"):
            try:
                service(actor=request.user, user=membership.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{membership.user}: {refusal_message(exc)}", messages.ERROR)
        if done:
            self.message_user(request, done_message.format(done=done), messages.SUCCESS)

    @admin.action(description="Deactivate the selected staff accounts (ends their API tokens and sessions)")
    def deactivate_staff(self, request, queryset):
        self._each(request, queryset, services.staff_deactivate, "{done} staff account(s) deactivated.")

    @admin.action(description="Reactivate the selected staff accounts")
    def reactivate_staff(self, request, queryset):
        self._each(request, queryset, services.staff_reactivate, "{done} staff account(s) reactivated.")

    def get_list_filter(self, request):
        return ("clinic", *self.list_filter) if request.user.is_superuser else self.list_filter

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(NeedlingAuthorisation)
class NeedlingAuthorisationAdmin(ClinicScopedAdmin):
    """Read-only here: authorisations are recorded on the Staff page or ``staff/{id}/authorisations/``."""

    list_display = ("user", "kind", "regulator", "registration_number", "granted_on", "expires_on")
    list_filter = ("kind",)
    list_select_related = ("user",)
    view_action = "staff.manage"

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
