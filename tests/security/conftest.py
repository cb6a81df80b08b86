"""Fixtures for the security tests: signed records made through the services."""

import pytest

from records import services
from tests.factories import muscle


def needled_muscles():
    return [
        {"muscle": muscle("multifidus-lumbar"), "side": "left", "segment": "L5",
         "twitch_response": "strong_contraction", "outcome": "released"},
        {"muscle": muscle("gluteus-medius"), "side": "left", "twitch_response": "local_twitch", "outcome": "partial"},
    ]


def record_session(physio, patient, started_at, *, sign: bool):
    session = services.session_record(
        actor=physio, patient=patient, started_at=started_at, targeted_muscles=needled_muscles(),
        pain_scores=[{"moment": "pre_session", "score": 7}, {"moment": "post_session", "score": 3}],
        adverse_events=[{"kind": "bruising", "severity": "mild"}],
        needles_used=2, needles_removed=2, notes="Lumbar paraspinals released.",
    )
    if sign:
        session = services.session_sign(actor=physio, session=session)
    session.refresh_from_db()
    return session


def record_assessment(physio, patient, assessed_at, *, sign: bool):
    assessment = services.assessment_create(
        actor=physio, patient=patient, assessed_at=assessed_at, chief_complaint="Low back pain",
        affected_segments=["L5"],
        findings=[{"muscle": muscle("gluteus-medius"), "side": "left", "taut_band": True, "tenderness": 2}],
        plan=[{"muscle": muscle("multifidus-lumbar"), "side": "left", "rationale": "L5 root"}],
    )
    if sign:
        assessment = services.assessment_sign(actor=physio, assessment=assessment)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def signed_session(physio, patient, yesterday):
    return record_session(physio, patient, yesterday, sign=True)


@pytest.fixture
def draft_session(physio, patient, yesterday):
    return record_session(physio, patient, yesterday, sign=False)


@pytest.fixture
def signed_assessment(physio, patient, yesterday):
    return record_assessment(physio, patient, yesterday, sign=True)


@pytest.fixture
def draft_assessment(physio, patient, yesterday):
    return record_assessment(physio, patient, yesterday, sign=False)


def pytest_terminal_summary(terminalreporter):
    """The fuzz figures (cases per role, answers by class), when the role fuzz ran."""
    import sys

    test_fuzz_roles = sys.modules.get("tests.security.test_fuzz_roles")  # only when it ran
    stats = getattr(test_fuzz_roles, "FUZZ_STATS", None)
    if stats:
        terminalreporter.write_line("fuzz: " + ", ".join(f"{key} {value}" for key, value in sorted(stats.items())))
        for finding, count in sorted(test_fuzz_roles.LENIENT.items()):
            terminalreporter.write_line(f"fuzz lenient input accepted ({count}x): {finding}")
