"""The clinical rules (records/clinical.py), table-driven: every comparison and constant is
pinned just below, at and just above its boundary. No database: the rules take plain values.

`make mutation` runs mutmut over records/clinical.py against this file alone.
"""

import datetime as dt
import uuid
from collections import namedtuple
from types import SimpleNamespace

import pytest

from records import clinical

Muscle = namedtuple("Muscle", "pk name lung_field")
Precaution = namedtuple("Precaution", "code note")

GLUT_MED = Muscle(uuid.UUID(int=1), "Gluteus medius", False)
UPPER_TRAP = Muscle(uuid.UUID(int=2), "Upper trapezius", True)
RHOMBOID = Muscle(uuid.UUID(int=3), "Rhomboid major", True)

NOW = dt.datetime(2026, 5, 10, 12, 0, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)
BORN = dt.date(1980, 6, 15)


# --- twitch response ------------------------------------------------------------


def test_twitch_grades_run_from_none_to_strong_contraction():
    assert clinical.TWITCH_GRADE == {"none": 0, "needle_grasp": 1, "local_twitch": 2, "strong_contraction": 3}


@pytest.mark.parametrize(
    ("response", "grade"),
    [("none", 0), ("needle_grasp", 1), ("local_twitch", 2), ("strong_contraction", 3)],
)
def test_twitch_grade(response, grade):
    assert clinical.twitch_grade(response) == grade


def test_twitch_grade_of_an_unknown_response_is_an_error():
    with pytest.raises(KeyError):
        clinical.twitch_grade("cramp")


@pytest.mark.parametrize(
    ("trend", "fading"),
    [
        ([], False),  # never needled
        (["strong_contraction"], False),  # needled once: no trend yet
        (["local_twitch", "needle_grasp"], True),  # last just below first
        (["local_twitch", "local_twitch"], False),  # last at first
        (["local_twitch", "strong_contraction"], False),  # last just above first
        (["needle_grasp", "none"], True),
        (["none", "none"], False),
        (["strong_contraction", "none", "strong_contraction"], False),  # came back: first and last compared
        (["strong_contraction", "strong_contraction", "local_twitch"], True),  # the last counts, not the one before
        (["local_twitch", "none", "strong_contraction", "needle_grasp"], True),
    ],
)
def test_twitch_fading_compares_the_latest_response_with_the_first(trend, fading):
    assert clinical.twitch_fading(trend) is fading


# --- pain: MCID -----------------------------------------------------------------


def test_mcid_constants():
    assert clinical.MCID_POINTS == 2
    assert clinical.MCID_FRACTION == 0.3


@pytest.mark.parametrize(
    ("before", "after", "change"),
    [(7, 4, 3), (4, 4, 0), (3, 5, -2), (0, 0, 0), (None, 4, None), (7, None, None), (None, None, None)],
)
def test_pain_change(before, after, change):
    assert clinical.pain_change(before, after) == change


@pytest.mark.parametrize(
    ("before", "change", "percent"),
    [
        (10, 3, 30),
        (3, 1, 33),
        (8, 1, 12),  # 12.5 rounds to even
        (8, 3, 38),  # 37.5 rounds to even
        (4, -2, -50),
        (1, 1, 100),
        (5, 0, 0),
        (0, 0, None),  # no percentage of nothing
        (0, -3, None),
        (7, None, None),
        (None, None, None),
    ],
)
def test_pain_percent_change(before, change, percent):
    assert clinical.pain_percent_change(before, change) == percent


@pytest.mark.parametrize(
    ("change", "reached"), [(1, False), (1.99, False), (2, True), (2.01, True), (3, True), (-2, False)]
)
def test_mcid_in_points(change, reached):
    assert clinical.reaches_mcid_points(change) is reached


@pytest.mark.parametrize(
    ("before", "change", "reached"),
    [
        (10, 2.99, False),  # just below 30 %
        (10, 3, True),  # at 30 %
        (10, 3.01, True),  # just above
        (3, 1, True),  # 33 %
        (4, 1, False),  # 25 %
        (10, 0, False),
        (10, -3, False),
        (0, 0, False),  # from a rating of 0 nothing can fall
        (0, 1, False),
    ],
)
def test_mcid_as_a_fraction(before, change, reached):
    assert clinical.reaches_mcid_fraction(before, change) is reached


