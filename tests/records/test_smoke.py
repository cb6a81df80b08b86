from records.models import Muscle


def test_catalogue_is_loaded_by_migration(db):
    assert Muscle.objects.count() >= 70
