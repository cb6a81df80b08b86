"""Two identical idempotent POSTs racing (PostgreSQL: real concurrent transactions)."""

import threading

import pytest
from django.db import connection, connections

from idempotency.models import IdempotencyKey
from records.models import AuditEvent, TreatmentSession

from .conftest import session_payload, token_client


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("copies", [2, 4])
def test_identical_posts_racing_write_once_and_answer_alike(physio, patient, copies):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite serialises them")
    body = session_payload(patient)
    clients = [token_client(physio) for _ in range(copies)]
    barrier = threading.Barrier(copies)
    responses: list = [None] * copies
    errors: list[BaseException] = []

    def post(index):
        try:
            barrier.wait(timeout=10)
            responses[index] = clients[index].post(
                "/api/v1/sessions/", body, format="json", HTTP_IDEMPOTENCY_KEY="race-key"
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert [r.status_code for r in responses] == [201] * copies
    assert len({r.content for r in responses}) == 1
    assert sum(r.has_header("Idempotent-Replayed") for r in responses) == copies - 1
    assert TreatmentSession.objects.count() == 1
    assert AuditEvent.objects.filter(action="create", object_type="treatmentsession").count() == 1
    assert IdempotencyKey.objects.get().status == 201
