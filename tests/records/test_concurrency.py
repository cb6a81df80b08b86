"""Concurrent writers on PostgreSQL: no lost update, no 5xx (DESIGN §11)."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from records.models import TreatmentSession
from tests.api.conftest import session_payload

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real row locks and concurrency: PostgreSQL"),
]


def run_together(*calls):
    """Run the calls in threads released at once; their responses, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.fixture
def client_of(physio):
    def make():
        client = APIClient()
        client.force_authenticate(physio)
        return client

    return make


@pytest.fixture
def draft(client_of, patient):
    response = client_of().post("/api/v1/sessions/", session_payload(patient), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def patch(client, session_id, notes, if_match=None):
    extra = {"HTTP_IF_MATCH": if_match} if if_match else {}
    return client.patch(f"/api/v1/sessions/{session_id}/", {"notes": notes}, format="json", **extra)


def test_two_writers_with_the_same_if_match_one_wins_one_412(client_of, draft):
    first, second = run_together(
        lambda: patch(client_of(), draft["id"], "writer A", '"1"'),
        lambda: patch(client_of(), draft["id"], "writer B", '"1"'),
    )
    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [200, 412]
    winner = first if first.status_code == 200 else second
    stored = TreatmentSession.objects.get(pk=draft["id"])
    assert stored.notes == winner.json()["notes"] and stored.version == 2  # nothing lost silently


def test_two_writers_without_if_match_are_both_428(client_of, draft):
    responses = run_together(
        lambda: patch(client_of(), draft["id"], "writer A"),
        lambda: patch(client_of(), draft["id"], "writer B"),
    )
    assert [r.status_code for r in responses] == [428, 428]
    assert TreatmentSession.objects.get(pk=draft["id"]).version == 1


def test_sign_racing_an_edit_never_signs_unseen_text(client_of, draft):
    edit, sign = run_together(
        lambda: patch(client_of(), draft["id"], "late edit", '"1"'),
        lambda: client_of().post(f"/api/v1/sessions/{draft['id']}/sign/", HTTP_IF_MATCH='"1"'),
    )
    assert sorted([edit.status_code, sign.status_code]) in ([200, 412], [200, 409])
    stored = TreatmentSession.objects.get(pk=draft["id"])
    if sign.status_code == 200:
        assert stored.status == "signed" and stored.notes == draft["notes"]  # signed what the signer saw
    else:
        assert stored.status == "draft" and stored.notes == "late edit"


def test_twenty_concurrent_creates_all_succeed_with_distinct_numbers(client_of, patient):
    responses = run_together(
        *[lambda: client_of().post("/api/v1/sessions/", session_payload(patient), format="json")] * 20
    )
    assert [r.status_code for r in responses] == [201] * 20
    numbers = sorted(r.json()["number"] for r in responses)
    assert numbers == list(range(1, 21))
    assert TreatmentSession.objects.filter(patient=patient).count() == 20
