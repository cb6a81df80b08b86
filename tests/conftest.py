"""Fixtures shared by the whole suite: two clinics with staff of every role, a consenting patient."""

import datetime as dt

import pytest
from django.utils import timezone

from records.choices import Role
from records.models import sync_muscle_catalogue
from tests.factories import ClinicFactory, ConsentFactory, PatientFactory, make_user


@pytest.fixture
def clinic(db):
    return ClinicFactory(name="Harbour Physio", slug="harbour")


@pytest.fixture
def other_clinic(db):
    return ClinicFactory(name="Hillside Physio", slug="hillside")


@pytest.fixture
def physio(clinic):
    return make_user(clinic=clinic, role=Role.PHYSIOTHERAPIST, username="physio", first_name="Pat", last_name="Lee")


@pytest.fixture
def physio2(clinic):
    return make_user(clinic=clinic, role=Role.PHYSIOTHERAPIST, username="physio2")


@pytest.fixture
def clinic_admin(clinic):
    return make_user(clinic=clinic, role=Role.CLINIC_ADMIN, username="clinicadmin")


@pytest.fixture
def reader(clinic):
    return make_user(clinic=clinic, role=Role.API_READER, username="reader")


@pytest.fixture
def other_physio(other_clinic):
    return make_user(clinic=other_clinic, role=Role.PHYSIOTHERAPIST, username="otherphysio")


@pytest.fixture
def other_admin(other_clinic):
    return make_user(clinic=other_clinic, role=Role.CLINIC_ADMIN, username="otheradmin")


@pytest.fixture
def patient(clinic, physio):
    """A patient of ``clinic`` with a current consent."""
    patient = PatientFactory(clinic=clinic, given_name="Morgan", family_name="Quinlan")
    ConsentFactory(patient=patient, recorded_by=physio)
    return patient


@pytest.fixture
def patient_without_consent(clinic):
    return PatientFactory(clinic=clinic, given_name="Robin", family_name="Noconsent")


@pytest.fixture
def other_patient(other_clinic, other_physio):
    patient = PatientFactory(clinic=other_clinic, given_name="Sam", family_name="Elsewhere")
    ConsentFactory(patient=patient, recorded_by=other_physio)
    return patient


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def yesterday(now):
    return now - dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _muscle_catalogue_after_flush(request):
    """Transactional tests run last, each after a flush that empties every table — the
    catalogue loaded by the data migration too. Put it back before each of them."""
    marker = request.node.get_closest_marker("django_db")
    fixtures = request.fixturenames
    if "transactional_db" in fixtures or "live_server" in fixtures or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
        sync_muscle_catalogue()
