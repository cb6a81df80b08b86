"""Generate a clinic chain's worth of synthetic, realistic records for benchmarks.

    python manage.py generate_load --clinics 20 --patients 10000 \
        --sessions-per-patient 20 --muscles-per-session 8

gives about 200 thousand signed sessions and 1.6 million targeted muscles. Rows are
written in batches with COPY on PostgreSQL (executemany on SQLite), bypassing the
services for speed; the data still satisfies every constraint and every signed record
carries a digest that verifies. Patterns follow the demo: a course starts from an
assessment whose plan is drawn from the myotomes of the affected segments; twitch
responses fade and pain falls over the sessions; adverse events at published rates.
"""

import datetime as dt
import json
import random
import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from records.choices import (
    AdverseEventKind,
    Outcome,
    PainMoment,
    RecordStatus,
    Role,
    Side,
    TwitchResponse,
)
from records.integrity import assessment_content, session_content, sign_content
from records.models import (
    AdverseEvent,
    Assessment,
    Clinic,
    Consent,
    Membership,
    Muscle,
    PainScore,
    Patient,
    PlanItem,
    TargetedMuscle,
    TreatmentSession,
)
from records.selectors import muscles_for_segments

# Complaint → affected segments; the plan is drawn from those myotomes.
COURSES = (
    ("Low back pain radiating to the left buttock", ["L4", "L5", "S1"]),
    ("Chronic neck pain with headaches", ["C4", "C5", "C6"]),
    ("Lateral elbow pain", ["C5", "C6", "C7"]),
    ("Shoulder impingement", ["C5", "C6"]),
    ("Knee pain on stairs", ["L2", "L3", "L4"]),
    ("Achilles tendinopathy", ["L5", "S1", "S2"]),
)
# Per-session probabilities (Brady et al. 2014, rounded).
ADVERSE_RATES = (
    (AdverseEventKind.BRUISING, 0.076),
    (AdverseEventKind.BLEEDING, 0.047),
    (AdverseEventKind.PAIN_DURING, 0.030),
    (AdverseEventKind.POST_NEEDLING_SORENESS, 0.022),
)
TWITCH = TwitchResponse.values  # none < needle_grasp < local_twitch < strong_contraction


class BatchWriter:
    """Buffers model instances per table and writes them with COPY (PostgreSQL) or executemany."""

    def __init__(self, batch_rows: int = 20000):
        self.batch_rows = batch_rows
        self.buffers: dict[type[models.Model], list[models.Model]] = {}
        self.written: dict[str, int] = {}

    def add(self, instance: models.Model) -> None:
        rows = self.buffers.setdefault(type(instance), [])
        rows.append(instance)
        if len(rows) >= self.batch_rows:
            self.flush_model(type(instance))

    def flush(self) -> None:
        # Parents before children, so foreign keys hold at every commit.
        for model in list(self.buffers):
            self.flush_model(model)

    def flush_model(self, model) -> None:
        rows = self.buffers.get(model) or []
        if not rows:
            return
        fields = model._meta.concrete_fields
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(model._meta.db_table)

        def value(field, instance):
            raw = getattr(instance, field.attname)
            if isinstance(field, models.JSONField):
                return json.dumps(raw)
            if connection.vendor == "postgresql":
                return raw
            return field.get_db_prep_value(raw, connection, prepared=False)

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for instance in rows:
                        copy.write_row([value(f, instance) for f in fields])
            else:
                marks = ", ".join(["%s"] * len(fields))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 - names from model meta
                    [[value(f, instance) for f in fields] for instance in rows],
                )
        self.written[model.__name__] = self.written.get(model.__name__, 0) + len(rows)
        self.buffers[model] = []


