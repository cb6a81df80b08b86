"""``manage.py seed_demo [--password PW]``: a demo clinic with believable IMS courses of care.

Everything is written through :mod:`records.services` with the acting clinician, so the
demo data obeys the same rules as real data (consent before needling, sharps counts,
sign-off) and shows up in the audit trail. Values come from ``random.Random(SEED)``: two
installations get the same patients, names, chart numbers and courses; only the dates
move with today, so the history always ends in the recent past.

Idempotent: a clinic that already has patients is left alone, so running the command
twice gives the same rows. Staff accounts, memberships and the physiotherapists' needling
authorisations are created when missing; an existing account keeps its password (unless
``--password`` is given), its role and its active state (a deactivated account stays
deactivated), so ``make run`` restarts keep everyone signed in.
"""

import datetime as dt
import random
import time
import unicodedata
import zoneinfo
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from records import services
from records.choices import SEGMENTS, AuditAction, AuthorisationKind, PainMoment, Role, TwitchResponse
from records.clinical import authorisation_current_on
from records.models import Clinic, Membership, Muscle, NeedlingAuthorisation, Patient, TreatmentSession
from records.request_context import source
from records.selectors import muscles_for_segments

__all__ = ["DEFAULT_PASSWORD", "SEED", "Command"]

# Documented in the README: good enough for a local demo, never for a real clinic.
DEFAULT_PASSWORD = "ims-demo-2026!"  # noqa: S105 - the published demo password
SEED = 20260420
CONSENT_FORM = "IMS-consent-v3"


@dataclass(frozen=True)
class StaffAccount:
    username: str
    clinic_slug: str
    role: str
    first_name: str
    last_name: str
    is_staff: bool = False


CLINICS = {
    "demo": ("Demo Physiotherapy", "America/Vancouver", 25),
    "second": ("Second Street Physio", "America/Toronto", 4),
}
# The one unsigned note of the demo, so the pages and the admin have a draft to show and sign.
DRAFT_CLINIC = "demo"

STAFF = (
    StaffAccount("demo_admin", "demo", Role.CLINIC_ADMIN, "Dana", "Okafor", is_staff=True),
    StaffAccount("demo_physio", "demo", Role.PHYSIOTHERAPIST, "Priya", "Raman"),
    StaffAccount("demo_physio2", "demo", Role.PHYSIOTHERAPIST, "Tom", "Lindqvist"),
    StaffAccount("demo_reader", "demo", Role.API_READER, "Outcomes", "Dashboard"),
    StaffAccount("second_admin", "second", Role.CLINIC_ADMIN, "Grace", "Mbeki", is_staff=True),
    StaffAccount("second_physio", "second", Role.PHYSIOTHERAPIST, "Luis", "Ortega"),
)

FEMALE_NAMES = ("Amelia", "Chloe", "Fatima", "Hannah", "Isla", "Mei", "Nadia", "Olivia", "Rosa", "Sofia", "Yuki",
                "Zara", "Leah", "Grace", "Anika")
MALE_NAMES = ("Arjun", "Ben", "Carlos", "Daniel", "Ethan", "Felix", "Hamid", "Jonas", "Kenji", "Liam", "Marcus",
              "Noah", "Omar", "Ravi", "Samuel")
FAMILY_NAMES = ("Abbott", "Bergström", "Chen", "Delacroix", "Eriksen", "Fraser", "Gill", "Haddad", "Ito",
                "Jansen", "Kowalski", "Larsen", "MacLeod", "Nguyen", "O'Brien", "Patel", "Quintero", "Rossi",
                "Singh", "Tanaka", "Urquhart", "Varga", "Walsh", "Yilmaz", "Zhang", "Morrison", "Dubois")


@dataclass(frozen=True)
class Presentation:
    """A typical IMS presentation: the irritated roots and where the needles go."""

    complaint: str
    history: str
    segment_choices: tuple[tuple[str, ...], ...]
    multifidus: str
    # Peripheral muscles are drawn from the myotome, restricted to these regions, in this order.
    regions: tuple[str, ...]
    pain_region: str
    needle_mm: int


