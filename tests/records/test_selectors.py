"""Selectors: release order across a course, its flat query count, timeline, myotomes, warnings."""

import datetime as dt

import pytest

from records import services
from records.models import Precaution
from records.selectors import (
    muscles_for_segments,
    patient_timeline,
    release_order_for_patient,
    session_warnings,
    warnings_for_targets,
)
from tests.factories import muscle

pytestmark = pytest.mark.django_db


def release(slug, twitch, *, side="left", outcome="released", **extra):
    return {"muscle": slug, "side": side, "twitch_response": twitch, "outcome": outcome, **extra}


@pytest.fixture
def course(physio, patient, now):
    """An assessment with a 3-step plan and three weekly sessions, recorded out of date order."""
    start = now - dt.timedelta(days=30)
    assessment = services.assessment_create(
        actor=physio, patient=patient, assessed_at=start, chief_complaint="L5 radiculopathy",
        affected_segments=["L5"],
        plan=[
            {"muscle": "multifidus-lumbar", "side": "left"},
            {"muscle": "gluteus-medius", "side": "left"},
            {"muscle": "piriformis", "side": "left"},
        ],
    )

    def session(days, targets):
        return services.session_record(
            actor=physio, patient=patient, assessment=assessment, started_at=start + dt.timedelta(days=days),
            targeted_muscles=targets, needles_used=len(targets), needles_removed=len(targets),
        )

    # The third visit is recorded first: the selector must order by time, not by entry.
    third = session(15, [
        release("multifidus-lumbar", "needle_grasp", segment="L5"),
        release("gluteus-medius", "none"),
        release("piriformis", "local_twitch"),
    ])
    first = session(1, [
        release("multifidus-lumbar", "strong_contraction", segment="L5", outcome="partial"),
        release("gluteus-medius", "local_twitch", outcome="partial"),
    ])
    second = session(8, [
        # Out of plan order, plus a muscle that was not planned.
        release("gluteus-medius", "needle_grasp"),
        release("multifidus-lumbar", "local_twitch", segment="L5"),
        release("tensor-fasciae-latae", "local_twitch"),
    ])
    return assessment, first, second, third


def test_release_order_is_chronological_with_plan_adherence(patient, course):
    assessment, first, second, third = course
    data = release_order_for_patient(patient)

    assert data["assessment"] == assessment.pk
    assert [s["id"] for s in data["sessions"]] == [first.pk, second.pk, third.pk]
    assert [s["number"] for s in data["sessions"]] == [2, 3, 1]  # numbered in order of entry
    assert [(r["order"], r["muscle_name"]) for r in data["sessions"][1]["releases"]] == [
        (1, "Gluteus medius"), (2, "Lumbar multifidus"), (3, "Tensor fasciae latae"),
    ]
    assert data["sessions"][0]["releases"][0]["segment"] == "L5"

    summary = {m["muscle_name"]: m for m in data["muscles"]}
    assert list(summary) == ["Lumbar multifidus", "Gluteus medius", "Tensor fasciae latae", "Piriformis"]
    assert summary["Lumbar multifidus"]["twitch_trend"] == ["strong_contraction", "local_twitch", "needle_grasp"]
    assert summary["Lumbar multifidus"]["twitch_fading"] is True
    assert summary["Gluteus medius"]["twitch_trend"] == ["local_twitch", "needle_grasp", "none"]
    assert summary["Gluteus medius"]["first_session_number"] == 2
    assert summary["Gluteus medius"]["times_targeted"] == 3
    assert summary["Piriformis"]["planned_order"] == 3 and summary["Piriformis"]["times_targeted"] == 1
    assert summary["Tensor fasciae latae"]["planned_order"] is None

    adherence = [s["plan_adherence"] for s in data["sessions"]]
    assert adherence == [
        {"planned_targeted": 2, "unplanned_targeted": 0, "followed_plan_order": True},
        {"planned_targeted": 2, "unplanned_targeted": 1, "followed_plan_order": False},
        {"planned_targeted": 3, "unplanned_targeted": 0, "followed_plan_order": True},
    ]
    assert data["plan_adherence"] == {
        "sessions": 3, "sessions_following_plan_order": 2, "planned_steps": 3, "planned_steps_targeted": 3,
    }
    assert [p["targeted"] for p in data["plan"]] == [True, True, True]


def _sessions(physio, patient, count, start):
    for index in range(count):
        services.session_record(
            actor=physio, patient=patient, started_at=start + dt.timedelta(days=7 * index),
            targeted_muscles=[
                release("multifidus-lumbar", "local_twitch", segment="L5"),
                release("gluteus-medius", "none"),
                release("piriformis", "needle_grasp", side="right"),
            ],
            needles_used=3, needles_removed=3,
        )


# The plan with its muscles; the sessions with their releases and muscles.
RELEASE_ORDER_QUERIES = 2