class Command(BaseCommand):
    help = "Generate synthetic clinics, patients and signed sessions for load tests and benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--clinics", type=int, default=20)
        parser.add_argument("--patients", type=int, default=10000, help="patients in all, spread over the clinics")
        parser.add_argument("--sessions-per-patient", type=int, default=20)
        parser.add_argument("--muscles-per-session", type=int, default=8)
        parser.add_argument("--prefix", default="load", help="slug prefix of the generated clinics")
        parser.add_argument("--seed", type=int, default=20261123)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **opts):
        if opts["clinics"] < 1 or opts["patients"] < opts["clinics"]:
            raise CommandError("Need at least one clinic and at least one patient per clinic.")
        if not 1 <= opts["muscles_per_session"] <= 20:
            raise CommandError("--muscles-per-session must be 1–20.")
        prefix = opts["prefix"]
        if Clinic.objects.filter(slug__startswith=f"{prefix}-").exists():
            raise CommandError(f"Clinics '{prefix}-…' exist already; choose another --prefix.")
        rng = random.Random(opts["seed"])
        courses = [
            (complaint, segments, list(muscles_for_segments(segments).order_by("slug")))
            for complaint, segments in COURSES
        ]
        if not Muscle.objects.exists():
            raise CommandError("The muscle catalogue is empty; run migrate first.")
        writer = BatchWriter()
        now = timezone.now()
        per_clinic = [opts["patients"] // opts["clinics"]] * opts["clinics"]
        for i in range(opts["patients"] % opts["clinics"]):
            per_clinic[i] += 1
        total_sessions = opts["patients"] * opts["sessions_per_patient"]
        progress = tqdm(
            total=total_sessions, unit="session", disable=opts["no_progress"], desc="sessions", smoothing=0.05
        )
        User = get_user_model()  # noqa: N806
        for index, count in enumerate(per_clinic, start=1):
            with transaction.atomic():
                clinic = Clinic.objects.create(name=f"Load clinic {index:02d}", slug=f"{prefix}-{index:02d}")
                physio = User.objects.create_user(
                    username=f"{prefix}_physio_{index:02d}", password=None, first_name="Load", last_name=f"{index:02d}"
                )
                Membership.objects.create(user=physio, clinic=clinic, role=Role.PHYSIOTHERAPIST)
                for number in range(1, count + 1):
                    self._patient(
                        writer, rng, clinic, physio, number, courses, now,
                        opts["sessions_per_patient"], opts["muscles_per_session"],
                    )
                    progress.update(opts["sessions_per_patient"])
                writer.flush()
                Clinic.objects.filter(pk=clinic.pk).update(chart_number_seq=count)
        progress.close()
        for name, rows in sorted(writer.written.items()):
            self.stdout.write(f"{name}: {rows}")

    def _patient(self, writer, rng, clinic, physio, number, courses, now, n_sessions, n_muscles):
        complaint, segments, candidates = rng.choice(courses)
        start = now - dt.timedelta(days=rng.randint(7 * n_sessions + 14, 3 * 365))
        stamp = {"created_at": start, "updated_at": start}
        patient = Patient(
            id=uuid.uuid4(), clinic=clinic, chart_number=f"L{number:07d}", given_name=rng.choice(GIVEN),
            family_name=rng.choice(FAMILY), date_of_birth=dt.date(rng.randint(1940, 2005), rng.randint(1, 12), 15),
            sex=rng.choice(("female", "male")), version=1, **stamp,
        )
        writer.add(patient)
        writer.add(Consent(
            id=uuid.uuid4(), clinic=clinic, patient=patient, given_at=start - dt.timedelta(hours=1),
            form_version="IMS-2026-01", recorded_by=physio, **stamp,
        ))
        side = rng.choice((Side.LEFT, Side.RIGHT))
        plan_muscles = rng.sample(candidates, k=min(len(candidates), max(n_muscles, 6)))
        # Gunn's order: the paraspinals at the root level first, then the periphery.
        plan_muscles.sort(key=lambda m: not m.slug.startswith("multifidus"))
        assessment = Assessment(
            id=uuid.uuid4(), clinic=clinic, patient=patient, practitioner=physio, assessed_at=start,
            chief_complaint=complaint, history="", affected_segments=segments, status=RecordStatus.SIGNED,
            signed_at=start + dt.timedelta(hours=1), signed_by=physio, version=2, **stamp,
        )
        plan = [
            PlanItem(id=uuid.uuid4(), clinic=clinic, assessment=assessment, order=order, muscle=muscle,
                     side=Side.MIDLINE if muscle.slug.startswith("multifidus") and rng.random() < 0.2 else side,
                     rationale="", **stamp)
            for order, muscle in enumerate(plan_muscles, start=1)
        ]
        assessment.signature_digest, assessment.signature_key_id = sign_content(
            assessment_content(assessment, findings=[], plan=plan)
        )
        writer.add(assessment)
        for item in plan:
            writer.add(item)
        baseline = rng.randint(5, 9)
        strength = {m.pk: rng.randint(2, 3) for m in plan_muscles}
        for k in range(n_sessions):
            started = start + dt.timedelta(days=7 * (k + 1), hours=rng.randint(0, 8))
            signed_at = started + dt.timedelta(minutes=rng.randint(30, 90))
            s_stamp = {"created_at": started, "updated_at": signed_at}
            session = TreatmentSession(
                id=uuid.uuid4(), clinic=clinic, patient=patient, assessment=assessment, practitioner=physio,
                started_at=started, number=k + 1, needles_used=n_muscles, needles_removed=n_muscles,
                exercises="", notes="", status=RecordStatus.SIGNED, signed_at=signed_at, signed_by=physio,
                version=2, **s_stamp,
            )
            chosen = plan[: n_muscles] if len(plan) >= n_muscles else plan
            if len(chosen) > 2 and rng.random() < 0.2:  # now and then the order departs from the plan
                a, b = rng.sample(range(len(chosen)), 2)
                chosen = list(chosen)
                chosen[a], chosen[b] = chosen[b], chosen[a]
            targeted = []
            for order, item in enumerate(chosen, start=1):
                grade = max(0, strength[item.muscle_id] - k // 3 - (rng.random() < 0.15))
                targeted.append(TargetedMuscle(
                    id=uuid.uuid4(), clinic=clinic, session=session, order=order, muscle=item.muscle,
                    side=item.side, segment="", needle_length_mm=rng.choice((30, 40, 50, 60)),
                    needle_diameter_mm=None, twitch_response=TWITCH[grade], twitch_count=None,
                    outcome=Outcome.RELEASED if grade <= 1 or rng.random() < 0.6 else Outcome.PARTIAL,
                    notes="", **s_stamp,
                ))
            pre = max(0, min(10, baseline - k // 2 + rng.randint(-1, 1)))
            post = max(0, pre - rng.randint(1, 3))
            pains = [
                PainScore(id=uuid.uuid4(), clinic=clinic, patient=patient, session=session,
                          moment=PainMoment.PRE_SESSION, score=pre, region="", recorded_at=started, **s_stamp),
                PainScore(id=uuid.uuid4(), clinic=clinic, patient=patient, session=session,
                          moment=PainMoment.POST_SESSION, score=post, region="",
                          recorded_at=started + dt.timedelta(minutes=25), **s_stamp),
            ]
            adverse = [
                AdverseEvent(id=uuid.uuid4(), clinic=clinic, session=session, kind=kind, severity="mild",
                             notes="", **s_stamp)
                for kind, rate in ADVERSE_RATES
                if rng.random() < rate
            ]
            session.signature_digest, session.signature_key_id = sign_content(
                session_content(session, targeted_muscles=targeted, pain_scores=pains, adverse_events=adverse)
            )
            writer.add(session)
            for row in (*targeted, *pains, *adverse):
                writer.add(row)


GIVEN = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Drew", "Kai")
FAMILY = ("Nguyen", "Smith", "Patel", "Garcia", "Chen", "Brown", "Singh", "Wilson", "Martin", "Lee", "Kowalski")
