"""Tokens: issue (endpoint and command), hashed storage, expiry, revocation, throttling;
browser sessions with CSRF."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from knox.crypto import hash_token
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import token_issue, token_revoke, tokens_revoke_for_user
from records.models import AuditEvent

PASSWORD = "correct horse battery staple"  # tests/factories.py


def obtain(client, username="physio", password=PASSWORD):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


def test_obtain_token_stores_only_its_hash_and_works(api_client, physio):
    response = obtain(api_client)
    assert response.status_code == 200, response.content
    data = response.json()
    raw = data["token"]
    token = ApiToken.objects.get(user=physio)
    assert token.digest == hash_token(raw) and token.prefix == raw[:8] == data["prefix"]
    assert not ApiToken.objects.filter(digest=raw).exists() and raw not in token.token_key
    expires = dt.datetime.fromisoformat(data["expires_at"].replace("Z", "+00:00"))
    assert abs(expires - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(minutes=1)
    assert AuditEvent.objects.filter(action="token_issue", actor=physio).exists()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get("/api/v1/patients/").status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_ttl_comes_from_settings(api_client, physio, settings):
    settings.API_TOKEN_TTL_DAYS = 3
    data = obtain(api_client).json()
    expires = dt.datetime.fromisoformat(data["expires_at"].replace("Z", "+00:00"))
    assert abs(expires - (timezone.now() + dt.timedelta(days=3))) < dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("body", "status"),
    [({"username": "physio", "password": "wrong"}, 401), ({"username": "nobody", "password": "x"}, 401),
     ({"username": "physio"}, 400), ({"username": "physio", "password": PASSWORD, "remember": True}, 400)],
)
def test_bad_credentials_issue_nothing(api_client, physio, body, status):
    response = api_client.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == status
    assert not ApiToken.objects.exists()


def test_inactive_user_gets_no_token(api_client, physio):
    physio.is_active = False
    physio.save()
    assert obtain(api_client).status_code == 401
    assert not ApiToken.objects.exists()


def test_token_endpoint_is_throttled_against_guessing(api_client, physio):
    # The endpoint's rate limit (5/minute per address) and the login lockout (django-axes,
    # per username and address) both stop guessing; whichever comes first answers 429.
    statuses = [obtain(api_client, password="guess").status_code for _ in range(5)]
    assert statuses[:4] == [401] * 4 and statuses[4] in (401, 429)
    response = obtain(api_client)  # even the right password waits now
    assert response.status_code == 429
    assert response.json()["error"]["code"] in ("throttled", "locked_out") and int(response["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


def test_token_endpoint_rate_limit_alone(api_client, physio, settings):
    settings.AXES_ENABLED = False
    for _ in range(5):
        assert obtain(api_client, password="guess").status_code == 401
    response = obtain(api_client)
    assert response.status_code == 429 and response.json()["error"]["code"] == "throttled"


def test_guessing_one_username_from_many_addresses_is_throttled(physio, settings):
    for index in range(10):
        client = APIClient(REMOTE_ADDR=f"10.0.0.{index}")
        assert obtain(client, password="guess").status_code == 401
    response = obtain(APIClient(REMOTE_ADDR="10.0.1.1"))
    assert response.status_code == 429


def _client(raw):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def test_expired_revoked_and_inactive_tokens_are_401_with_reason(physio):
    raw, token = token_issue(actor=physio, user=physio)
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    response = _client(raw).get("/api/v1/patients/")
    assert response.status_code == 401 and "expired" in response.json()["error"]["message"]

    raw, token = token_issue(actor=physio, user=physio)
    token_revoke(actor=physio, token=token)
    response = _client(raw).get("/api/v1/patients/")
    # Revoked tokens are deleted (the audit trail keeps the revocation).
    assert response.status_code == 401 and response.json()["error"]["message"] == "Invalid token."
    assert not ApiToken.objects.filter(pk=token.pk).exists()

    raw, token = token_issue(actor=physio, user=physio)
    physio.is_active = False
    physio.save()
    response = _client(raw).get("/api/v1/patients/")
    assert response.status_code == 401 and "inactive" in response.json()["error"]["message"]


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token not-a-real-token"])
def test_malformed_or_unknown_token_is_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/patients/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_delete_revokes_the_token_in_use(physio):
    raw, token = token_issue(actor=physio, user=physio)
    other_raw, _ = token_issue(actor=physio, user=physio)
    client = _client(raw)
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert client.get("/api/v1/patients/").status_code == 401
    assert _client(other_raw).get("/api/v1/patients/").status_code == 200
    assert AuditEvent.objects.filter(action="token_revoke", actor=physio, object_id=token.prefix).exists()


def test_delete_without_a_token_is_refused(api_client, physio):
    assert api_client.delete("/api/v1/auth/token/").status_code == 401
    api_client.force_login(physio)
    assert api_client.delete("/api/v1/auth/token/").status_code == 400


def test_last_used_at_is_written_at_most_once_a_minute(physio):
    raw, token = token_issue(actor=physio, user=physio)
    client = _client(raw)
    client.get("/api/v1/muscles/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get("/api/v1/muscles/")
    token.refresh_from_db()
    assert token.last_used_at == first


def test_revoke_all_for_user(physio):
    for _ in range(3):
        token_issue(actor=physio, user=physio)
    assert tokens_revoke_for_user(actor=None, user=physio) == 3
    assert not ApiToken.objects.filter(user=physio).exists()
    assert AuditEvent.objects.filter(action="token_revoke").count() == 3


def test_issue_token_command(physio):
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_token", "physio", "--expires-days", "7", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(digest=hash_token(raw))
    assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=7))) < dt.timedelta(minutes=1)
    assert _client(raw).get("/api/v1/patients/").status_code == 200
    event = AuditEvent.objects.get(action="token_issue", object_id=token.prefix)
    assert event.route == "command issue_token" and event.actor is None
    with pytest.raises(CommandError):
        call_command("issue_token", "nobody", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("issue_token", "physio", "--expires-days", "0", stdout=io.StringIO())


def test_browser_session_needs_csrf_for_writes(physio, patient):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(physio)
    assert client.get("/api/v1/patients/").status_code == 200
    response = client.patch(f"/api/v1/patients/{patient.pk}/", {"phone": "1"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 403 and "CSRF" in response.json()["error"]["message"]
    patient.refresh_from_db()
    assert patient.phone == ""


def test_token_lookup_is_one_query_and_never_writes(physio, django_assert_num_queries):
    raw, token = token_issue(actor=physio, user=physio)
    client = _client(raw)
    client.get("/api/v1/muscles/?search=zzz-none")  # first use writes last_used_at once
    from api.authentication import ExpiringTokenAuthentication

    with django_assert_num_queries(1):
        user, found = ExpiringTokenAuthentication().authenticate_credentials(raw.encode())
    assert found.pk == token.pk and user.pk == physio.pk
    with django_assert_num_queries(0):
        assert user.membership.clinic.slug == "harbour"  # loaded with the token
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() + dt.timedelta(days=1))
    before = ApiToken.objects.get(pk=token.pk)
    client.get("/api/v1/muscles/?search=zzz-none")
    after = ApiToken.objects.get(pk=token.pk)
    assert (after.expiry, after.last_used_at) == (before.expiry, before.last_used_at)


def test_issuing_deletes_the_users_expired_tokens(physio):
    _, old = token_issue(actor=physio, user=physio)
    ApiToken.objects.filter(pk=old.pk).update(expiry=timezone.now() - dt.timedelta(days=1))
    token_issue(actor=physio, user=physio)
    assert ApiToken.objects.filter(user=physio).count() == 1 and not ApiToken.objects.filter(pk=old.pk).exists()
