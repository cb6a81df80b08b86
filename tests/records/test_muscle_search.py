"""Muscle search for clinicians (records/muscle_search.py): the examples of DESIGN §10, ranking, misspellings."""

import pytest

from records.muscle_catalogue import MUSCLES
from records.muscle_search import MuscleEntry, rank, within_one_edit

ENTRIES = [MuscleEntry(m["slug"], m["name"], m["slug"]) for m in MUSCLES]


def first(query: str) -> str:
    found = rank(query, ENTRIES)
    assert found, f"nothing for {query!r}"
    return found[0].key


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("QL", "quadratus-lumborum"),
        ("ql", "quadratus-lumborum"),
        ("SCM", "sternocleidomastoid"),
        ("TFL", "tensor-fasciae-latae"),
        ("glut med", "gluteus-medius"),
        ("upper trap", "trapezius-upper"),
        ("lev scap", "levator-scapulae"),
        ("multif", "multifidus-lumbar"),
        ("ECRL", "extensor-carpi-radialis-longus"),
        ("FCU", "flexor-carpi-ulnaris"),
        ("VMO", "vastus-medialis"),
    ],
)
def test_design_examples_come_first(query, slug):
    assert first(query) == slug


def test_every_alias_names_a_catalogue_muscle():
    from records.muscle_aliases import MUSCLE_ALIASES

    slugs = {m["slug"] for m in MUSCLES}
    assert set(MUSCLE_ALIASES) <= slugs


def test_multif_finds_every_multifidus():
    keys = [e.key for e in rank("multif", ENTRIES)]
    assert {"multifidus-lumbar", "multifidus-cervical", "multifidus-thoracic"} <= set(keys[:3])


def test_ranking_exact_alias_then_name_prefix_then_word_prefix_then_substring():
    # "piri": alias of piriformis (exact). "glut": name prefix of the glutei, before
    # nothing else. "teres": name prefix for both teres, word prefix for pronator teres.
    assert first("piri") == "piriformis"
    keys = [e.key for e in rank("teres", ENTRIES)]
    assert keys[:2] == ["teres-major", "teres-minor"] and "pronator-teres" in keys[2:]
    keys = [e.key for e in rank("medius", ENTRIES)]
    # word prefix (gluteus medius, scalenus medius) before substring-only matches.
    assert keys[:2] == ["gluteus-medius", "scalenus-medius"]
    keys = [e.key for e in rank("oid", ENTRIES)]  # substring only
    assert "deltoid" in keys and "sternocleidomastoid" in keys


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("piriformus", "piriformis"),  # substitution
        ("gluteus medus", "gluteus-medius"),  # deletion
        ("supraspinatuss", "supraspinatus"),  # insertion
        ("psoas majro", "psoas-major"),  # swap
        ("infrapsinatus", "infraspinatus"),  # swap
    ],
)
def test_misspellings_within_one_edit(query, slug):
    assert first(query) == slug


def test_two_edits_are_not_a_match():
    assert rank("pirifxrmux", ENTRIES) == []


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [("abc", "abc", True), ("abc", "abd", True), ("abc", "ab", True), ("abc", "abcd", True),
     ("abc", "bac", True), ("abc", "cba", False), ("abc", "a", False), ("abcd", "abdc", True)],
)
def test_within_one_edit(a, b, close):
    assert within_one_edit(a, b) is close


def test_blank_query_matches_nothing():
    assert rank("   ", ENTRIES) == []
