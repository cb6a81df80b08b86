"""factory_boy factories for the domain. Clinical rows built directly, for test setup only;
tests of behaviour go through the services."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from records.choices import Role
from records.models import Clinic, Consent, Membership, Muscle, Patient, Precaution

__all__ = [
    "ClinicFactory",
    "ConsentFactory",
    "PatientFactory",
    "PrecautionFactory",
    "UserFactory",
    "make_user",
    "muscle",
]


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A staff user with a membership; pass ``role`` and ``clinic``."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Alex"
    last_name = factory.Sequence(lambda n: f"Physio{n}")
    password = factory.django.Password("correct horse battery staple")



class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    chart_number = factory.Sequence(lambda n: f"T{n:05d}")
    given_name = "Jamie"
    family_name = factory.Sequence(lambda n: f"Patient{n}")
    date_of_birth = dt.date(1980, 5, 17)
    sex = "female"


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.SelfAttribute("patient.clinic")
    given_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))
    form_version = "IMS-2026-01"
    recorded_by = None


class PrecautionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Precaution

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.SelfAttribute("patient.clinic")
    code = "anticoagulants"
    note = ""


def make_user(*, clinic: Clinic, role: str = Role.PHYSIOTHERAPIST, username: str | None = None, **extra):
    """A staff user of ``clinic`` with ``role``."""
    user = UserFactory(username=username, **extra) if username else UserFactory(**extra)
    Membership.objects.update_or_create(user=user, defaults={"clinic": clinic, "role": role})
    user.refresh_from_db()
    return user


def muscle(slug: str) -> Muscle:
    """A catalogue muscle (loaded by the data migration)."""
    return Muscle.objects.get(slug=slug)