@pytest.mark.parametrize(
    ("before", "after", "reached"),
    [
        (7, 6, False),  # 1 point, 14 %
        (7, 5, True),  # 2 points
        (7, 4, True),  # 3 points
        (3, 2, True),  # 1 point but 33 %
        (4, 3, False),  # 1 point, 25 %
        (10, 8, True),
        (2, 0, True),
        (1, 0, True),  # 100 %
        (0, 0, False),
        (5, 5, False),
        (3, 5, False),  # pain rose
        (None, 2, False),
        (6, None, False),
        (None, None, False),
    ],
)
def test_reaches_mcid(before, after, reached):
    assert clinical.reaches_mcid(before, after) is reached


@pytest.mark.parametrize(
    ("reference", "threshold"), [(None, None), (0, None), (1, None), (2, 0), (3, 1), (7, 5), (10, 8)]
)
def test_mcid_threshold(reference, threshold):
    assert clinical.mcid_threshold(reference) == threshold


# --- sharps ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("used", "removed", "refused"),
    [(3, 2, True), (3, 3, False), (3, 4, True), (0, 0, False), (0, 1, True), (1, 0, True)],
)
def test_sharps_refusal(used, removed, refused):
    refusal = clinical.sharps_refusal(needles_used=used, needles_removed=removed)
    if refused:
        assert refusal == (
            f"Sharps count mismatch: {used} needles used but {removed} removed and disposed. "
            "Account for every needle before signing."
        )
    else:
        assert refusal is None


@pytest.mark.parametrize(
    ("has_targets", "needles", "needed"), [(False, 0, False), (False, 1, True), (True, 0, True), (True, 2, True)]
)
def test_needling_needs_consent(has_targets, needles, needed):
    assert clinical.needling_needs_consent(has_targeted_muscles=has_targets, needles_used=needles) is needed


# --- times ----------------------------------------------------------------------


def test_future_tolerance_is_one_day():
    assert dt.timedelta(days=1) == clinical.FUTURE_TOLERANCE


@pytest.mark.parametrize(
    ("offset", "too_far"),
    [
        (dt.timedelta(days=1) - MICROSECOND, False),
        (dt.timedelta(days=1), False),
        (dt.timedelta(days=1) + MICROSECOND, True),
        (dt.timedelta(days=3), True),
        (dt.timedelta(0), False),
        (-dt.timedelta(days=400), False),
    ],
)
def test_too_far_in_future(offset, too_far):
    assert clinical.too_far_in_future(NOW + offset, now=NOW) is too_far


@pytest.mark.parametrize(
    ("value", "problems"),
    [
        (dt.datetime(2026, 5, 10, 12, 0), ["Give a time with a timezone."]),  # naive: nothing else is checked
        (dt.datetime(1970, 1, 1), ["Give a time with a timezone."]),
        (NOW, []),
        (NOW + dt.timedelta(days=1), []),
        (NOW + dt.timedelta(days=1, microseconds=1), ["This is too far in the future."]),
        (dt.datetime(1980, 6, 14, 23, 59, tzinfo=dt.UTC), ["This is before the patient's date of birth."]),
        (dt.datetime(1980, 6, 15, 0, 0, tzinfo=dt.UTC), []),  # on the day of birth
        (dt.datetime(1980, 6, 16, 0, 0, tzinfo=dt.UTC), []),
        # The date is the one of the time's own offset.
        (dt.datetime(1980, 6, 15, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))), []),
        (dt.datetime(1980, 6, 14, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-2))),
         ["This is before the patient's date of birth."]),
    ],
)
def test_recorded_time_problems(value, problems):
    assert clinical.recorded_time_problems(value, date_of_birth=BORN, now=NOW) == problems


def test_a_time_both_before_birth_and_in_the_future_reports_both():
    # Only possible with a "now" before the birth, but each check stands on its own.
    value = dt.datetime(1980, 6, 14, tzinfo=dt.UTC)
    assert clinical.recorded_time_problems(value, date_of_birth=BORN, now=value - dt.timedelta(days=2)) == [
        "This is before the patient's date of birth.",
        "This is too far in the future.",
    ]


