from django.apps import AppConfig


class ApiConfig(AppConfig):
    """REST API v1 and the FHIR R4 facade over the clinical record."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "API"
