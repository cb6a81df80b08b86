"""Loads the muscle catalogue, so a fresh database has it without any extra step."""

from django.db import migrations


def load_catalogue(apps, schema_editor):
    from records.muscle_catalogue import MUSCLES
    from records.models.muscles import muscle_uuid

    Muscle = apps.get_model("records", "Muscle")
    for entry in MUSCLES:
        Muscle.objects.update_or_create(
            slug=entry["slug"],
            defaults={**{k: v for k, v in entry.items() if k != "slug"}, "id": muscle_uuid(entry["slug"])},
        )


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]

    operations = [migrations.RunPython(load_catalogue, migrations.RunPython.noop)]
