"""The database cache table behind settings.CACHES["shared"] (throttle counters), made where
``migrate`` runs, so every deployment and the test database have it. Without a database
cache configured (REDIS_URL set) it does nothing."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("records", "0014_integrity_second_round")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=True)]