PRESENTATIONS = (
    Presentation(
        "Low back pain radiating to the lateral leg",
        "Gradual onset after lifting; worse sitting, eased by walking. No red flags.",
        (("L4", "L5"), ("L5", "S1"), ("L5",)),
        "multifidus-lumbar", ("lumbar", "hip", "thigh", "leg"), "low back and leg", 60,
    ),
    Presentation(
        "Neck and shoulder pain with reduced overhead reach",
        "Desk worker; neck stiffness for months, shoulder pain on reaching. No neurological deficit.",
        (("C5", "C6"), ("C5",), ("C6",)),
        "multifidus-cervical", ("shoulder", "arm"), "neck and shoulder", 30,
    ),
    Presentation(
        "Lateral elbow pain, gripping painful",
        "Racquet sport and keyboard use; tender common extensor origin, cervical stiffness.",
        (("C6", "C7"), ("C7",)),
        "multifidus-cervical", ("forearm", "arm"), "lateral elbow", 30,
    ),
    Presentation(
        "Anterior knee pain on stairs",
        "Runner; pain after longer runs and on stairs, quadriceps tight, lumbar stiffness at L3-4.",
        (("L3", "L4"), ("L2", "L3", "L4")),
        "multifidus-lumbar", ("thigh", "hip"), "anterior knee", 50,
    ),
    Presentation(
        "Buttock pain and calf tightness",
        "Sciatica-like pain into the buttock and calf; SLR mildly limited, reflexes intact.",
        (("S1",), ("L5", "S1")),
        "multifidus-lumbar", ("hip", "thigh", "leg"), "buttock and calf", 75,
    ),
)

# Adverse event rates per treatment (Brady et al. 2014, 7,629 treatments).
ADVERSE_RATES = (("bruising", 0.076), ("bleeding", 0.047), ("pain_during", 0.030), ("post_needling_soreness", 0.022))
ADVERSE_NOTES = {
    "bruising": "Small bruise at the needle site; advised ice.",
    "bleeding": "Minor bleeding after needle withdrawal; stopped with pressure.",
    "pain_during": "Sharp pain during needling; needle withdrawn and redirected.",
    "post_needling_soreness": "Soreness the next day, settled within 48 h.",
}
# Rough prevalence in a physiotherapy caseload; pregnancy only applies to women of childbearing age.
PRECAUTION_RATES = (
    ("anticoagulants", 0.12, "Apixaban 5 mg twice daily"),
    ("diabetes", 0.10, "Type 2, diet controlled"),
    ("history_of_syncope", 0.10, "Fainted during a blood test; treat lying down"),
    ("needle_phobia", 0.08, "Anxious about needles; explain each step"),
    ("metal_allergy", 0.04, "Nickel allergy"),
    ("implanted_device", 0.03, "Pacemaker (left chest)"),
)
PREGNANCY_RATE = 0.25
TWITCH_LADDER = (
    TwitchResponse.NONE,
    TwitchResponse.NEEDLE_GRASP,
    TwitchResponse.LOCAL_TWITCH,
    TwitchResponse.STRONG_CONTRACTION,
)
EXERCISES = (
    "Walking 20 min daily; pelvic tilts",
    "Chin tucks, scapular setting, doorway stretch",
    "Wrist extensor eccentrics with light weight",
    "Bridging and side-lying hip abduction",
    "Gentle stretching of treated muscles; heat at home",
)


def _ascii(name: str) -> str:
    """Lower-case ASCII for an email local part (Bergström → bergstrom, O'Brien → obrien)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _demo_segmental_signs(segments, rng: random.Random) -> list[dict]:
    """Gunn's signs at the irritated segments: tenderness and tender motor points, often more."""
    signs = []
    for segment in segments:
        if segment not in SEGMENTS:
            continue
        signs += [{"segment": segment, "sign": "paraspinal_tenderness"},
                  {"segment": segment, "sign": "tender_motor_points"}]
        signs += [{"segment": segment, "sign": sign} for sign in ("trophoedema", "muscle_shortening", "vasomotor")
                  if rng.random() < 0.4]
    return signs


