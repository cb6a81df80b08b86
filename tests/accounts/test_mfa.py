"""MFA (django-otp): enrolment, the sign-in gate, the token endpoint's `otp`, recovery codes, reset, lockout."""

import io
import re

import pyotp
import pytest
from django.core.cache import cache, caches
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import mfa
from accounts.models import ApiToken
from records.models import AuditEvent
from tests.api.conftest import token_client

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _clear_cache(db):
    # The token endpoint's throttles count in the shared cache; the rest in the local one.
    for each in (cache, caches["shared"]):
        each.clear()
    yield
    for each in (cache, caches["shared"]):
        each.clear()


def enrol(user) -> tuple[pyotp.TOTP, list[str]]:
    """Enrol ``user`` through the services; returns their authenticator and recovery codes."""
    device = mfa.totp_begin(actor=user)
    totp = pyotp.TOTP(mfa.totp_secret(device))
    codes = mfa.totp_confirm(actor=user, device=device, code=totp.now())
    # The code used to confirm may not be used again: later tests take the next time step.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    return totp, codes


def obtain(body):
    return APIClient().post("/api/v1/auth/token/", body, format="json")


def test_enrolment_confirms_with_a_code_and_gives_ten_recovery_codes(physio):
    device = mfa.totp_begin(actor=physio)
    secret = mfa.totp_secret(device)
    assert re.fullmatch(r"[A-Z2-7]+=*", secret) and f"secret={secret}" in device.config_url
    assert device.config_url.startswith("otpauth://totp/IMS%20Records%3Aphysio?")
    from records.exceptions import InvalidInput

    with pytest.raises(InvalidInput) as wrong:
        mfa.totp_confirm(actor=physio, device=device, code="000000" if pyotp.TOTP(secret).now() != "000000" else "1")
    assert "otp" in wrong.value.errors and not mfa.mfa_enabled(physio)
    codes = mfa.totp_confirm(actor=physio, device=device, code=pyotp.TOTP(secret).now())
    assert len(codes) == 10 and len(set(codes)) == 10 and mfa.mfa_enabled(physio)
    assert AuditEvent.objects.filter(action="mfa_enrol", object_id=str(physio.pk)).exists()


