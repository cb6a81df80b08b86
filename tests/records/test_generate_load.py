"""The load generator writes valid, signed, verifiable records in the requested amounts."""

import pytest
from django.core.management import CommandError, call_command

from records.integrity import verify_assessment, verify_session
from records.models import Assessment, Patient, TargetedMuscle, TreatmentSession
from records.selectors import TWITCH_GRADE


def test_generates_requested_volume_with_intact_digests(db):
    call_command(
        "generate_load", clinics=2, patients=5, sessions_per_patient=4, muscles_per_session=3, no_progress=True,
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    assert Patient.objects.filter(clinic__slug__startswith="load-").count() == 5
    assert TreatmentSession.objects.count() == 20
    assert TargetedMuscle.objects.count() == 60
    assert set(TreatmentSession.objects.values_list("status", flat=True)) == {"signed"}
    for session in TreatmentSession.objects.all()[:5]:
        assert verify_session(session) == "intact"
        assert session.needles_used == session.needles_removed == 3
    assert {verify_assessment(a) for a in Assessment.objects.all()} == {"intact"}
    # Twitch responses do not grow stronger from the first session to the last.
    patient = Patient.objects.first()
    rows = TargetedMuscle.objects.filter(session__patient=patient).order_by("session__number")
    by_muscle: dict = {}
    for t in rows:
        by_muscle.setdefault((t.muscle_id, t.side), []).append(TWITCH_GRADE[t.twitch_response])
    assert all(grades[-1] <= grades[0] for grades in by_muscle.values())


def test_refuses_to_overwrite_existing_load_clinics(db):
    call_command("generate_load", clinics=1, patients=1, sessions_per_patient=1, no_progress=True,
                 stdout=open("/dev/null", "w"))  # noqa: SIM115
    with pytest.raises(CommandError, match="exist already"):
        call_command("generate_load", clinics=1, patients=1, sessions_per_patient=1, no_progress=True)
