"""Pure outcome rules: scoring by each instrument's manual, MCID boundaries, report statistics."""

from decimal import Decimal

import pytest

from records.clinical import (
    ScoringRefused,
    instrument_change_reached,
    median,
    nprs_relief,
    responders_by_session,
    score_answers,
    sessions_to_lasting_relief,
    wilson_interval,
)
from records.instruments import load_instrument_file, shipped_instruments

SHIPPED = {definition["code"]: definition for definition in shipped_instruments()}
PSFS, NPRS = SHIPPED["psfs"], SHIPPED["nprs"]


def psfs(*values, texts=None):
    return [
        {"item": f"activity_{i}", "value": value, "text": (texts or {}).get(i, f"Activity {i}")}
        for i, value in enumerate(values, start=1)
    ]


def test_only_instruments_with_a_licence_that_allows_shipping_ship():
    assert set(SHIPPED) == {"nprs", "psfs"}
    for definition in SHIPPED.values():
        assert definition["licence"] and definition["mcid_source"]


# Stratford et al. 1995 (Physiotherapy Canada 47:258): "Total score = sum of the activity
# scores / number of activities"; their worked patient rated three activities 3, 4 and 5.
@pytest.mark.parametrize(
    ("values", "score"),
    [
        ((3, 4, 5), Decimal("4.00")),  # the manual's three-activity example: 12 / 3
        ((2, 3, 5, 6), Decimal("4.00")),  # four activities: 16 / 4
        ((1, 2, 2, 3, 3), Decimal("2.20")),  # five activities: 11 / 5
        ((0, 0, 1), Decimal("0.33")),  # rounded half up to 2 places
        ((10, 10, 10, 10, 10), Decimal("10.00")),
    ],
)
def test_psfs_score_is_the_mean_of_the_rated_activities(values, score):
    result = score_answers(PSFS, psfs(*values))
    assert result.score == score
    assert [answer["value"] for answer in result.answers] == list(values)
    assert result.answers[0]["text"] == "Activity 1"


@pytest.mark.parametrize(
    ("answers", "path"),
    [
        (psfs(3, 4, 11), "answers[2].value"),  # just above the range
        (psfs(3, 4, -1), "answers[2].value"),  # just below
        (psfs(3, 4, 4.5), "answers[2].value"),  # not a whole number
        (psfs(3, 4, True), "answers[2].value"),  # a boolean is not a number
        (psfs(3, 4), "answers"),  # fewer than the 3 required activities
        (psfs(3, 4, 5, texts={3: "  "}), "answers[2].text"),  # an activity needs its name
        ([*psfs(3, 4, 5), {"item": "activity_9", "value": 3, "text": "x"}], "answers[3].item"),
        ([*psfs(3, 4, 5), {"item": "activity_1", "value": 3, "text": "x"}], "answers[3].item"),
        ([*psfs(3, 4), {"item": "activity_3", "value": 3, "text": "x", "note": 1}], "answers[2].note"),
        ("3,4,5", "answers"),
    ],
)
def test_psfs_refuses_bad_answers_naming_the_item(answers, path):
    with pytest.raises(ScoringRefused) as refused:
        score_answers(PSFS, answers)
    assert path in refused.value.errors


def test_missing_required_item_names_the_item():
    with pytest.raises(ScoringRefused) as refused:
        score_answers(PSFS, psfs(3, 4))
    assert "activity_3" in refused.value.errors["answers"][0]


@pytest.mark.parametrize(("value", "ok"), [(0, True), (10, True), (-1, False), (11, False)])
def test_nprs_range_boundaries(value, ok):
    answers = [{"item": "pain", "value": value}]
    if ok:
        assert score_answers(NPRS, answers).score == Decimal(value)
    else:
        with pytest.raises(ScoringRefused):
            score_answers(NPRS, answers)


def test_nprs_takes_no_text_and_refuses_a_missing_rating():
    with pytest.raises(ScoringRefused) as refused:
        score_answers(NPRS, [{"item": "pain", "value": 3, "text": "sharp"}])
    assert "answers[0].text" in refused.value.errors
    with pytest.raises(ScoringRefused) as refused:
        score_answers(NPRS, [])
    assert "pain" in refused.value.errors["answers"][0]


def _definition(method, missing, n_items=4, **scoring):
    return {
        "items": [{"code": f"q{i}", "min": 0, "max": 5, "required": missing == "refuse", "text": "none"}
                  for i in range(1, n_items + 1)],
        "scoring": {"method": method, "missing": missing, **scoring},
    }


