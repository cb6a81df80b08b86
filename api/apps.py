from django.apps import AppConfig


class ApiConfig(AppConfig):
    """REST API v1 and the FHIR R4 facade over the clinical record."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "API"

    def ready(self):
        from api.tokens import tokens_revoke_for_user
        from records.services.staff import register_token_revoker

        register_token_revoker(tokens_revoke_for_user)
