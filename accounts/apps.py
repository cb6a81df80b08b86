from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and access"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import password_changes, signals  # noqa: F401  (signals connects the sign-in handler)

        password_changes.connect()
