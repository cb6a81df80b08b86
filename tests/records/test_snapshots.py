"""records.snapshots.consistent_read: one view of the database for a document read in
several queries."""

import threading

import pytest
from django.db import connection, transaction

from records import services
from records.models import TreatmentSession
from records.snapshots import consistent_read

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="REPEATABLE READ and a second writer: a PostgreSQL matter"
)


def _isolation() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW transaction_isolation")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_opens_one_and_closes_it():
    assert not connection.in_atomic_block
    with consistent_read():
        assert connection.in_atomic_block
    assert not connection.in_atomic_block and connection.get_autocommit()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_it_reads_at_repeatable_read_then_restores_the_level():
    before = _isolation()
    with consistent_read():
        assert _isolation() == "repeatable read"
    assert _isolation() == before == "read committed"


def test_inside_a_transaction_it_joins_it(db):
    with transaction.atomic():
        with consistent_read():
            assert connection.in_atomic_block
        assert connection.in_atomic_block


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_write_committed_meanwhile_is_not_seen_until_the_read_ends(physio, patient):
    def other_writer():
        try:
            services.session_record(actor=physio, patient=patient)
        finally:
            connection.close()

    with consistent_read():
        before = TreatmentSession.objects.filter(patient=patient).count()
        writer = threading.Thread(target=other_writer)
        writer.start()
        writer.join()
        during = TreatmentSession.objects.filter(patient=patient).count()
    after = TreatmentSession.objects.filter(patient=patient).count()
    assert (before, during, after) == (0, 0, 1)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_without_it_the_same_reads_see_the_write(physio, patient):
    """The control: at PostgreSQL's default level each query sees the latest commit."""

    def other_writer():
        try:
            services.session_record(actor=physio, patient=patient)
        finally:
            connection.close()

    with transaction.atomic():
        before = TreatmentSession.objects.filter(patient=patient).count()
        writer = threading.Thread(target=other_writer)
        writer.start()
        writer.join()
        during = TreatmentSession.objects.filter(patient=patient).count()
    assert (before, during) == (0, 1)
