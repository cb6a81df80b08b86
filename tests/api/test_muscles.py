"""muscles/: the global catalogue with segment, region and search filters."""

import pytest

from records.models import Muscle
from tests.factories import muscle


def names(client, query):
    response = client.get(f"/api/v1/muscles/?page_size=200&{query}")
    assert response.status_code == 200, response.content
    return [m["name"] for m in response.json()["results"]]


def test_catalogue_fields(reader_client):
    response = reader_client.get(f"/api/v1/muscles/{muscle('gluteus-medius').pk}/")
    data = response.json()
    assert data["slug"] == "gluteus-medius" and data["snomed_code"] == "78333006"
    assert data["segments"] == ["L4", "L5", "S1"] and data["lung_field"] is False


def test_filters(physio_client):
    l5 = names(physio_client, "segment=L5")
    assert "Gluteus medius" in l5 and "Upper trapezius" not in l5
    assert names(physio_client, "search=piri") == ["Piriformis"]
    chest = names(physio_client, "region=chest")
    assert "Pectoralis major" in chest and all(
        Muscle.objects.get(name=name).region == "chest" for name in chest
    )
    bad = physio_client.get("/api/v1/muscles/?segment=L9")
    assert bad.status_code == 400 and "segment" in bad.json()["error"]["fields"]


def test_same_catalogue_for_every_clinic(physio_client, other_client):
    assert names(physio_client, "") == names(other_client, "")
    assert len(names(physio_client, "")) == Muscle.objects.count() >= 70


# Token 1, page of muscles 1 (segment filter: +1 for the myotome match).
MUSCLES_LIST_QUERIES = 2
MUSCLE_DETAIL_QUERIES = 2


@pytest.mark.parametrize("page_size", [1, 98])
def test_list_query_count_is_flat(physio_client, django_assert_num_queries, page_size):
    with django_assert_num_queries(MUSCLES_LIST_QUERIES):
        response = physio_client.get(f"/api/v1/muscles/?page_size={page_size}")
    assert len(response.json()["results"]) == min(page_size, Muscle.objects.count())


def test_detail_query_count(physio_client, django_assert_num_queries):
    pk = muscle("piriformis").pk
    with django_assert_num_queries(MUSCLE_DETAIL_QUERIES):
        physio_client.get(f"/api/v1/muscles/{pk}/")
