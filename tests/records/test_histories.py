"""The history documents (release order, timeline) read one snapshot: a write committed by
another connection between their queries never shows in half of a document.

The writer runs in its own thread (its own connection) exactly between the builder's first
and second query, so the test does not depend on timing.
"""

import threading

import pytest
from django.db import connection, connections, transaction

from records import histories, services
from records.snapshots import consistent_read
from tests.factories import muscle

pytestmark = pytest.mark.django_db(transaction=True)


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: an in-memory SQLite test database locks out a second writer")


def _isolation() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW transaction_isolation")
        return cursor.fetchone()[0]


def _record_session(actor, patient, started_at, *, pre=7, post=4):
    return services.session_record(
        actor=actor,
        patient=patient,
        started_at=started_at,
        targeted_muscles=[
            {"muscle": muscle("gluteus-medius"), "side": "left", "twitch_response": "local_twitch",
             "outcome": "released"},
            {"muscle": muscle("piriformis"), "side": "left", "twitch_response": "needle_grasp", "outcome": "partial"},
        ],
        pain_scores=[{"moment": "pre_session", "score": pre}, {"moment": "post_session", "score": post}],
        adverse_events=[{"kind": "bruising", "severity": "mild", "notes": ""}],
        needles_used=2,
        needles_removed=2,
    )


def _write_between_queries(monkeypatch, write):
    """Make ``write`` run, committed on another connection, right after the builder's first query."""
    original = histories.fetch_named
    calls = []

    def fetch_then_write(sql, params=()):
        rows = original(sql, params)
        calls.append(sql)
        if len(calls) == 1:
            errors: list[BaseException] = []

            def run():
                try:
                    write()
                except BaseException as exc:  # re-raised in the test's thread
                    errors.append(exc)
                finally:
                    connections.close_all()

            thread = threading.Thread(target=run)
            thread.start()
            thread.join(timeout=30)
            assert not errors, errors
        return rows

    monkeypatch.setattr(histories, "fetch_named", fetch_then_write)
    return calls


def test_consistent_read_is_repeatable_read_on_postgresql_and_restores_the_level():
    _postgresql_only()
    assert _isolation() == "read committed"
    with consistent_read():
        assert connection.in_atomic_block
        assert _isolation() == "repeatable read"
    assert not connection.in_atomic_block
    assert _isolation() == "read committed"


def test_consistent_read_inside_a_transaction_joins_it():
    _postgresql_only()
    with transaction.atomic(), consistent_read():
        assert _isolation() == "read committed"  # the caller's transaction, the caller's level


def test_consistent_read_restores_the_level_after_an_error():
    _postgresql_only()
    with pytest.raises(ZeroDivisionError), consistent_read():
        1 / 0  # noqa: B018
    assert not connection.in_atomic_block
    assert _isolation() == "read committed"


def test_timeline_does_not_show_a_session_committed_while_it_is_read(monkeypatch, physio, patient, yesterday):
    _postgresql_only()
    _record_session(physio, patient, yesterday.replace(hour=9))
    before = histories.patient_timeline(patient)
    calls = _write_between_queries(
        monkeypatch, lambda: _record_session(physio, patient, yesterday.replace(hour=11), pre=9, post=2)
    )
    during = histories.patient_timeline(patient)
    assert len(calls) == 3  # the write really came between the first and the later queries
    # Without one snapshot the new session would appear with no pain scores and no adverse
    # events (read by the first query, before it existed).
    assert during == before
    after = histories.patient_timeline(patient)
    assert [e["pain_before"] for e in after if e["type"] == "session"] == [7, 9]


def test_release_order_does_not_show_a_session_committed_while_it_is_read(monkeypatch, physio, patient, yesterday):
    _postgresql_only()
    assessment = services.assessment_create(
        actor=physio, patient=patient, assessed_at=yesterday.replace(hour=8), chief_complaint="Low back pain",
        affected_segments=["L5"],
        plan=[{"order": 1, "muscle": muscle("gluteus-medius"), "side": "left", "rationale": ""}],
    )
    _record_session(physio, patient, yesterday.replace(hour=9))
    before = histories.release_order_for_patient(patient)
    assert before["assessment"] == assessment.pk
    calls = _write_between_queries(monkeypatch, lambda: _record_session(physio, patient, yesterday.replace(hour=11)))
    during = histories.release_order_for_patient(patient)
    assert len(calls) == 2
    assert during == before
    assert [s["number"] for s in histories.release_order_for_patient(patient)["sessions"]] == [1, 2]
