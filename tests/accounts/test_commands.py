"""create_clinic (DESIGN §9) and seed_demo keeping what is there (issue 12, point 6)."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from records.models import AuditEvent, Clinic, Membership, NeedlingAuthorisation

pytestmark = pytest.mark.django_db
User = get_user_model()


def create(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_clinic", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_create_clinic_makes_clinic_admin_and_invitation(settings):
    settings.SITE_URL = "https://records.example.org/"
    url, note = create("harbour-physio", "--name", "Harbour Physio", "--timezone", "America/Vancouver",
                       "--admin", "hana", "--email", "hana@harbour.example")
    clinic = Clinic.objects.get(slug="harbour-physio")
    assert (clinic.name, clinic.timezone, clinic.require_mfa) == ("Harbour Physio", "America/Vancouver", True)
    admin = User.objects.get(username="hana")
    assert Membership.objects.get(user=admin).role == "clinic_admin" and admin.is_staff and not admin.is_superuser
    assert not admin.has_usable_password() and admin.email == "hana@harbour.example"
    assert url.startswith("https://records.example.org/accounts/link/") and "72 hours" in note
    assert {e.action for e in AuditEvent.objects.filter(clinic=clinic)} == {"clinic_create", "staff_create"}
    path = url.removeprefix("https://records.example.org")
    browser = Client()
    assert browser.post(path, {"new_password1": "harbour admin pass 1",
                               "new_password2": "harbour admin pass 1"}).status_code == 302
    # MFA is required of this clinic's admins: the first page is the enrolment.
    response = browser.get("/patients/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/mfa/setup/")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["dup", "--name", "X", "--timezone", "UTC", "--admin", "fresh"], "slug"),
        (["fresh", "--name", "X", "--timezone", "UTC", "--admin", "taken"], "admin"),
        (["fresh", "--name", "X", "--timezone", "Mars/Olympus", "--admin", "fresh"], "timezone"),
        (["Not A Slug", "--name", "X", "--timezone", "UTC", "--admin", "fresh"], "slug"),
    ],
)
def test_create_clinic_refuses_with_a_clear_message(args, message):
    create("dup", "--name", "Dup", "--timezone", "UTC", "--admin", "taken")
    clinics, users = Clinic.objects.count(), User.objects.count()
    with pytest.raises(CommandError, match=f"Nothing was created. {message}:"):
        create(*args)
    assert (Clinic.objects.count(), User.objects.count()) == (clinics, users)


def test_create_clinic_exit_status_is_1():
    from django.core.management import ManagementUtility

    create("dup", "--name", "Dup", "--timezone", "UTC", "--admin", "taken")
    # The exit status a shell sees (CommandError → 1), run as `manage.py` runs it.
    utility = ManagementUtility(["manage.py", "create_clinic", "dup", "--name", "D", "--timezone", "UTC",
                                 "--admin", "other"])
    with pytest.raises(SystemExit) as exited:
        utility.execute()
    assert exited.value.code == 1


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_keeps_passwords_roles_and_deactivations():
    from records.management.commands.seed_demo import DEFAULT_PASSWORD

    first = seed()
    assert f"demo_physio    {DEFAULT_PASSWORD}" in first
    physio = User.objects.get(username="demo_physio")
    physio.set_password("my own password 123")
    physio.save()
    User.objects.filter(username="demo_physio2").update(is_active=False)
    Membership.objects.filter(user__username="demo_reader").update(role="physiotherapist")
    browser = Client()
    browser.force_login(physio)
    session_key = browser.session.session_key

    second = seed()
    physio.refresh_from_db()
    assert physio.check_password("my own password 123") and "(password kept)" in second
    assert not User.objects.get(username="demo_physio2").is_active
    assert Membership.objects.get(user__username="demo_reader").role == "physiotherapist"
    assert browser.get("/patients/").status_code == 200 and browser.session.session_key == session_key
    assert not Clinic.objects.get(slug="demo").require_mfa

    seed("--password", "lumbar-multifidus-42")
    physio.refresh_from_db()
    assert physio.check_password("lumbar-multifidus-42")
    assert not User.objects.get(username="demo_physio2").is_active  # --password never re-activates


def test_seed_demo_authorises_physios_before_every_demo_session():
    seed()
    today = timezone.localdate()
    for username in ("demo_physio", "demo_physio2", "second_physio"):
        (authorisation,) = NeedlingAuthorisation.objects.filter(user__username=username)
        assert authorisation.granted_on <= today - dt.timedelta(days=365 * 5)
        assert authorisation.expires_on > today + dt.timedelta(days=365)
    assert not NeedlingAuthorisation.objects.filter(user__username__in=["demo_admin", "demo_reader"]).exists()
    seed()
    assert NeedlingAuthorisation.objects.count() == 3
