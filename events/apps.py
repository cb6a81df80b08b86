from django.apps import AppConfig


class EventsConfig(AppConfig):
    """Events out: the transactional outbox, webhooks, the changes feed and FHIR bulk export."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "events"
    verbose_name = "Events out"