# --- myotomes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("muscle_segments", "segments", "matched"),
    [
        (["L4", "L5", "S1"], ["L5"], True),
        (["L4", "L5", "S1"], ["l5"], True),  # any case
        (["L4", "L5", "S1"], ["C5", "S1"], True),  # any of them
        (["L4", "L5", "S1"], ["L3"], False),
        (["C5", "C6"], ["L5"], False),
        ([], ["L5"], False),
        (None, ["L5"], False),
        (["L5"], [], False),
    ],
)
def test_in_myotome(muscle_segments, segments, matched):
    assert clinical.in_myotome(muscle_segments, segments) is matched


def test_myotome_matches_keeps_the_catalogue_order():
    catalogue = [("glut-med", ["L4", "L5", "S1"]), ("infraspinatus", ["C5", "C6"]), ("tib-ant", ["L4", "L5"]),
                 ("unknown", None), ("multifidus-l", ["L1", "L2", "L3", "L4", "L5", "S1"])]
    assert clinical.myotome_matches(catalogue, ["l5"]) == ["glut-med", "tib-ant", "multifidus-l"]
    assert clinical.myotome_matches(catalogue, ["C6", "S1"]) == ["glut-med", "infraspinatus", "multifidus-l"]
    assert clinical.myotome_matches(catalogue, []) == []
    assert clinical.myotome_matches(iter(catalogue), ("T4",)) == []


# --- plan adherence -------------------------------------------------------------

A, B, C, D = ("a", "left"), ("b", "left"), ("c", "right"), ("d", "left")


def test_plan_positions_keep_the_first_place_of_a_repeated_step():
    steps = [("a", "left", 1), ("b", "left", 2), ("a", "left", 3), ("a", "right", 4)]
    assert clinical.plan_positions(steps) == {("a", "left"): 1, ("b", "left"): 2, ("a", "right"): 4}
    assert clinical.plan_positions([]) == {}


POSITIONS = {A: 1, B: 2, C: 3}


@pytest.mark.parametrize(
    ("releases", "planned", "unplanned", "in_order"),
    [
        ([], 0, 0, True),
        ([A], 1, 0, True),
        ([A, B, C], 3, 0, True),
        ([A, C], 2, 0, True),  # a step skipped is still in order
        ([B, A], 2, 0, False),  # just below: a later step first
        ([A, A], 2, 0, False),  # at: the same step twice is not progress
        ([A, D, B], 2, 1, True),  # unplanned muscles do not break the order
        ([D], 0, 1, True),
        ([C, D, A], 2, 1, False),
        ([A, B, C, B], 4, 0, False),
    ],
)
def test_plan_adherence(releases, planned, unplanned, in_order):
    assert clinical.plan_adherence(releases, POSITIONS) == {
        "planned_targeted": planned,
        "unplanned_targeted": unplanned,
        "followed_plan_order": in_order,
    }


def test_course_plan_adherence_counts_sessions_that_did_planned_steps_in_order():
    sessions = [
        {"planned_targeted": 2, "unplanned_targeted": 0, "followed_plan_order": True},
        {"planned_targeted": 2, "unplanned_targeted": 1, "followed_plan_order": False},
        # No planned step: neither follows nor breaks the order.
        {"planned_targeted": 0, "unplanned_targeted": 3, "followed_plan_order": True},
        {"planned_targeted": 1, "unplanned_targeted": 0, "followed_plan_order": True},
    ]
    assert clinical.course_plan_adherence(sessions, planned_steps=5, planned_steps_targeted=3) == {
        "sessions": 4,
        "sessions_following_plan_order": 2,
        "planned_steps": 5,
        "planned_steps_targeted": 3,
    }
    assert clinical.course_plan_adherence([], planned_steps=0, planned_steps_targeted=0) == {
        "sessions": 0, "sessions_following_plan_order": 0, "planned_steps": 0, "planned_steps_targeted": 0,
    }


# --- warnings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sides", "both"),
    [
        ([], False),
        (["left"], False),
        (["right", "right"], False),
        (["left", "midline"], False),
        (["midline"], False),
        (["left", "right"], True),
        (["right", "midline", "left"], True),
        (["bilateral"], True),
        (["left", "bilateral"], True),
    ],
)
def test_both_sides_of_thorax(sides, both):
    assert clinical.both_sides_of_thorax(sides) is both