def test_token_endpoint_needs_otp_once_enrolled(physio):
    totp, codes = enrol(physio)
    response = obtain({"username": "physio", "password": PASSWORD})
    assert response.status_code == 401 and response.json()["error"]["code"] == "otp_required"
    wrong = obtain({"username": "physio", "password": PASSWORD, "otp": "12345x"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "otp_invalid"
    assert not ApiToken.objects.filter(user=physio).exists()
    code = totp.now()
    ok = obtain({"username": "physio", "password": PASSWORD, "otp": code})
    assert ok.status_code == 200 and ok.json()["token"]
    reused = obtain({"username": "physio", "password": PASSWORD, "otp": code})
    assert reused.status_code == 401 and reused.json()["error"]["code"] == "otp_invalid"
    caches["shared"].clear()  # the endpoint's rate limit, not what is under test
    recovery = obtain({"username": "physio", "password": PASSWORD, "otp": codes[0]})
    assert recovery.status_code == 200
    assert StaticToken.objects.filter(device__user=physio).count() == 9
    cache.clear()
    again = obtain({"username": "physio", "password": PASSWORD, "otp": codes[0]})
    assert again.json()["error"]["code"] == "otp_invalid"


def test_wrong_password_with_mfa_says_nothing_about_otp(physio):
    enrol(physio)
    response = obtain({"username": "physio", "password": "wrong", "otp": "123456"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "authentication_failed"


def test_unenrolled_admin_of_a_require_mfa_clinic_gets_no_token(clinic, clinic_admin, physio):
    clinic.require_mfa = True
    clinic.save(update_fields=["require_mfa"])
    response = obtain({"username": "clinicadmin", "password": PASSWORD})
    assert response.status_code == 403 and response.json()["error"]["code"] == "mfa_enrollment_required"
    assert not ApiToken.objects.exists()
    # Only clinic admins must enrol; a physiotherapist of the same clinic gets a token.
    assert obtain({"username": "physio", "password": PASSWORD}).status_code == 200


def test_wrong_codes_lock_the_account_like_wrong_passwords(physio, settings):
    from axes.models import AccessAttempt

    totp, _ = enrol(physio)
    statuses = [obtain({"username": "physio", "password": PASSWORD, "otp": "000000x"}).status_code
                for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses[:-1] == [401] * (settings.AXES_FAILURE_LIMIT - 1) and statuses[-1] in (401, 429)
    assert AccessAttempt.objects.get(username="physio").failures_since_start == settings.AXES_FAILURE_LIMIT
    caches["shared"].clear()  # lift the endpoint's rate limit: the lockout alone must refuse now
    locked = obtain({"username": "physio", "password": PASSWORD, "otp": totp.now()})
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "locked_out"


def test_wrong_codes_on_the_web_lock_out_too(physio, settings):
    totp, _ = enrol(physio)
    browser = Client()
    web_login(browser)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        browser.post("/accounts/mfa/verify/", {"otp": "000000x"})
    response = browser.post("/accounts/mfa/verify/", {"otp": totp.now()})
    assert response.status_code == 429
    assert browser.get("/patients/").status_code == 302  # signed out
    assert web_login(Client()).status_code == 429  # and the password step is locked as well


def web_login(client, username="physio", password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_web_sign_in_asks_for_the_code_before_any_page(physio, patient):
    totp, codes = enrol(physio)
    browser = Client()
    assert web_login(browser).status_code == 302
    page = browser.get(f"/patients/{patient.pk}/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/mfa/verify/")
    assert browser.get("/api/v1/patients/").json()["error"]["code"] == "otp_required"
    assert browser.get("/admin/").status_code == 302
    assert not AuditEvent.objects.filter(action="view").exists()  # no patient data reached
    wrong = browser.post("/accounts/mfa/verify/", {"otp": "99999x"})
    assert wrong.status_code == 400 and b"wrong" in wrong.content
    done = browser.post("/accounts/mfa/verify/", {"otp": totp.now(), "next": f"/patients/{patient.pk}/"})
    assert done.status_code == 302 and done["Location"] == f"/patients/{patient.pk}/"
    assert browser.get(f"/patients/{patient.pk}/").status_code == 200
    # A recovery code works as the second factor too.
    other = Client()
    web_login(other)
    assert other.post("/accounts/mfa/verify/", {"otp": codes[3]}).status_code == 302
    assert other.get("/patients/").status_code == 200


def test_unenrolled_admin_is_taken_to_enrolment_and_sees_nothing_until_enrolled(clinic, clinic_admin, patient):
    clinic.require_mfa = True
    clinic.save(update_fields=["require_mfa"])
    browser = Client()
    web_login(browser, "clinicadmin")
    for path in ("/patients/", f"/patients/{patient.pk}/", "/staff/", "/admin/"):
        response = browser.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/mfa/setup/"), path
    assert browser.get("/api/v1/patients/").json()["error"]["code"] == "mfa_enrollment_required"
    page = browser.get("/accounts/mfa/setup/")
    assert page.status_code == 200
    html = page.content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7=]+)<', html).group(1)
    assert re.search(r'id="totp-uri"[^>]*>otpauth://totp/[^<]*secret=' + secret, html)
    assert 'src="data:image/svg+xml;base64,' in html
    done = browser.post("/accounts/mfa/setup/", {"otp": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and len(re.findall(r"<li><code>", done.content.decode())) == 10
    assert browser.get("/patients/").status_code == 200


def test_admin_resets_a_staff_members_mfa(physio, clinic_admin):
    admin_client = token_client(clinic_admin)
    enrol(physio)
    response = admin_client.post(f"/api/v1/staff/{physio.pk}/mfa-reset/")
    assert response.status_code == 200 and response.json()["mfa_enabled"] is False
    assert not TOTPDevice.objects.filter(user=physio).exists()
    assert not StaticToken.objects.filter(device__user=physio).exists()
    event = AuditEvent.objects.get(action="mfa_reset")
    assert (event.actor, event.object_id) == (clinic_admin, str(physio.pk))
    assert obtain({"username": "physio", "password": PASSWORD}).status_code == 200


def test_mfa_reset_command(physio):
    enrol(physio)
    out = io.StringIO()
    call_command("mfa_reset", "physio", stdout=out)
    assert "Removed 2 MFA device(s)" in out.getvalue() and not mfa.mfa_enabled(physio)
    assert AuditEvent.objects.get(action="mfa_reset").route == "command mfa_reset"
    with pytest.raises(CommandError):
        call_command("mfa_reset", "nobody", stdout=io.StringIO())


def test_staff_list_shows_mfa_state(clinic_admin, physio):
    enrol(physio)
    items = {i["username"]: i for i in token_client(clinic_admin).get("/api/v1/staff/").json()["results"]}
    assert items["physio"]["mfa_enabled"] is True and items["clinicadmin"]["mfa_enabled"] is False


def test_physio_cannot_reset_anothers_mfa(physio, physio2):
    enrol(physio2)
    response = token_client(physio).post(f"/api/v1/staff/{physio2.pk}/mfa-reset/")
    assert response.status_code == 403 and mfa.mfa_enabled(physio2)
