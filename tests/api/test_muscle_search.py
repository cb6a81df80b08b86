"""``muscles/?search=``: clinicians' abbreviations and synonyms, best match first (DESIGN §10)."""

import pytest


def slugs(client, query):
    response = client.get(f"/api/v1/muscles/?{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None and body["previous"] is None
    return [m["slug"] for m in body["results"]]


@pytest.mark.parametrize(
    ("search", "slug"),
    [
        ("QL", "quadratus-lumborum"), ("SCM", "sternocleidomastoid"), ("TFL", "tensor-fasciae-latae"),
        ("glut%20med", "gluteus-medius"), ("upper%20trap", "trapezius-upper"), ("lev%20scap", "levator-scapulae"),
        ("multif", "multifidus-lumbar"), ("ECRL", "extensor-carpi-radialis-longus"),
        ("FCU", "flexor-carpi-ulnaris"), ("VMO", "vastus-medialis"),
    ],
)
def test_design_examples_best_match_first(physio_client, search, slug):
    assert slugs(physio_client, f"search={search}")[0] == slug


def test_search_combines_with_filters_and_page_size(physio_client):
    assert slugs(physio_client, "search=multif&region=neck") == ["multifidus-cervical"]
    assert len(slugs(physio_client, "search=a&page_size=3")) == 3


def test_misspelling_is_found(physio_client):
    assert slugs(physio_client, "search=piriformus")[0] == "piriformis"


def test_search_query_count(physio_client, django_assert_num_queries):
    # Token 1, the catalogue 1: ranking happens in memory.
    with django_assert_num_queries(2):
        physio_client.get("/api/v1/muscles/?search=glut")
