"""seed_demo: idempotent, deterministic, and clinically plausible demo data written through services."""

import io
from collections import defaultdict

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Max

from records.choices import AuditAction, PainMoment, RecordStatus, Role
from records.management.commands.seed_demo import DEFAULT_PASSWORD, STAFF
from records.models import AdverseEvent, Assessment, AuditEvent, Patient, TreatmentSession
from records.selectors import TWITCH_GRADE, current_consent

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in apps.get_app_config("records").get_models()}
    counts["User"] = get_user_model().objects.count()
    return counts


def fingerprint() -> list[tuple]:
    """What a reader of the demo would notice: who the patients are and what was done to them."""
    rows = []
    for patient in Patient.objects.order_by("clinic__slug", "chart_number").prefetch_related("precautions"):
        sessions = TreatmentSession.objects.filter(patient=patient).order_by("number")
        rows.append(
            (
                patient.clinic.slug,
                patient.chart_number,
                patient.given_name,
                patient.family_name,
                patient.date_of_birth,
                patient.sex,
                sorted(p.code for p in patient.precautions.all()),
                [
                    [
                        (t.order, t.muscle.slug, t.side, t.twitch_response, t.outcome)
                        for t in s.targeted_muscles.order_by("order").select_related("muscle")
                    ]
                    for s in sessions
                ],
                [sorted(s.pain_scores.values_list("moment", "score")) for s in sessions],
                [sorted(s.adverse_events.values_list("kind", flat=True)) for s in sessions],
            )
        )
    return rows


def test_running_twice_gives_the_same_rows_and_prints_working_logins():
    first_output = seed()
    counts = row_counts()
    second_output = seed()

    assert row_counts() == counts
    assert counts["Clinic"] == 2
    assert Patient.objects.filter(clinic__slug="demo").count() == 25
    assert 3 <= Patient.objects.filter(clinic__slug="second").count() <= 5
    assert "already present" in second_output
    for output in (first_output, second_output):
        for account in STAFF:
            assert account.username in output
    # The first run sets the passwords it prints; later runs keep them (and say so).
    assert DEFAULT_PASSWORD in first_output and DEFAULT_PASSWORD not in second_output
    assert second_output.count("(password kept)") == len(STAFF)

    User = get_user_model()  # noqa: N806
    for account in STAFF:
        user = User.objects.get(username=account.username)
        assert user.check_password(DEFAULT_PASSWORD)
        assert user.membership.clinic.slug == account.clinic_slug
        assert user.membership.role == account.role
        # Only clinic admins may enter the Django admin.
        assert user.is_staff == (account.role == Role.CLINIC_ADMIN)
        assert not user.is_superuser
    assert User.objects.get(username="demo_physio2").membership.role == Role.PHYSIOTHERAPIST
    assert User.objects.get(username="demo_reader").membership.role == Role.API_READER


def test_password_option_resets_every_login_and_bad_passwords_are_refused():
    seed()
    output = seed("--password", "lumbar-multifidus-42")
    assert "lumbar-multifidus-42" in output
    User = get_user_model()  # noqa: N806
    assert all(User.objects.get(username=a.username).check_password("lumbar-multifidus-42") for a in STAFF)

    with pytest.raises(CommandError, match="--password refused"):
        seed("--password", "short")
    assert User.objects.get(username="demo_admin").check_password("lumbar-multifidus-42")


class _Rollback(Exception):
    pass


def test_values_are_deterministic():
    try:
        with transaction.atomic():
            seed()
            first = fingerprint()
            raise _Rollback
    except _Rollback:
        pass
    assert not Patient.objects.exists()
    seed()
    assert fingerprint() == first
    chart_numbers = [row[1] for row in first if row[0] == "demo"]
    assert chart_numbers == [f"P{n:06d}" for n in range(1, 26)]


def test_courses_of_care_are_clinically_plausible():
    seed()
    demo_patients = Patient.objects.filter(clinic__slug="demo")

    for patient in Patient.objects.all():
        consent = current_consent(patient)
        assert consent is not None
        assessment = Assessment.objects.get(patient=patient)
        assert assessment.status == RecordStatus.SIGNED
        assert assessment.affected_segments
        plan = list(assessment.plan.order_by("order").select_related("muscle"))
        assert [item.order for item in plan] == list(range(1, len(plan) + 1))
        # Gunn: the paraspinal muscle at the root level first, then the same myotome.
        assert plan[0].muscle.slug.startswith("multifidus-")
        for item in plan:
            assert set(item.muscle.segments) & set(assessment.affected_segments), item.muscle.slug
        assert assessment.pain_scores.filter(moment=PainMoment.BASELINE).count() == 1

        signed = patient.sessions.filter(status=RecordStatus.SIGNED).order_by("number")
        assert 3 <= signed.count() <= 10
        assert consent.given_at <= assessment.assessed_at <= signed.first().started_at
        for session in signed:
            scores = dict(session.pain_scores.values_list("moment", "score"))
            assert scores[PainMoment.POST_SESSION] <= scores[PainMoment.PRE_SESSION]

    # Twitch responses fade or stay for every muscle and side across the signed sessions.
    trends = defaultdict(list)
    for session in TreatmentSession.objects.filter(status=RecordStatus.SIGNED).order_by("started_at", "number"):
        for target in session.targeted_muscles.all():
            trends[(session.patient_id, target.muscle_id, target.side)].append(TWITCH_GRADE[target.twitch_response])
    assert trends
    for key, grades in trends.items():
        assert grades == sorted(grades, reverse=True), key
    assert any(grades[-1] < grades[0] for grades in trends.values())

    # Sharps are balanced everywhere, and exactly one draft waits in the most recently seen patient.
    for used, removed in TreatmentSession.objects.values_list("needles_used", "needles_removed"):
        assert used == removed
    draft = TreatmentSession.objects.get(status=RecordStatus.DRAFT)
    assert draft.patient.clinic.slug == "demo"
    latest_other = TreatmentSession.objects.filter(clinic=draft.clinic).exclude(pk=draft.pk).aggregate(
        latest=Max("started_at")
    )["latest"]
    assert draft.patient.sessions.exclude(pk=draft.pk).aggregate(latest=Max("started_at"))["latest"] == latest_other
    assert draft.targeted_muscles.exists() and draft.needles_used == draft.needles_removed

    # Adverse events are rare (Brady 2014: ~17 % of treatments in all), not absent.
    signed_count = TreatmentSession.objects.filter(status=RecordStatus.SIGNED).count()
    adverse_sessions = AdverseEvent.objects.values("session").distinct().count()
    assert 0.05 * signed_count <= adverse_sessions <= 0.30 * signed_count

    # Written through the services: every session and its signing is in the audit trail.
    assert AuditEvent.objects.filter(action=AuditAction.SIGN, object_type="treatmentsession").count() == signed_count
    assert demo_patients.filter(precautions__isnull=False).distinct().exists()
    assert all(event.actor_id for event in AuditEvent.objects.filter(action=AuditAction.CREATE)[:50])
    assert set(AuditEvent.objects.values_list("route", flat=True)) == {"command seed_demo"}
