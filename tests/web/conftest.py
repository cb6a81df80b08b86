"""Helpers for page tests: a patient's course of care built through the services."""

import datetime as dt

import pytest
from django.utils import timezone

from records import services
from tests.factories import muscle

PLAN = [("multifidus-lumbar", "left"), ("gluteus-medius", "left"), ("piriformis", "left")]


@pytest.fixture
def course(physio, patient):
    """An assessment with an L5 plan for ``patient``."""
    return make_course(physio, patient)


def make_course(physio, patient):
    return services.assessment_create(
        actor=physio, patient=patient, assessed_at=timezone.now() - dt.timedelta(days=60),
        chief_complaint="Low back pain into the left buttock", affected_segments=["L5", "S1"],
        findings=[{"muscle": muscle("gluteus-medius"), "side": "left", "taut_band": True, "tenderness": 3}],
        plan=[{"muscle": muscle(slug), "side": side} for slug, side in PLAN],
    )


def add_sessions(actor, patient, count, *, assessment=None, sign=True, start=None):
    """``count`` signed sessions, a day apart, each with three muscles and pain before/after."""
    start = start or timezone.now() - dt.timedelta(days=count + 1)
    sessions = []
    twitches = ["strong_contraction", "local_twitch", "needle_grasp", "none"]
    for index in range(count):
        session = services.session_record(
            actor=actor, patient=patient, assessment=assessment, started_at=start + dt.timedelta(days=index),
            targeted_muscles=[
                {"muscle": muscle("multifidus-lumbar"), "side": "left", "segment": "L5",
                 "twitch_response": twitches[min(index, 3)], "outcome": "released", "needle_length_mm": 50,
                 "needle_diameter_mm": "0.30"},
                {"muscle": muscle("gluteus-medius"), "side": "left", "twitch_response": "local_twitch",
                 "outcome": "partial"},
                {"muscle": muscle("trapezius-upper"), "side": "right",
                 "twitch_response": "needle_grasp", "outcome": "not_released"},
            ],
            pain_scores=[{"moment": "pre_session", "score": max(8 - index, 2)},
                         {"moment": "post_session", "score": max(5 - index, 0)}],
            adverse_events=[{"kind": "bruising", "severity": "mild"}] if index == 0 else [],
            needles_used=3, needles_removed=3, lung_field_precautions_confirmed=True,
        )
        if sign:
            session = services.session_sign(actor=actor, session=session)
        sessions.append(session)
    return sessions


def formset(prefix: str, rows: list[dict]) -> dict:
    """POST data of a formset whose rows are in list order."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def session_post(rows, *, action="draft", adverse=(), **fields) -> dict:
    """The logging form as a browser would post it."""
    data = {
        "started_at": (timezone.localtime(timezone.now()) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "assessment": "", "pain_before": "7", "pain_after": "3", "needles_used": str(len(rows)),
        "needles_removed": str(len(rows)), "exercises": "", "notes": "", "action": action,
    }
    data.update(formset("tm", rows))
    data.update(formset("ae", list(adverse)))
    data.update({key: str(value) for key, value in fields.items()})
    return data


def row(name, side="left", twitch="local_twitch", outcome="released", **extra) -> dict:
    return {"muscle": name, "side": side, "twitch_response": twitch, "outcome": outcome, **extra}
