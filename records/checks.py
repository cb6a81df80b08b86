"""System checks of the deployment (registered on import, from RecordsConfig.ready)."""

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError, connections

__all__ = ["app_role_is_least_privileged"]


@register(Tags.database, Tags.security, deploy=True)
def app_role_is_least_privileged(app_configs=None, **kwargs):
    """Warn (under ``check --deploy``) when the app connects to PostgreSQL as a superuser or
    as the owner of its tables: that connection could switch the immutability triggers off."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.rolsuper, EXISTS (SELECT 1 FROM pg_tables t WHERE t.tableowner = current_user "
                "AND t.tablename = 'records_treatmentsession') FROM pg_roles r WHERE r.rolname = current_user"
            )
            superuser, owner = cursor.fetchone()
    except DatabaseError:
        return []  # no database to ask: nothing to say about it
    warnings = []
    if superuser:
        warnings.append(Warning(
            "The app connects to PostgreSQL as a superuser.",
            hint="Run migrate as the owner, then `manage.py grant_app_role ROLE`, and connect the app as ROLE.",
            id="records.W001",
        ))
    elif owner:
        warnings.append(Warning(
            "The app connects to PostgreSQL as the owner of its tables (it could disable the triggers).",
            hint="Run migrate as the owner, then `manage.py grant_app_role ROLE`, and connect the app as ROLE.",
            id="records.W002",
        ))
    return warnings
