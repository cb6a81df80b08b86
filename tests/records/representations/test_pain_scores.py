"""records.representations.pain_scores and the instants every representation writes."""

import datetime as dt
import zoneinfo

import pytest
from django.test.utils import override_settings
from django.utils import timezone
from rest_framework import serializers

from records import services
from records.representations import instant_text, pain_score_representation


def test_a_standalone_score(physio, patient, other_clinic):
    at = dt.datetime(2026, 3, 1, 9, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    pain = services.pain_score_record(actor=physio, patient=patient, moment="follow_up", score=3, region="Neck",
                                      recorded_at=at)
    document = pain_score_representation(patient.clinic, pain.pk)
    assert document == {
        "id": pain.pk, "patient": patient.pk, "session": None, "assessment": None, "moment": "follow_up",
        "score": 3, "region": "Neck", "recorded_at": "2026-03-01T08:30:00Z",
        "created_at": instant_text(pain.created_at), "updated_at": instant_text(pain.updated_at),
    }
    assert pain_score_representation(other_clinic, pain.pk) is None


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 3, 1, 9, 30, 5, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 1, 9, 30, 5, 120, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 1, 9, 30, tzinfo=zoneinfo.ZoneInfo("America/Vancouver")),
        dt.datetime(2026, 3, 1, 9, 30, 5),  # naive: UTC, as SQLite rows come
        "2026-03-01 09:30:05.000120+00:00",  # text, as a row may carry it
    ],
)
@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
def test_instants_are_written_as_rest_framework_writes_them(value, zone):
    with override_settings(TIME_ZONE=zone), timezone.override(zone):
        aware = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
        aware = aware if aware.tzinfo else aware.replace(tzinfo=dt.UTC)
        assert instant_text(value) == serializers.DateTimeField().to_representation(aware)
    assert instant_text(None) is None
    assert instant_text(dt.datetime(2026, 3, 1, 9, 30, 5, tzinfo=dt.UTC)) == "2026-03-01T09:30:05Z"
