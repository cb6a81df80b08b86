"""Boundaries of the sharps and lung-field rules (records/clinical.py): below, at, above."""

import pytest

from records.clinical import (
    discrepancy_note_problem,
    lung_field_sign_refusal,
    sharps_record_problems,
    sharps_sign_refusal,
)


@pytest.mark.parametrize(
    ("targeted", "used", "problem"),
    [(1, 0, True), (1, 1, False), (1, 2, False), (0, 0, False), (5, 0, True), (5, 1, False)],
)
def test_needled_session_needs_at_least_one_needle(targeted, used, problem):
    problems = sharps_record_problems(targeted_count=targeted, needles_used=used, needles_removed=0)
    assert ("needles_used" in problems) is problem
    if problem:
        assert f"{targeted} muscle(s)" in problems["needles_used"]


@pytest.mark.parametrize(("removed", "problem"), [(2, False), (3, False), (4, True)])
def test_more_removed_than_used_is_refused_on_write(removed, problem):
    problems = sharps_record_problems(targeted_count=3, needles_used=3, needles_removed=removed)
    assert ("needles_removed" in problems) is problem
    assert "needles_used" not in problems


@pytest.mark.parametrize(
    ("removed", "note", "refused"),
    [
        (2, "", True),  # below, no note
        (2, "   \n", True),  # below, a note of whitespace explains nothing
        (2, "One needle broke; fragment removed by GP.", False),  # below, explained
        (3, "", False),  # at
        (3, "note kept anyway", False),
        (4, "", True),  # above
        (4, "counted twice", True),  # above: a note never makes it signable
    ],
)
def test_sign_sharps_boundaries(removed, note, refused):
    refusal = sharps_sign_refusal(needles_used=3, needles_removed=removed, discrepancy_note=note)
    assert (refusal is not None) is refused
    if refused:
        assert refusal.code == "sharps_count_mismatch"
        assert "Sharps count mismatch" in refusal.message


def test_sign_with_zero_needles_and_nothing_needled_is_fine():
    assert sharps_sign_refusal(needles_used=0, needles_removed=0, discrepancy_note="") is None


@pytest.mark.parametrize(
    ("note", "problem"), [(None, False), ("", False), (" ", True), ("\t\n", True), ("Lost one", False)]
)
def test_discrepancy_note_must_say_something(note, problem):
    assert (discrepancy_note_problem(note) is not None) is problem


@pytest.mark.parametrize(
    ("muscles", "confirmed", "refused"),
    [
        ([], False, False),
        (["Upper trapezius"], False, True),
        (["Upper trapezius"], True, False),
        (["Upper trapezius", "Rhomboid major"], False, True),
    ],
)
def test_lung_field_sign_needs_confirmation(muscles, confirmed, refused):
    refusal = lung_field_sign_refusal(lung_field_muscles=muscles, confirmed=confirmed)
    assert (refusal is not None) is refused
    if refused:
        assert refusal.code == "lung_field_confirmation_required"
        assert muscles[0] in refusal.message


def test_lung_field_confirmation_must_be_true_not_truthy():
    refusal = lung_field_sign_refusal(lung_field_muscles=["Upper trapezius"], confirmed="yes")
    assert refusal is not None
