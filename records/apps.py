from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_shipped_instruments(sender, using="default", **kwargs) -> None:
    """Install or refresh the outcome instruments that ship in ``records/instruments/``."""
    from records.services.outcomes import instruments_sync_shipped

    if using == "default":
        instruments_sync_shipped()


class RecordsConfig(AppConfig):
    """The clinical domain: patients, assessments, sessions, audit."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "records"
    verbose_name = "Clinical records"

    def ready(self) -> None:
        from records import checks  # noqa: F401 - checks register themselves

        post_migrate.connect(_sync_shipped_instruments, sender=self, dispatch_uid="records_sync_instruments")
