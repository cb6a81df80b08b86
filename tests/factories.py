"""factory_boy factories for the domain. Clinical rows built directly, for test setup only;
tests of behaviour go through the services."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from records.choices import Role
from records.models import Clinic, Consent, Membership, Muscle, NeedlingAuthorisation, Patient, Precaution

__all__ = [
    "ClinicFactory",
    "ConsentFactory",
    "PatientFactory",
    "PrecautionFactory",
    "UserFactory",
    "make_authorisation",
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


def make_user(
    *, clinic: Clinic, role: str = Role.PHYSIOTHERAPIST, username: str | None = None, authorised: bool = True, **extra
):
    """A staff user of ``clinic`` with ``role``.

    Physiotherapists hold a needling authorisation (IMS, granted 2015, open-ended) so they
    can sign needled sessions; ``authorised=False`` leaves it out.
    """
    user = UserFactory(username=username, **extra) if username else UserFactory(**extra)
    Membership.objects.update_or_create(user=user, defaults={"clinic": clinic, "role": role})
    if authorised and role == Role.PHYSIOTHERAPIST:
        NeedlingAuthorisation.objects.get_or_create(
            user=user, clinic=clinic, kind="ims",
            defaults={"granted_on": dt.date(2015, 1, 1), "regulator": "Test College", "registration_number": "T-1"},
        )
    user.refresh_from_db()
    return user


def muscle(slug: str) -> Muscle:
    """A catalogue muscle (loaded by the data migration)."""
    return Muscle.objects.get(slug=slug)


def make_authorisation(user, *, granted_on: dt.date, expires_on: dt.date | None = None, kind: str = "dry_needling"):
    """A needling authorisation for ``user`` (test set-up; behaviour goes through the service)."""
    return NeedlingAuthorisation.objects.create(
        user=user, clinic=user.membership.clinic, kind=kind, granted_on=granted_on, expires_on=expires_on,
    )