def _demo_outcomes(physio, patient, assessment, session, plan, grades, number, session_count, rng) -> None:
    """PSFS at the first and last session (rising), PPT over the first planned muscle every
    session (rising as its twitch fades). A separate random stream, so the rest of the demo
    stays as it was."""
    first = plan[0]
    value = 1.8 + 0.7 * (3 - grades[0]) + rng.uniform(-0.2, 0.2)
    services.objective_measure_record(
        actor=physio, patient=patient, session=session, kind="pressure_pain_threshold", muscle=first["muscle"],
        side=first["side"], value=round(value, 1), unit="kg/cm2",
    )
    if number in (1, session_count):
        base = rng.randint(2, 4) + (0 if number == 1 else rng.randint(2, 4))
        activities = ("Sitting for an hour", "Lifting a shopping bag", "Sleeping through the night")
        services.outcome_response_record(
            actor=physio, patient=patient, instrument="psfs", session=session, recorded_at=session.started_at,
            answers=[{"item": f"activity_{i}", "value": min(10, base + rng.choice((-1, 0, 1))), "text": text}
                     for i, text in enumerate(activities, start=1)],
        )


def _multifidus_for(segment: str) -> str:
    if segment.startswith("C"):
        return "multifidus-cervical"
    if segment.startswith("T"):
        return "multifidus-thoracic"
    return "multifidus-lumbar"


class Command(BaseCommand):
    help = "Create the demo clinics, staff logins and patients with signed IMS courses of care (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=None,
            help=f"Password for every demo login (default: {DEFAULT_PASSWORD!r}).",
        )

    def handle(self, *args, password=None, **options):
        started = time.monotonic()
        self.reset_passwords = password is not None
        self.password_set: set[str] = set()
        password = password or DEFAULT_PASSWORD
        with source("command seed_demo"), transaction.atomic():
            clinics = {
                slug: Clinic.objects.get_or_create(slug=slug, defaults={"name": name, "timezone": tz})[0]
                for slug, (name, tz, _) in CLINICS.items()
            }
            # Printed on the clinic's documents (procedure notes, course summaries).
            Clinic.objects.filter(slug="demo", address="").update(address="1 Harbour Road\nPort Example 4010")
            users = {account.username: self._account(account, clinics, password) for account in STAFF}
            for account in STAFF:
                if account.role == Role.PHYSIOTHERAPIST:
                    _authorise(users[account.username], clinics[account.clinic_slug])
            created = {}
            for slug, clinic in clinics.items():
                if Patient.objects.filter(clinic=clinic).exists():
                    created[slug] = 0
                    continue
                created[slug] = _ClinicSeeder(clinic, users, random.Random(f"{SEED}-{slug}")).run(
                    CLINICS[slug][2], with_draft=slug == DRAFT_CLINIC
                )
        for slug, count in created.items():
            if count:
                self.stdout.write(f"Clinic {slug!r}: created {count} patients with their courses of care.")
            else:
                self.stdout.write(f"Clinic {slug!r}: demo patients already present, left unchanged.")
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")
        self.stdout.write("Demo logins (web pages at /, admin at /admin/):")
        for account in STAFF:
            shown = password if account.username in self.password_set else "(password kept)"
            self.stdout.write(f"  {account.username:<14} {shown}   {account.role:<16} clinic {account.clinic_slug}")

    def _account(self, account: StaffAccount, clinics: dict, password: str):
        User = get_user_model()  # noqa: N806 - Django's idiom for the user model
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "first_name": account.first_name,
                "last_name": account.last_name,
                "email": f"{account.username}@demo.invalid",
            },
        )
        try:
            validate_password(password, user)
        except ValidationError as exc:
            # Demo accounts may use the published demo password (refused on every real account).
            problems = [m for error in exc.error_list if error.code != "password_demo" for m in error.messages]
            if problems:
                raise CommandError(f"--password refused: {' '.join(problems)}") from exc
        if created or self.reset_passwords:
            user.set_password(password)
            self.password_set.add(account.username)
        if created:
            user.is_staff = account.is_staff
        # Never re-activates: a deactivated demo account stays deactivated.
        user.save()
        Membership.objects.get_or_create(
            user=user, defaults={"clinic": clinics[account.clinic_slug], "role": account.role}
        )
        return user


