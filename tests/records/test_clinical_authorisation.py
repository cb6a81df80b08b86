"""The needling-authorisation rule as a pure function: every boundary (just before, on, just after)."""

import datetime as dt

import pytest

from records.clinical import authorisation_current_on, authorisation_expiring_within

GRANTED, EXPIRES = dt.date(2024, 3, 1), dt.date(2025, 2, 28)
DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("periods", "day", "current"),
    [
        ([(GRANTED, EXPIRES)], GRANTED - DAY, False),
        ([(GRANTED, EXPIRES)], GRANTED, True),
        ([(GRANTED, EXPIRES)], GRANTED + DAY, True),
        ([(GRANTED, EXPIRES)], EXPIRES - DAY, True),
        ([(GRANTED, EXPIRES)], EXPIRES, True),
        ([(GRANTED, EXPIRES)], EXPIRES + DAY, False),
        ([(GRANTED, None)], GRANTED - DAY, False),
        ([(GRANTED, None)], GRANTED, True),
        ([(GRANTED, None)], dt.date(2090, 1, 1), True),
        ([], GRANTED, False),
        ([(GRANTED, EXPIRES), (EXPIRES + 2 * DAY, None)], EXPIRES + DAY, False),
        ([(GRANTED, EXPIRES), (EXPIRES + 2 * DAY, None)], EXPIRES + 2 * DAY, True),
    ],
)
def test_current_on(periods, day, current):
    assert authorisation_current_on(periods, day) is current


@pytest.mark.parametrize(
    ("expires_on", "today", "expiring"),
    [
        (None, GRANTED, False),
        (EXPIRES, EXPIRES - dt.timedelta(days=31), False),
        (EXPIRES, EXPIRES - dt.timedelta(days=30), True),
        (EXPIRES, EXPIRES - dt.timedelta(days=29), True),
        (EXPIRES, EXPIRES, True),
        (EXPIRES, EXPIRES + DAY, False),  # already lapsed: "not current", not "expiring"
    ],
)
def test_expiring_within_30_days(expires_on, today, expiring):
    assert authorisation_expiring_within(expires_on, today, 30) is expiring
