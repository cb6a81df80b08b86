from django.apps import AppConfig


class WebConfig(AppConfig):
    """Server-rendered pages for physiotherapists and clinic admins."""

    name = "web"
    verbose_name = "Web pages"
