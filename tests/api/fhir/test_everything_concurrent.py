"""``$everything`` read while other connections write the same patient's sessions.

Each Bundle must come from one consistent state: no error (a targeted muscle whose
session the Bundle has not read) and no session half old and half new. The writes are
made to commit between the record's first query and the next ones: read outside one
snapshot, the first read already answers 500.
"""

import datetime as dt
import threading
from collections import defaultdict

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from api.fhir import selectors
from records import services
from records.models import TreatmentSession
from tests.factories import muscle

from .conftest import FHIR

READS = 4
MUSCLES = ("gluteus-medius", "piriformis", "multifidus-lumbar", "gluteus-minimus")
START = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)


def generation(number: int) -> list[dict]:
    """A set of targeted muscles all marked with ``number``: a Bundle must never show a
    session with muscles of two generations, or with fewer than its generation has."""
    return [
        {"muscle": muscle(slug), "side": "left", "twitch_response": "local_twitch", "outcome": "released",
         "notes": f"generation {number}"}
        for slug in MUSCLES[: 1 + number % len(MUSCLES)]
    ]


def write_generation(physio, patient, draft_pk, number: int) -> None:
    """From another connection: replace the draft's muscles and record a new whole session."""
    session = TreatmentSession.objects.get(pk=draft_pk)
    services.session_update(
        actor=physio, session=session, expected_version=session.version, targeted_muscles=generation(number)
    )
    muscles = generation(number)
    services.session_record(
        actor=physio, patient=patient, started_at=START + dt.timedelta(days=number),
        targeted_muscles=muscles, needles_used=len(muscles), needles_removed=len(muscles),
        pain_scores=[{"moment": "pre_session", "score": 6}, {"moment": "post_session", "score": 3}],
    )


def assert_one_state(bundle: dict) -> None:
    resources = [entry["resource"] for entry in bundle["entry"]]
    encounters = {r["id"] for r in resources if r["resourceType"] == "Encounter"}
    notes = defaultdict(set)
    counts = defaultdict(int)
    for resource in resources:
        if resource["resourceType"] == "Procedure":
            encounter = resource["encounter"]["reference"].removeprefix("Encounter/")
            assert encounter in encounters
            notes[encounter] |= {note["text"] for note in resource.get("note", [])}
            counts[encounter] += 1
        elif resource["resourceType"] == "Observation" and "encounter" in resource:
            assert resource["encounter"]["reference"].removeprefix("Encounter/") in encounters
    for encounter in encounters:
        # Every session carries exactly one generation's muscles, all of them.
        assert len(notes[encounter]) == 1, notes[encounter]
        number = int(next(iter(notes[encounter])).split()[-1])
        assert counts[encounter] == len(generation(number))


@pytest.mark.django_db(transaction=True)
def test_everything_during_concurrent_writes_is_always_one_state(patient, physio, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections to one test database need PostgreSQL")
    draft = services.session_record(
        actor=physio, patient=patient, started_at=START, targeted_muscles=generation(0),
        needles_used=1, needles_removed=1,
    )
    errors: list[BaseException] = []
    generations = iter(range(1, 100))
    read_sessions = selectors._sessions

    def sessions_then_a_concurrent_write(*args):
        found = read_sessions(*args)

        def write():
            try:
                write_generation(physio, patient, draft.pk, next(generations))
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                connections.close_all()

        # Another connection commits while this read is between its queries.
        writer = threading.Thread(target=write)
        writer.start()
        writer.join(timeout=60)
        return found

    monkeypatch.setattr(selectors, "_sessions", sessions_then_a_concurrent_write)
    client = APIClient()
    client.force_authenticate(physio)
    for _ in range(READS):
        response = client.get(f"{FHIR}Patient/{patient.pk}/$everything")
        assert response.status_code == 200, response.content
        assert_one_state(response.json())
    assert errors == []
    # The writes did happen meanwhile: every read wrote a generation, seen by the next read.
    assert TreatmentSession.objects.filter(patient=patient).count() == 1 + READS
    monkeypatch.undo()
    final = client.get(f"{FHIR}Patient/{patient.pk}/$everything").json()
    assert_one_state(final)
    assert sum(1 for e in final["entry"] if e["resource"]["resourceType"] == "Encounter") == 1 + READS