def test_prorated_sum_and_percentage_follow_the_manual_rule():
    # An NDI-style rule (Vernon: "the average of the other items is added"): 3 of 4 answered,
    # sum 6 prorated to 8.
    answers = [{"item": f"q{i}", "value": v} for i, v in ((1, 1), (2, 2), (3, 3))]
    assert score_answers(_definition("sum", "prorate", max_missing=1), answers).score == Decimal("8.00")
    with pytest.raises(ScoringRefused):
        score_answers(_definition("sum", "prorate", max_missing=0), answers)
    # percentage of the answered items' maximum: 6 / 15
    assert score_answers(_definition("percentage", "mean_of_answered"), answers).score == Decimal("40.00")
    with pytest.raises(ScoringRefused):
        score_answers(_definition("sum", "refuse"), answers)


@pytest.mark.parametrize(
    ("before", "after", "relief"),
    [
        (10, 8, True),  # 2 points: at the MCID
        (10, 9, False),  # 1 point and 10 %
        (3, 2, True),  # 1 point but 33 %
        (4, 3, False),  # 1 point, 25 %
        (10, 7, True),
        (5, 5, False),
        (0, 0, False),
        (2, 4, False),  # worse
        (7, 5, True),  # 2 points, 28.6 %
        (10, 8.5, False),  # 1.5 points, 15 %
    ],
)
def test_nprs_relief_boundaries(before, after, relief):
    assert nprs_relief(before, after) is relief


@pytest.mark.parametrize(
    ("first", "later", "higher", "reached"),
    [(4, 6, True, True), (4, 5.99, True, False), (4, 2, True, False), (6, 4, False, True), (6, 4.01, False, False)],
)
def test_instrument_change_reached_boundaries(first, later, higher, reached):
    assert instrument_change_reached(first, later, mcid=2.0, higher_is_better=higher) is reached


@pytest.mark.parametrize(
    ("ratings", "session"),
    [
        ([(1, "pre_session", 8), (1, "post_session", 3)], None),  # immediate only
        ([(1, "pre_session", 8), (1, "post_session", 3), (2, "pre_session", 7)], None),  # 1 point, 12.5 %
        ([(1, "pre_session", 8), (2, "pre_session", 6)], 2),  # 2 points at session 2
        ([(1, "pre_session", 8), (2, "pre_session", 7), (2, "follow_up", 5)], 2),  # follow-up after session 2
        ([(1, "pre_session", 3), (3, "pre_session", 2)], 3),  # 33 %
        ([(1, "follow_up", 9), (1, "pre_session", 8), (4, "pre_session", 6)], 4),  # follow-up before the first pre
        ([], None),
    ],
)
def test_sessions_to_lasting_relief(ratings, session):
    assert sessions_to_lasting_relief(ratings) == session


def test_wilson_interval_matches_published_values():
    # Newcombe 1998 (Stat Med 17:857), table I: 81/263 → 0.2553 to 0.3662; 15/148 → 0.0624 to 0.1605.
    low, high = wilson_interval(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    low, high = wilson_interval(15, 148)
    assert (round(low, 4), round(high, 4)) == (0.0624, 0.1605)
    assert wilson_interval(0, 10)[0] == 0.0 and round(wilson_interval(0, 10)[1], 4) == 0.2775
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 0.0)


def test_median_and_responders():
    assert median([]) is None
    assert median([3]) == 3
    assert median([4, 2]) == 3
    assert median([5, 1, 3]) == 3
    curve = responders_by_session([2, None, 2, 5], total=4, up_to=10)
    assert [row["count"] for row in curve] == [0, 2, 2, 2, 3, 3, 3, 3, 3, 3]
    assert curve[1]["rate"] == 0.5 and curve[4]["rate"] == 0.75
    assert responders_by_session([], total=0)[0]["rate"] == 0.0


def test_instrument_files_are_validated_with_clear_errors(tmp_path):
    from records.instruments import InstrumentFileError

    bad = {**PSFS, "items": [{**PSFS["items"][0], "min": 10, "max": 0}], "scoring": {**PSFS["scoring"]}}
    bad["scoring"]["method"] = "median"
    path = tmp_path / "bad.json"
    import json

    path.write_text(json.dumps(bad))
    with pytest.raises(InstrumentFileError) as error:
        load_instrument_file(path)
    assert "scoring.method" in str(error.value) and "min must be below max" in str(error.value)
    path.write_text("{ not json")
    with pytest.raises(InstrumentFileError, match="not valid JSON"):
        load_instrument_file(path)
