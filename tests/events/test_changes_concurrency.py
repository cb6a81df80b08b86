"""The changes feed under concurrent writes (PostgreSQL: SQLite serialises writers).

Outbox ids are taken at insert, not at commit: a transaction that took a lower id and
commits later must still appear after a cursor that has moved past a higher id.
"""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction

from events.changes import changes_since
from records import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent writers need PostgreSQL (SQLite serialises them).")


def _new_patient(physio, clinic, name):
    # An explicit chart number: no lock on the clinic's counter, so writers really overlap.
    return services.patient_create(actor=physio, clinic=clinic, given_name=name, family_name="Concurrent",
                                   date_of_birth=dt.date(1980, 1, 2), chart_number=f"C-{name}")


def test_a_late_commit_with_a_lower_id_is_not_skipped(physio, clinic):
    inserted, release, done = threading.Event(), threading.Event(), threading.Event()
    slow = {}

    def slow_writer():
        try:
            with transaction.atomic():
                slow["patient"] = _new_patient(physio, clinic, "Slow")  # takes the lower outbox id
                inserted.set()
                release.wait(20)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inserted.wait(20)
    fast = _new_patient(physio, clinic, "Fast")  # higher id, commits first
    first = changes_since(clinic=clinic, since=None)
    assert [item["id"] for item in first["results"]] == [str(fast.pk)]
    release.set()
    assert done.wait(20)
    thread.join()
    second = changes_since(clinic=clinic, since=first["cursor"])
    assert [item["id"] for item in second["results"]] == [str(slow["patient"].pk)]


def test_readers_and_writers_at_once_see_everything_once(physio, clinic):
    writers, per_writer = 4, 8
    created, errors = [], []
    stop = threading.Event()
    seen = []

    def write(index):
        try:
            for n in range(per_writer):
                created.append(str(_new_patient(physio, clinic, f"W{index}-{n}").pk))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def read():
        cursor = None
        try:
            while True:
                finished = stop.is_set()
                page = changes_since(clinic=clinic, since=cursor, page_size=5)
                seen.extend(item["id"] for item in page["results"])
                cursor = page["cursor"]
                if finished and not page["has_more"] and not page["results"]:
                    return
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    stop.set()
    reader.join(60)
    assert errors == []
    assert len(created) == writers * per_writer
    assert sorted(seen) == sorted(created)  # every change once: none skipped, none repeated
