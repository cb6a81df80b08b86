from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """The clinical domain: patients, assessments, sessions, audit."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "records"
    verbose_name = "Clinical records"
