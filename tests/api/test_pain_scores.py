"""pain-scores/: standalone baseline/follow-up scores, filters, queries."""

import datetime as dt

import pytest
from django.utils import timezone

from records import services
from records.models import PainScore

from .conftest import record_assessment, record_session


def test_post_baseline_with_assessment(physio_client, physio, patient):
    assessment = record_assessment(physio, patient)
    body = {"patient": str(patient.pk), "assessment": str(assessment.pk), "moment": "baseline", "score": 8,
            "region": "left buttock"}
    response = physio_client.post("/api/v1/pain-scores/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["moment"], data["score"], data["assessment"], data["session"]) == (
        "baseline", 8, str(assessment.pk), None
    )
    assert PainScore.objects.get(pk=data["id"]).region == "left buttock"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"score": 11}, "score"), ({"score": -1}, "score"), ({"score": "seven"}, "score"), ({"score": None}, "score"),
     ({"moment": "pre_session"}, "moment"), ({"moment": "sometime"}, "moment"),
     ({"recorded_at": "1901-01-01T00:00:00Z"}, "recorded_at"), ({"unexpected": 1}, "unexpected")],
)
def test_bad_input_saves_nothing(physio_client, patient, change, field):
    body = {"patient": str(patient.pk), "moment": "follow_up", "score": 4, **change}
    response = physio_client.post("/api/v1/pain-scores/", body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"], response.content
    assert not PainScore.objects.exists()


def test_assessment_of_another_patient_is_400(physio_client, physio, patient, patient_without_consent):
    assessment = record_assessment(physio, patient_without_consent)
    body = {"patient": str(patient.pk), "assessment": str(assessment.pk), "moment": "baseline", "score": 5}
    response = physio_client.post("/api/v1/pain-scores/", body, format="json")
    assert response.status_code == 400 and "assessment" in response.json()["error"]["fields"]
    assert not PainScore.objects.exists()


def test_filters(physio_client, physio, patient, patient_without_consent):
    now = timezone.now()
    old = services.pain_score_record(actor=physio, patient=patient, moment="baseline", score=8,
                                     recorded_at=now - dt.timedelta(days=30))
    recent = services.pain_score_record(actor=physio, patient=patient, moment="follow_up", score=3,
                                        recorded_at=now - dt.timedelta(days=1))
    other = services.pain_score_record(actor=physio, patient=patient_without_consent, moment="baseline", score=5)
    session = record_session(physio, patient, pain_scores=[{"moment": "pre_session", "score": 6}])

    def ids(query):
        response = physio_client.get(f"/api/v1/pain-scores/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    in_session = str(session.pain_scores.get().pk)
    assert ids(f"patient={patient.pk}") == {str(old.pk), str(recent.pk), in_session}
    assert ids("moment=baseline") == {str(old.pk), str(other.pk)}
    cutoff = (now - dt.timedelta(days=7)).isoformat().replace("+00:00", "Z")
    assert ids(f"patient={patient.pk}&recorded_before={cutoff}") == {str(old.pk)}
    assert ids(f"session={session.pk}") == {in_session}
    assert ids("updated_since=2999-01-01T00:00:00Z") == set()


# Token 1, page of pain scores 1.
PAIN_SCORES_LIST_QUERIES = 3  # + the access log's INSERT
PAIN_SCORE_DETAIL_QUERIES = 3


@pytest.mark.parametrize("n", [1, 50])
def test_list_query_count_is_flat(physio_client, physio, patient, django_assert_num_queries, n):
    PainScore.objects.bulk_create(
        PainScore(clinic=patient.clinic, patient=patient, moment="follow_up", score=i % 11,
                  recorded_at=timezone.now() - dt.timedelta(hours=i + 1))
        for i in range(n)
    )
    with django_assert_num_queries(PAIN_SCORES_LIST_QUERIES):
        response = physio_client.get("/api/v1/pain-scores/?page_size=200")
    assert len(response.json()["results"]) == n


def test_detail_query_count(physio_client, physio, patient, django_assert_num_queries):
    pain = services.pain_score_record(actor=physio, patient=patient, moment="baseline", score=8)
    with django_assert_num_queries(PAIN_SCORE_DETAIL_QUERIES):
        response = physio_client.get(f"/api/v1/pain-scores/{pain.pk}/")
    assert response.json()["score"] == 8
