"""records.representations.sessions: what a session's representation says, and in what order."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from records import services
from records.representations import session_representation, session_representations
from tests.factories import PrecautionFactory, muscle


def _target(slug, **extra):
    return {"muscle": muscle(slug), "side": "left", "twitch_response": "local_twitch", "outcome": "released", **extra}


@pytest.fixture
def started():
    return timezone.now() - dt.timedelta(hours=3)


def test_a_draft_says_what_was_recorded_with_warnings_and_names(physio2, patient, started):
    physio2.first_name = physio2.last_name = ""
    physio2.save()
    PrecautionFactory(patient=patient, code="pregnancy")
    PrecautionFactory(patient=patient, code="anticoagulants", note="Warfarin (INR 2.4).")
    PrecautionFactory(patient=patient, code="other")  # not a needling precaution: no warning
    session = services.session_record(
        actor=physio2, patient=patient, started_at=started,
        targeted_muscles=[
            _target("multifidus-lumbar", segment="L5", needle_length_mm=50, needle_diameter_mm=Decimal("0.30"),
                    twitch_response="strong_contraction", twitch_count=4, notes="Deep"),
            _target("rhomboid-major", side="left", outcome="partial"),
            _target("intercostals", side="right", needle_diameter_mm=Decimal("0.25"), twitch_response="none",
                    outcome="not_released"),
        ],
        adverse_events=[{"kind": "bruising", "severity": "mild"}, {"kind": "headache", "notes": "Next day"}],
        needles_used=3, needles_removed=2, exercises="Cat-camel", notes="Tolerated well.",
    )
    document = session_representation(patient.clinic, session.pk)

    assert document["id"] == session.pk and document["patient"] == patient.pk and document["assessment"] is None
    assert (document["practitioner"], document["practitioner_name"]) == (physio2.pk, "physio2")
    assert (document["status"], document["signed_at"], document["signed_by"], document["signed_by_name"]) == (
        "draft", None, None, None
    )
    assert (document["needles_used"], document["needles_removed"], document["version"]) == (3, 2, session.version)
    assert [(t["order"], t["muscle_name"], t["side"]) for t in document["targeted_muscles"]] == [
        (1, "Lumbar multifidus", "left"), (2, "Rhomboid major", "left"), (3, "Intercostal muscles", "right"),
    ]
    first = document["targeted_muscles"][0]
    assert (first["segment"], first["needle_length_mm"], first["needle_diameter_mm"], first["twitch_count"]) == (
        "L5", 50, 0.3, 4
    )
    assert [t["needle_diameter_mm"] for t in document["targeted_muscles"]] == [0.3, None, 0.25]
    assert [(e["kind"], e["severity"], e["notes"]) for e in document["adverse_events"]] == [
        ("bruising", "mild", ""), ("headache", "mild", "Next day"),
    ]
    codes = [w["code"] for w in document["warnings"]]
    assert codes == ["lung_field", "lung_field_bilateral", "precaution_anticoagulants", "precaution_pregnancy"]
    assert document["warnings"][2]["message"] == "Precaution: Anticoagulants — Warfarin (INR 2.4)."
    assert document["started_at"] == started.isoformat().replace("+00:00", "Z")


def test_pain_scores_at_one_instant_are_ordered_by_moment(physio, patient, started):
    """The tie-break: scores recorded at the same instant come by moment (as the API always
    gave them), not in the order they were written."""
    session = services.session_record(
        actor=physio, patient=patient, started_at=started,
        pain_scores=[
            {"moment": "pre_session", "score": 7, "recorded_at": started},
            {"moment": "post_session", "score": 3, "recorded_at": started},
            {"moment": "follow_up", "score": 2, "recorded_at": started},
            {"moment": "pre_session", "score": 6, "recorded_at": started - dt.timedelta(minutes=5)},
        ],
    )
    document = session_representation(patient.clinic, session.pk)
    assert [(p["moment"], p["score"]) for p in document["pain_scores"]] == [
        ("pre_session", 6), ("follow_up", 2), ("post_session", 3), ("pre_session", 7),
    ]


def test_a_signed_session_carries_its_signer_and_addenda_in_time_order(physio, physio2, patient, started):
    session = services.session_record(
        actor=physio, patient=patient, started_at=started, targeted_muscles=[_target("gluteus-medius")],
        needles_used=1, needles_removed=1,
    )
    session = services.session_sign(actor=physio, session=session)
    services.addendum_create(actor=physio2, record=session, text="First")
    services.addendum_create(actor=physio, record=session, text="Second")
    document = session_representation(patient.clinic, session.pk)
    assert (document["status"], document["signed_by"], document["signed_by_name"]) == ("signed", physio.pk, "Pat Lee")
    assert document["signed_at"] is not None and document["signed_at"].endswith("Z")
    assert [(a["text"], a["author_name"], a["session"], a["assessment"]) for a in document["addenda"]] == [
        ("First", physio2.get_full_name(), session.pk, None), ("Second", "Pat Lee", session.pk, None),
    ]
    assert document["warnings"] == []


def test_many_keep_the_order_given_and_leave_out_other_clinics(physio, patient, other_physio, other_patient):
    first = services.session_record(actor=physio, patient=patient, started_at=timezone.now() - dt.timedelta(days=2))
    second = services.session_record(actor=physio, patient=patient, started_at=timezone.now() - dt.timedelta(days=1))
    foreign = services.session_record(actor=other_physio, patient=other_patient)
    ids = [second.pk, foreign.pk, uuid.uuid4(), str(first.pk)]
    assert [d["id"] for d in session_representations(patient.clinic, ids)] == [second.pk, first.pk]
    assert [d["number"] for d in session_representations(patient.clinic, ids)] == [2, 1]
    assert session_representations(patient.clinic, []) == []
    assert session_representation(patient.clinic, foreign.pk) is None


def test_many_sessions_take_two_queries(physio, patient, django_assert_num_queries):
    ids = [
        services.session_record(actor=physio, patient=patient, targeted_muscles=[_target("piriformis")],
                                 pain_scores=[{"moment": "pre_session", "score": 4}], needles_used=1).pk
        for _ in range(5)
    ]
    with django_assert_num_queries(2):
        documents = session_representations(patient.clinic, ids)
    assert [len(d["targeted_muscles"]) + len(d["pain_scores"]) for d in documents] == [2] * 5
