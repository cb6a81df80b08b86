"""patients/{id}/release-order/ and timeline/: content, ?assessment=, logging, flat queries."""

import datetime as dt

import pytest
from django.utils import timezone

from records.models import AuditEvent

from .conftest import record_assessment, record_session


def test_release_order_across_sessions_with_plan(physio_client, physio, patient):
    assessment = record_assessment(physio, patient, plan=("gluteus-medius", "piriformis"), sign=True)
    now = timezone.now()
    first = record_session(physio, patient, started_at=now - dt.timedelta(days=8),
                           slugs=("gluteus-medius", "piriformis"), assessment=assessment)
    second = record_session(physio, patient, started_at=now - dt.timedelta(days=1),
                            slugs=("piriformis", "gluteus-medius"), assessment=assessment)
    response = physio_client.get(f"/api/v1/patients/{patient.pk}/release-order/")
    assert response.status_code == 200
    data = response.json()
    assert data["assessment"] == str(assessment.pk)
    assert [s["id"] for s in data["sessions"]] == [str(first.pk), str(second.pk)]
    assert [r["muscle_name"] for r in data["sessions"][1]["releases"]] == ["Piriformis", "Gluteus medius"]
    assert data["sessions"][0]["plan_adherence"]["followed_plan_order"] is True
    assert data["sessions"][1]["plan_adherence"]["followed_plan_order"] is False
    glut = next(m for m in data["muscles"] if m["muscle_name"] == "Gluteus medius")
    assert glut["first_session_number"] == 1 and glut["times_targeted"] == 2
    assert glut["twitch_trend"] == ["local_twitch", "local_twitch"]
    assert [p["muscle_name"] for p in data["plan"]] == ["Gluteus medius", "Piriformis"]
    assert data["plan_adherence"]["sessions_following_plan_order"] == 1
    event = AuditEvent.objects.get(action="view", object_type="release_order")
    assert event.patient == patient and event.actor == physio


def test_release_order_narrowed_to_one_course(physio_client, physio, patient, other_patient):
    course = record_assessment(physio, patient)
    in_course = record_session(physio, patient, assessment=course)
    record_session(physio, patient)
    data = physio_client.get(f"/api/v1/patients/{patient.pk}/release-order/?assessment={course.pk}").json()
    assert [s["id"] for s in data["sessions"]] == [str(in_course.pk)]
    for bad in ("nonsense", "00000000-0000-0000-0000-000000000000"):
        response = physio_client.get(f"/api/v1/patients/{patient.pk}/release-order/?assessment={bad}")
        assert response.status_code == 400 and "assessment" in response.json()["error"]["fields"]


def test_timeline_in_time_order(physio_client, physio, patient):
    record_assessment(physio, patient, sign=True)
    session = record_session(physio, patient, sign=True)
    from records import services

    services.addendum_create(actor=physio, record=session, text="Follow-up call: better.")
    services.pain_score_record(actor=physio, patient=patient, moment="follow_up", score=2)
    response = physio_client.get(f"/api/v1/patients/{patient.pk}/timeline/")
    assert response.status_code == 200
    entries = response.json()["entries"]
    assert [e["type"] for e in entries] == ["assessment", "session", "addendum", "pain_score"]
    assert AuditEvent.objects.filter(action="view", object_type="timeline", patient=patient).count() == 1


# Token 1, patient 1, the plan 1, sessions with their releases 1, audit row 1 (outside a
# test's transaction the document's snapshot adds its BEGIN and COMMIT).
RELEASE_ORDER_QUERIES = 5
# Token 1, patient 1, addenda with pain scores and adverse events 1, assessments with plans
# 1, sessions with their releases 1, audit row 1 (and BEGIN and COMMIT outside a test).
TIMELINE_QUERIES = 6


@pytest.mark.parametrize("n", [2, 30])
def test_release_order_query_count_is_flat(physio_client, physio, patient, django_assert_num_queries, n):
    record_assessment(physio, patient, sign=True)
    for index in range(n):
        record_session(physio, patient, started_at=timezone.now() - dt.timedelta(days=index + 1),
                       slugs=("gluteus-medius", "piriformis", "multifidus-lumbar"))
    with django_assert_num_queries(RELEASE_ORDER_QUERIES):
        response = physio_client.get(f"/api/v1/patients/{patient.pk}/release-order/")
    assert len(response.json()["sessions"]) == n


@pytest.mark.parametrize("n", [2, 30])
def test_timeline_query_count_is_flat(physio_client, physio, patient, django_assert_num_queries, n):
    record_assessment(physio, patient, sign=True)
    for index in range(n):
        record_session(physio, patient, started_at=timezone.now() - dt.timedelta(days=index + 1),
                       pain_scores=[{"moment": "pre_session", "score": 6}])
    with django_assert_num_queries(TIMELINE_QUERIES):
        response = physio_client.get(f"/api/v1/patients/{patient.pk}/timeline/")
    assert len(response.json()["entries"]) == n + 1