def _authorise(user, clinic: Clinic) -> None:
    """A demo physiotherapist's IMS authorisation: granted ten years ago, expiring in two,
    so back-dated demo sessions sign. Left alone when they already hold one current today."""
    today = timezone.localdate()
    periods = NeedlingAuthorisation.objects.filter(user=user).values_list("granted_on", "expires_on")
    if authorisation_current_on(periods, today):
        return
    authorisation = NeedlingAuthorisation.objects.create(
        clinic=clinic, user=user, kind=AuthorisationKind.IMS, regulator="Demo College of Physiotherapists",
        registration_number=f"DEMO-{user.pk:05d}", granted_on=today.replace(year=today.year - 10, day=1),
        expires_on=today.replace(year=today.year + 2, day=1),
    )
    services.audit_event(
        actor=None, action=AuditAction.AUTHORISATION_CREATE, clinic=clinic, obj=authorisation,
        after={"username": user.username, "kind": authorisation.kind, "granted_on": str(authorisation.granted_on),
               "expires_on": str(authorisation.expires_on)},
    )


class _ClinicSeeder:
    """Builds one clinic's patients and courses of care from a seeded random generator."""

    def __init__(self, clinic: Clinic, users: dict, rng: random.Random):
        self.clinic = clinic
        self.rng = rng
        self.tz = zoneinfo.ZoneInfo(clinic.timezone)
        prefix = clinic.slug
        self.admin = users[f"{prefix}_admin"]
        self.physios = [u for name, u in sorted(users.items()) if name.startswith(f"{prefix}_physio")]
        self.muscles = {m.slug: m for m in Muscle.objects.all()}
        self.today = timezone.now().astimezone(self.tz).date()
        self.last_sessions: list[tuple[dt.datetime, Patient, object, object]] = []

    def run(self, patient_count: int, *, with_draft: bool) -> int:
        used_names = set()
        for index in range(patient_count):
            self._patient_course(index, used_names)
        if with_draft:
            self._draft_session()
        return patient_count

    def _at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        """A clinic-local wall-clock time as an aware datetime."""
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz)

    def _person(self, used_names: set) -> dict:
        rng = self.rng
        while True:
            sex = rng.choice(("female", "male"))
            given = rng.choice(FEMALE_NAMES if sex == "female" else MALE_NAMES)
            family = rng.choice(FAMILY_NAMES)
            if (given, family) not in used_names:
                used_names.add((given, family))
                break
        age = rng.randint(22, 78)
        dob = dt.date(self.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        return {
            "given_name": given,
            "family_name": family,
            "sex": sex,
            "date_of_birth": dob,
            "phone": f"555-01{rng.randint(0, 99):02d}",
            "email": f"{_ascii(given)}.{_ascii(family)}@example.org",
            "age": age,
        }

    def _precautions(self, person: dict) -> list[dict]:
        rng = self.rng
        found = [{"code": code, "note": note} for code, rate, note in PRECAUTION_RATES if rng.random() < rate]
        if person["sex"] == "female" and 22 <= person["age"] <= 42 and rng.random() < PREGNANCY_RATE:
            found.append({"code": "pregnancy", "note": "Second trimester; avoid lumbopelvic needling"})
        return found

    def _plan(self, presentation: Presentation, segments: tuple[str, ...], side: str) -> list[dict]:
        """Multifidus at the root level first, then 3–5 muscles of the same myotome."""
        rng = self.rng
        candidates = [
            m for m in muscles_for_segments(segments)
            if m.region in presentation.regions and not m.slug.startswith("multifidus") and not m.lung_field
        ]
        candidates.sort(key=lambda m: (presentation.regions.index(m.region), m.slug))
        chosen = rng.sample(candidates, k=min(len(candidates), rng.randint(3, 5)))
        chosen.sort(key=lambda m: (presentation.regions.index(m.region), m.slug))
        root = segments[-1] if presentation.multifidus == "multifidus-lumbar" else segments[0]
        plan = [
            {
                "muscle": self.muscles[_multifidus_for(root)],
                "side": side,
                "rationale": f"Paraspinal release at the {root} root level",
                "segment": root,
            }
        ]
        plan += [
            {"muscle": m, "side": side, "rationale": f"Myotome of {'-'.join(segments)}: taut, tender band"}
            for m in chosen
        ]
        return plan

    def _patient_course(self, index: int, used_names: set) -> None:
        rng = self.rng
        person = self._person(used_names)
        physio = self.physios[index % len(self.physios)]
        presentation = rng.choice(PRESENTATIONS)
        segments = rng.choice(presentation.segment_choices)
        side = rng.choice(("left", "right"))
        session_count = rng.randint(3, 10)
        # Courses end at different points of the last weeks, so the clinic looks alive.
        last_week_offset = rng.randint(0, 6)
        assessed_day = self.today - dt.timedelta(days=7 * (session_count - 1) + last_week_offset + 2)

        patient = services.patient_create(
            actor=self.admin if index % 3 == 0 else physio,
            clinic=self.clinic,
            precautions=self._precautions(person),
            **{k: v for k, v in person.items() if k != "age"},
        )
        services.consent_give(
            actor=physio, patient=patient, form_version=CONSENT_FORM,
            given_at=self._at(assessed_day, 8, 0),
        )
        plan = self._plan(presentation, segments, side)
        assessed_at = self._at(assessed_day, rng.randint(9, 15))
        baseline = rng.randint(5, 8)
        assessment = services.assessment_create(
            actor=physio,
            patient=patient,
            assessed_at=assessed_at,
            chief_complaint=presentation.complaint,
            history=presentation.history,
            affected_segments=list(segments),
            findings=[
                {
                    "muscle": item["muscle"], "side": side, "taut_band": True,
                    "tenderness": rng.randint(2, 3) if order == 0 else rng.randint(1, 3),
                    "notes": "Taut band, reproduces familiar pain" if order < 2 else "",
                }
                for order, item in enumerate(plan)
            ],
            plan=[{k: v for k, v in item.items() if k != "segment"} for item in plan],
            segmental_signs=_demo_segmental_signs(segments, random.Random(f"signs-{index}")),
        )
        services.pain_score_record(
            actor=physio, patient=patient, assessment=assessment, moment=PainMoment.BASELINE,
            score=baseline, region=presentation.pain_region, recorded_at=assessed_at,
        )
        services.assessment_sign(actor=physio, assessment=assessment)

        # Twitch grade per planned muscle (3 = strong contraction); it only ever fades.
        grades = [3 if order == 0 else rng.choice((2, 3, 3)) for order in range(len(plan))]
        goal = rng.randint(0, 2)
        pain = baseline
        session = None
        for number in range(1, session_count + 1):
            if number == 1:
                # The first needling follows the assessment in the same visit.
                started_at = assessed_at + dt.timedelta(minutes=50)
            else:
                day = assessed_day + dt.timedelta(days=7 * (number - 1) + rng.choice((0, 0, 1)))
                started_at = self._at(day, rng.randint(8, 16), rng.choice((0, 15, 30, 45)))
            # Pain before treatment falls towards the goal, with a little week-to-week noise.
            progress = number / session_count
            pre = round(baseline - (baseline - goal) * (progress - 1 / session_count) + rng.choice((-1, 0, 0, 1)))
            pre = max(goal, min(pain + 1, pre, 10))
            post = max(0, pre - rng.randint(1, 3))
            pain = pre
            targeted = self._targets(plan, grades, presentation, progress)
            adverse = [
                {"kind": kind, "severity": "mild", "notes": ADVERSE_NOTES[kind]}
                for kind, rate in ADVERSE_RATES
                if rng.random() < rate
            ]
            needles = sum(2 if t["side"] == "bilateral" else 1 for t in targeted)
            session = services.session_record(
                actor=physio,
                patient=patient,
                assessment=assessment,
                started_at=started_at,
                targeted_muscles=targeted,
                pain_scores=[
                    {"moment": PainMoment.PRE_SESSION, "score": pre, "region": presentation.pain_region,
                     "recorded_at": started_at},
                    {"moment": PainMoment.POST_SESSION, "score": post, "region": presentation.pain_region,
                     "recorded_at": started_at + dt.timedelta(minutes=40)},
                ],
                adverse_events=adverse,
                needles_used=needles,
                needles_removed=needles,
                exercises=rng.choice(EXERCISES),
                notes=f"Session {number}: {'-'.join(segments)} pattern, {side} side.",
            )
            services.session_sign(actor=physio, session=session)
            _demo_outcomes(physio, patient, assessment, session, plan, grades, number, session_count,
                           random.Random(f"outcomes-{index}-{number}"))
            for position in range(len(grades)):
                # A muscle that released tends to respond less next time: the twitch fades.
                if grades[position] > 0 and rng.random() < 0.45:
                    grades[position] -= 1
        self.last_sessions.append((session.started_at, patient, assessment, physio))

    def _targets(self, plan: list[dict], grades: list[int], presentation: Presentation, progress: float) -> list:
        rng = self.rng
        rows = []
        for position, item in enumerate(plan):
            # Occasionally a peripheral muscle is left out (time, tolerance): plan adherence varies.
            if position > 0 and rng.random() < 0.12:
                continue
            grade = grades[position]
            if grade == 3:
                outcome = "partial" if rng.random() < 0.6 else "not_released"
            elif grade == 2:
                outcome = "released" if rng.random() < 0.5 + progress / 2 else "partial"
            else:
                outcome = "released"
            row = {
                "muscle": item["muscle"],
                "side": item["side"],
                "twitch_response": TWITCH_LADDER[grade],
                "twitch_count": rng.randint(2, 8) if grade >= 2 else None,
                "outcome": outcome,
                "needle_length_mm": 40 if presentation.needle_mm == 30 and position == 0 else presentation.needle_mm,
                "needle_diameter_mm": "0.30" if presentation.needle_mm >= 50 else "0.25",
            }
            if "segment" in item and item["segment"] in SEGMENTS:
                row["segment"] = item["segment"]
            rows.append(row)
        return rows

    def _draft_session(self) -> None:
        """An unsigned note in the patient seen most recently, as if the physio is writing it now."""
        if not self.last_sessions:
            return
        last_at, patient, assessment, physio = max(self.last_sessions, key=lambda row: row[0])
        now = timezone.now()
        started_at = max(last_at + dt.timedelta(days=1), now - dt.timedelta(hours=1))
        started_at = min(started_at, now)
        number = TreatmentSession.objects.filter(patient=patient).count()
        muscle = assessment.plan.order_by("order").select_related("muscle").first()
        services.session_record(
            actor=physio,
            patient=patient,
            assessment=assessment,
            started_at=started_at,
            targeted_muscles=[
                {"muscle": muscle.muscle, "side": muscle.side, "twitch_response": "needle_grasp",
                 "outcome": "released"},
            ],
            pain_scores=[{"moment": PainMoment.PRE_SESSION, "score": 2, "recorded_at": started_at}],
            needles_used=1,
            needles_removed=1,
            notes=f"Follow-up to session {number}: draft, not yet signed.",
        )
