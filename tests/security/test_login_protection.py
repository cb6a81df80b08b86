"""Login protection: lockout after repeated failures (web login and API token endpoint),
session expiry after inactivity, password rules, and deactivation of a staff account."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.cache import cache, caches
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken
from accounts.services import token_issue
from records.choices import AuditAction
from records.exceptions import NotPermitted, RuleViolation
from records.models import AuditEvent

PASSWORD = "correct horse battery staple"  # the factories' password


def web_login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def token_login(client, username, password):
    cache.clear()  # the endpoint's rate limit is tested by the API; here only the lockout counts
    caches["shared"].clear()
    return client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, content_type="application/json"
    )


def test_web_login_locks_out_after_repeated_failures(physio):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = web_login(client, "physio", "wrong password!")
        assert response.status_code == 200  # the form again, with its error
    response = web_login(client, "physio", "wrong password!")
    assert response.status_code == 429
    response = web_login(client, "physio", PASSWORD)  # the right password no longer helps
    assert response.status_code == 429
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME * 3600
    assert "_auth_user_id" not in client.session


def test_web_login_success_resets_the_count(physio):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        web_login(client, "physio", "wrong password!")
    assert web_login(client, "physio", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert web_login(client, "physio", "wrong password!").status_code == 200
    assert web_login(client, "physio", PASSWORD).status_code == 302


def test_lockout_is_per_username_and_address(physio, physio2):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        web_login(Client(), "physio", "wrong password!")
    assert web_login(Client(), "physio", PASSWORD).status_code == 429
    assert web_login(Client(), "physio2", PASSWORD).status_code == 302
    assert web_login(Client(REMOTE_ADDR="10.9.8.7"), "physio", PASSWORD).status_code == 302


def test_token_endpoint_locks_out_after_repeated_failures(physio):
    client = Client()
    assert token_login(client, "physio", PASSWORD).status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert token_login(client, "physio", "wrong password!").status_code == 401
    response = token_login(client, "physio", "wrong password!")
    assert response.status_code == 429
    response = token_login(client, "physio", PASSWORD)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked_out"
    assert "Retry-After" in response
    assert ApiToken.objects.filter(user=physio).count() == 1  # only the one before the lockout


def test_sessions_expire_after_30_minutes_idle_by_default():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_an_idle_session_is_logged_out(physio):
    client = Client()
    client.force_login(physio)
    assert client.get("/patients/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/patients/")
    assert response.status_code == 302
    assert response["Location"].startswith(settings.LOGIN_URL)


def test_activity_renews_the_session(physio):
    client = Client()
    client.force_login(physio)
    Session.objects.update(expire_date=timezone.now() + dt.timedelta(seconds=60))
    client.get("/patients/")
    expiry = Session.objects.get().expire_date
    assert expiry > timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


@pytest.mark.parametrize("password", ["Kq7!vx2#Lp9", "password1234", "123456789012345"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_uncommon_password_is_accepted():
    validate_password("tibialis-anterior-release-42")


def test_clinic_admin_deactivates_staff_and_their_tokens_and_sessions_end(clinic_admin, physio, physio2):
    raw, _token = token_issue(actor=physio, user=physio)
    api = Client(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/patients/").status_code == 200
    browser = Client()
    browser.force_login(physio)
    other = Client()
    other.force_login(physio2)
    assert browser.get("/patients/").status_code == 200

    services.staff_deactivate(actor=clinic_admin, user=physio)

    physio.refresh_from_db()
    assert physio.is_active is False
    assert api.get("/api/v1/patients/").status_code == 401
    assert not ApiToken.objects.filter(user=physio).exists()
    assert browser.get("/patients/").status_code == 302  # the session is gone: back to the login page
    assert other.get("/patients/").status_code == 200  # other staff are untouched
    assert len([s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(physio.pk)]) == 0
    assert web_login(Client(), "physio", PASSWORD).status_code == 200  # the form again: inactive
    event = AuditEvent.objects.get(action=AuditAction.STAFF_DEACTIVATE)
    assert (event.actor, event.object_id) == (clinic_admin, str(physio.pk))
    assert event.clinic_id == physio.membership.clinic_id
    assert event.after["tokens_revoked"] == 1 and event.after["sessions_ended"] == 1
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKE, actor=clinic_admin).count() == 1


def test_only_a_clinic_admin_of_the_same_clinic_may_deactivate(physio, physio2, reader, other_admin, clinic_admin):
    for actor in (physio2, reader, other_admin):
        with pytest.raises(NotPermitted):
            services.staff_deactivate(actor=actor, user=physio)
    with pytest.raises(RuleViolation):
        services.staff_deactivate(actor=clinic_admin, user=clinic_admin)
    physio.refresh_from_db()
    assert physio.is_active is True
    assert not AuditEvent.objects.filter(action=AuditAction.STAFF_DEACTIVATE).exists()


def test_clinic_admin_deactivates_staff_from_the_admin(clinic_admin, physio):
    clinic_admin.is_staff = True
    clinic_admin.save(update_fields=["is_staff"])
    raw, _token = token_issue(actor=physio, user=physio)
    client = Client()
    client.force_login(clinic_admin)
    response = client.post(
        "/admin/records/membership/",
        {"action": "deactivate_staff", "_selected_action": [str(physio.membership.pk)]},
    )
    assert response.status_code == 302
    physio.refresh_from_db()
    assert physio.is_active is False
    assert Client(HTTP_AUTHORIZATION=f"Token {raw}").get("/api/v1/patients/").status_code == 401
