"""The needling-authorisation rule, as a pure function (no database).

Note for the integrator: ``records/clinical.py`` holds the clinical rules; this module was
written in parallel with it and is meant to be folded into it (the function keeps its name).
"""

import datetime as dt
from collections.abc import Iterable

__all__ = ["authorisation_current_on", "authorisation_expiring_within"]


def authorisation_current_on(periods: Iterable[tuple[dt.date, dt.date | None]], day: dt.date) -> bool:
    """True when one of the ``(granted_on, expires_on)`` periods covers ``day``.

    Both ends are inclusive (an authorisation expiring on the 31st still covers the 31st);
    ``expires_on`` None means it does not expire.
    """
    return any(granted <= day and (expires is None or day <= expires) for granted, expires in periods)


def authorisation_expiring_within(expires_on: dt.date | None, today: dt.date, days: int) -> bool:
    """True when an authorisation still current ``today`` lapses within ``days`` days."""
    return expires_on is not None and today <= expires_on <= today + dt.timedelta(days=days)
