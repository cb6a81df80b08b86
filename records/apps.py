from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """The clinical domain: patients, assessments, sessions, audit."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "records"
    verbose_name = "Clinical records"

    def ready(self):
        from records import checks  # noqa: F401 - checks register themselves
