"""Two physiotherapists saving a session for one patient at the same moment."""

import threading

import pytest
from django.db import connection, connections

from records import services
from records.models import TreatmentSession
from tests.factories import muscle


@pytest.mark.django_db(transaction=True)
def test_concurrent_session_creations_get_distinct_numbers(patient, physio, physio2, yesterday):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers with IMMEDIATE transactions")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def record(actor):
        try:
            barrier.wait(timeout=10)
            services.session_record(
                actor=actor,
                patient=patient,
                started_at=yesterday,
                targeted_muscles=[
                    {"muscle": muscle("piriformis"), "side": "left", "twitch_response": "none", "outcome": "released"}
                ],
                needles_used=1,
                needles_removed=1,
            )
        except BaseException as exc:  # reported below, with the thread's traceback lost otherwise
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=record, args=(actor,)) for actor in (physio, physio2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(TreatmentSession.objects.filter(patient=patient).values_list("number", flat=True)) == [1, 2]