LUNG_MESSAGE = "Needling over the lung field (pneumothorax risk): "
BILATERAL_MESSAGE = (
    "Lung-field muscles on both sides of the thorax in one session: a bilateral pneumothorax would be an "
    "emergency. Consider one side per session."
)


def test_no_lung_field_warning_away_from_the_lungs():
    assert clinical.lung_field_warnings([(GLUT_MED, "left"), (GLUT_MED, "right")]) == []
    assert clinical.lung_field_warnings([]) == []


def test_lung_field_warning_on_one_side():
    assert clinical.lung_field_warnings([(UPPER_TRAP, "left"), (GLUT_MED, "right"), (UPPER_TRAP, "left")]) == [
        {"code": "lung_field", "message": LUNG_MESSAGE + "Upper trapezius (left).", "muscles": [str(UPPER_TRAP.pk)]}
    ]


def test_lung_field_warning_on_both_sides_names_each_muscle_and_side_once():
    warnings = clinical.lung_field_warnings(
        [(UPPER_TRAP, "right"), (RHOMBOID, "left"), (GLUT_MED, "left"), (UPPER_TRAP, "right")]
    )
    muscles = sorted([str(UPPER_TRAP.pk), str(RHOMBOID.pk)])
    assert warnings == [
        {"code": "lung_field", "message": LUNG_MESSAGE + "Rhomboid major (left), Upper trapezius (right).",
         "muscles": muscles},
        {"code": "lung_field_bilateral", "message": BILATERAL_MESSAGE, "muscles": muscles},
    ]


def test_a_bilateral_lung_field_muscle_is_both_sides():
    warnings = clinical.lung_field_warnings([(RHOMBOID, "bilateral")])
    assert [w["code"] for w in warnings] == ["lung_field", "lung_field_bilateral"]
    assert warnings[0]["message"] == LUNG_MESSAGE + "Rhomboid major (bilateral)."


def test_lung_field_sides_of_other_muscles_do_not_count():
    # The right side is needled, but not over the lung field.
    assert [w["code"] for w in clinical.lung_field_warnings([(UPPER_TRAP, "left"), (GLUT_MED, "right")])] == [
        "lung_field"
    ]


def test_precaution_warnings_by_code_with_notes():
    # Rows that cannot be compared (like model instances): the order is by code alone.
    precautions = [
        SimpleNamespace(code="pregnancy", note=""),
        SimpleNamespace(code="other", note="Prefers mornings"),  # not a needling precaution
        SimpleNamespace(code="anticoagulants", note="Warfarin, INR 2.5."),
        SimpleNamespace(code="implanted_device", note="Pacemaker (left chest)"),
        SimpleNamespace(code="metal_allergy", note="Nickel, see Dr X.."),
    ]
    assert clinical.precaution_warnings(precautions) == [
        {"code": "precaution_anticoagulants", "message": "Precaution: Anticoagulants — Warfarin, INR 2.5."},
        {"code": "precaution_implanted_device", "message": "Precaution: Implanted device — Pacemaker (left chest)."},
        {"code": "precaution_metal_allergy", "message": "Precaution: Metal allergy — Nickel, see Dr X."},
        {"code": "precaution_pregnancy", "message": "Precaution: Pregnancy."},
    ]
    assert clinical.precaution_warnings([]) == []
    assert clinical.precaution_warnings([Precaution("other", "x"), Precaution("diabetes", "")]) == [
        {"code": "precaution_diabetes", "message": "Precaution: Diabetes."}
    ]


def test_warnings_for_targets_lung_field_first_then_precautions():
    warnings = clinical.warnings_for_targets(
        [(UPPER_TRAP, "left"), (RHOMBOID, "right")], [Precaution("history_of_syncope", "")]
    )
    assert [w["code"] for w in warnings] == ["lung_field", "lung_field_bilateral", "precaution_history_of_syncope"]
    assert warnings[2] == {"code": "precaution_history_of_syncope", "message": "Precaution: History of syncope."}
    assert clinical.warnings_for_targets([(GLUT_MED, "left")], []) == []
