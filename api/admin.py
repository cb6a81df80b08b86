"""API tokens in the admin: see who has which token, revoke them. Issuing is done with
``manage.py issue_token`` or ``POST /api/v1/auth/token/`` (the raw token is shown once)."""

from django.contrib import admin, messages

from accounts.models import ApiToken
from accounts.services import token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created", "expiry", "last_used_at")
    search_fields = ("user__username", "token_key", "name")
    fields = ("user", "name", "created", "expiry", "last_used_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Revoking goes through the service (audited); the action below does it.
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Revoke selected tokens", permissions=["view"])
    def revoke(self, request, queryset):
        for token in queryset:
            token_revoke(actor=request.user, token=token)
        messages.success(request, "The selected tokens are revoked.")
