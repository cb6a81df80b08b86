"""Fixtures for the FHIR facade: a patient with a recorded history, and reference checks."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from records import services
from tests.factories import muscle

FHIR = "/fhir/R4/"


def session_muscles():
    return [
        {"muscle": muscle("multifidus-lumbar"), "side": "left", "segment": "L5",
         "twitch_response": "strong_contraction", "twitch_count": 3, "outcome": "released"},
        {"muscle": muscle("gluteus-medius"), "side": "right", "twitch_response": "local_twitch", "outcome": "partial"},
        {"muscle": muscle("piriformis"), "side": "bilateral", "twitch_response": "none", "outcome": "not_released"},
    ]


def record_history(physio, patient, *, sessions: int, start: dt.datetime, sign: bool = True):
    """``sessions`` signed sessions a week apart, each with three muscles, pain before/after
    and (every other session) an adverse event; the last one stays a draft when ``sign`` is False."""
    made = []
    for index in range(sessions):
        session = services.session_record(
            actor=physio,
            patient=patient,
            started_at=start + dt.timedelta(days=7 * index),
            targeted_muscles=session_muscles(),
            pain_scores=[{"moment": "pre_session", "score": 7}, {"moment": "post_session", "score": 3}],
            adverse_events=[{"kind": "bruising", "severity": "mild"}] if index % 2 == 0 else [],
            needles_used=3,
            needles_removed=3,
        )
        if sign or index < sessions - 1:
            session = services.session_sign(actor=physio, session=session)
        made.append(session)
    return made


@pytest.fixture
def api(physio):
    client = APIClient()
    client.force_authenticate(physio)
    return client


@pytest.fixture
def history(physio, patient, now):
    """Two sessions for ``patient``: the first signed, the second a draft."""
    return record_history(physio, patient, sessions=2, start=now - dt.timedelta(days=20), sign=False)


def resolve_references(bundle: dict) -> list[str]:
    """Every ``reference`` in the Bundle's resources that no entry's fullUrl answers."""
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    base = next(iter(full_urls)).rsplit("/", 2)[0] + "/"
    missing = []

    def walk(node):
        if isinstance(node, dict):
            reference = node.get("reference")
            if isinstance(reference, str) and base + reference not in full_urls:
                missing.append(reference)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for entry in bundle["entry"]:
        walk(entry["resource"])
    return missing