@pytest.mark.parametrize("count", [2, 30])
def test_release_order_query_count_does_not_grow(physio, patient, now, django_assert_num_queries, count):
    start = now - dt.timedelta(days=7 * count + 1)
    services.assessment_create(
        actor=physio, patient=patient, assessed_at=start, chief_complaint="x",
        plan=[{"muscle": "multifidus-lumbar", "side": "left"}],
    )
    _sessions(physio, patient, count, start + dt.timedelta(hours=1))
    patient.refresh_from_db()
    with django_assert_num_queries(RELEASE_ORDER_QUERIES):
        data = release_order_for_patient(patient)
    assert len(data["sessions"]) == count
    assert sum(len(s["releases"]) for s in data["sessions"]) == 3 * count


def test_timeline_is_in_time_order(physio, patient, now):
    t0 = now - dt.timedelta(days=20)
    assessment = services.assessment_create(
        actor=physio, patient=patient, assessed_at=t0, chief_complaint="Neck pain",
        plan=[{"muscle": "multifidus-cervical", "side": "right"}],
    )
    services.pain_score_record(
        actor=physio, patient=patient, moment="baseline", score=7, recorded_at=t0, assessment=assessment
    )
    later = services.session_record(
        actor=physio, patient=patient, started_at=t0 + dt.timedelta(days=14),
        targeted_muscles=[release("infraspinatus", "none", side="right")], needles_used=1, needles_removed=1,
        pain_scores=[{"moment": "pre_session", "score": 4}, {"moment": "post_session", "score": 2}],
    )
    earlier = services.session_record(
        actor=physio, patient=patient, started_at=t0 + dt.timedelta(days=7),
        targeted_muscles=[release("infraspinatus", "local_twitch", side="right")], needles_used=1, needles_removed=1,
    )
    services.pain_score_record(
        actor=physio, patient=patient, moment="follow_up", score=1, recorded_at=t0 + dt.timedelta(days=18)
    )
    services.session_sign(actor=physio, session=later)
    services.addendum_create(actor=physio, record=later, text="Patient reports full reach.")

    entries = patient_timeline(patient)
    assert [e["type"] for e in entries] == ["assessment", "pain_score", "session", "session", "pain_score", "addendum"]
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    sessions = [e for e in entries if e["type"] == "session"]
    assert [s["id"] for s in sessions] == [earlier.pk, later.pk]
    assert (sessions[1]["pain_before"], sessions[1]["pain_after"]) == (4, 2)
    assert entries[0]["plan"] == ["1. Cervical multifidus (right)"]


def test_muscles_for_a_segment_follow_the_myotome():
    l5 = set(muscles_for_segments(["L5"]).values_list("slug", flat=True))
    assert {"gluteus-medius", "multifidus-lumbar", "tibialis-anterior", "piriformis"} <= l5
    assert "infraspinatus" not in l5 and "multifidus-cervical" not in l5
    c5 = set(muscles_for_segments(["c5"]).values_list("slug", flat=True))
    assert "infraspinatus" in c5 and "gluteus-medius" not in c5


def test_lung_field_warning_for_one_side():
    warnings = warnings_for_targets([(muscle("trapezius-upper"), "left"), (muscle("gluteus-medius"), "left")], [])
    assert [w["code"] for w in warnings] == ["lung_field"]
    assert warnings[0]["message"] == "Needling over the lung field (pneumothorax risk): Upper trapezius (left)."
    assert warnings[0]["muscles"] == [str(muscle("trapezius-upper").pk)]


@pytest.mark.parametrize(
    "targets",
    [
        [("trapezius-upper", "left"), ("rhomboid-major", "right")],
        [("intercostals", "bilateral")],
    ],
)
def test_lung_field_on_both_sides_of_the_thorax(targets):
    warnings = warnings_for_targets([(muscle(slug), side) for slug, side in targets], [])
    assert [w["code"] for w in warnings] == ["lung_field", "lung_field_bilateral"]


def test_no_warning_away_from_the_lungs_and_without_precautions():
    assert warnings_for_targets([(muscle("gluteus-medius"), "left"), (muscle("piriformis"), "right")], []) == []


def test_precaution_warnings_on_a_saved_session(physio, patient, yesterday):
    for code, note in (("anticoagulants", "Warfarin, INR 2.5"), ("other", "Prefers morning visits")):
        Precaution.objects.create(clinic=patient.clinic, patient=patient, code=code, note=note)
    session = services.session_record(
        actor=physio, patient=patient, started_at=yesterday,
        targeted_muscles=[release("gluteus-medius", "local_twitch")], needles_used=1, needles_removed=1,
    )
    warnings = session_warnings(session)
    # "other" is not a needling precaution; anticoagulants are, with their note.
    assert [w["code"] for w in warnings] == ["precaution_anticoagulants"]
    assert warnings[0]["message"] == "Precaution: Anticoagulants — Warfarin, INR 2.5."


def test_precaution_note_with_brackets_reads_cleanly(clinic, physio):
    from records.models import Precaution
    from records.selectors import warnings_for_targets

    precaution = Precaution(clinic=clinic, code="implanted_device", note="Pacemaker (left chest)")
    warnings = warnings_for_targets([], [precaution])
    assert warnings == [
        {"code": "precaution_implanted_device", "message": "Precaution: Implanted device — Pacemaker (left chest)."}
    ]
