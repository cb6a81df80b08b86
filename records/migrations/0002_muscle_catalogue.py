"""Loads the muscle catalogue, so a fresh database has it without any extra step."""

from django.db import migrations


def load_catalogue(apps, schema_editor):
    from records.models.muscles import sync_muscle_catalogue

    sync_muscle_catalogue(apps.get_model("records", "Muscle"))


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]

    operations = [migrations.RunPython(load_catalogue, migrations.RunPython.noop)]
