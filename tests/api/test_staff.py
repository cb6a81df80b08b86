"""staff/ (DESIGN §9): clinic admins manage their clinic's staff; every refusal is a clear 400/403/404."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import token_issue
from records.choices import Role
from records.models import AuditEvent, Membership, NeedlingAuthorisation
from tests.api.conftest import record_session, session_payload, token_client
from tests.factories import make_user

User = get_user_model()

INVITE = {"username": "newphysio", "first_name": "Noor", "last_name": "Haddad", "email": "noor@harbour.example",
          "role": "physiotherapist"}


def staff_url(user=None, suffix=""):
    return f"/api/v1/staff/{user.pk}/{suffix}" if user is not None else "/api/v1/staff/"


def endpoints(target):
    """Every staff endpoint with a request that would succeed for a clinic admin."""
    return [
        ("get", staff_url(), None),
        ("post", staff_url(), INVITE),
        ("get", staff_url(target), None),
        ("patch", staff_url(target), {"first_name": "Pat"}),
        ("post", staff_url(target, "deactivate/"), None),
        ("post", staff_url(target, "reactivate/"), None),
        ("post", staff_url(target, "password-reset/"), None),
        ("get", staff_url(target, "authorisations/"), None),
        ("post", staff_url(target, "authorisations/"), {"kind": "ims", "granted_on": "2020-01-01"}),
        ("post", staff_url(target, "revoke-tokens/"), None),
        ("post", staff_url(target, "mfa-reset/"), None),
    ]


def etag(client, user):
    return client.get(staff_url(user))["ETag"]


def call(client, method, url, body, if_match='"stale"'):
    headers = {"HTTP_IF_MATCH": if_match} if method == "patch" else {}
    return getattr(client, method)(url, body, format="json", **headers) if body is not None else getattr(
        client, method)(url, **headers)


@pytest.mark.parametrize("index", range(11))
def test_role_matrix(index, clinic_admin, physio, reader, physio2, other_admin, api_client):
    """Clinic admins succeed; physiotherapists and readers 403; another clinic's admin 404; anonymous 401."""
    method, url, body = endpoints(physio2)[index]
    for user, expected in ((physio, 403), (reader, 403)):
        response = call(token_client(user), method, url, body)
        assert response.status_code == expected, (user.username, response.content)
        assert response.json()["error"]["code"] == "permission_denied"
    other = call(token_client(other_admin), method, url, body)
    assert other.status_code == (200 if url == "/api/v1/staff/" and method == "get" else
                                 201 if url == "/api/v1/staff/" else 404), other.content
    if url == "/api/v1/staff/" and method == "get":
        assert physio2.username not in [item["username"] for item in other.json()["results"]]
    assert call(api_client, method, url, body).status_code == 401
    User.objects.filter(username=INVITE["username"]).delete()
    admin = token_client(clinic_admin)
    response = call(admin, method, url, body, if_match=etag(admin, physio2))
    assert response.status_code in (200, 201), response.content


def test_list_shows_each_staff_member(admin_client, clinic_admin, physio, reader, other_physio):
    response = admin_client.get("/api/v1/staff/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    items = {item["username"]: item for item in response.json()["results"]}
    assert set(items) == {"clinicadmin", "physio", "reader"}
    item = items["physio"]
    assert set(item) == {"id", "username", "first_name", "last_name", "email", "role", "is_active", "mfa_enabled",
                         "last_login", "authorisations"}
    assert (item["id"], item["role"], item["is_active"], item["mfa_enabled"]) == (physio.pk, "physiotherapist",
                                                                                   True, False)
    assert item["authorisations"][0]["kind"] == "ims" and item["authorisations"][0]["current"] is True
    assert items["reader"]["authorisations"] == []


def test_staff_id_is_the_practitioner_id_of_sessions(admin_client, physio_client, physio, patient):
    session = physio_client.post("/api/v1/sessions/", session_payload(patient), format="json").json()
    assert admin_client.get(f"/api/v1/staff/{session['practitioner']}/").json()["username"] == "physio"


def test_staff_list_query_count_does_not_grow(admin_client, clinic, django_assert_num_queries):
    for index in range(3):
        make_user(clinic=clinic, username=f"extra{index}")
    with django_assert_num_queries(3):  # token+user+membership+clinic; staff; authorisations
        first = admin_client.get("/api/v1/staff/")
    for index in range(3, 15):
        make_user(clinic=clinic, username=f"extra{index}")
    with django_assert_num_queries(3):
        second = admin_client.get("/api/v1/staff/")
    assert len(second.json()["results"]) == len(first.json()["results"]) + 12


def test_invite_creates_an_account_with_a_one_time_link(admin_client, clinic, clinic_admin, settings):
    settings.SITE_URL = "https://records.example.org"
    response = admin_client.post("/api/v1/staff/", INVITE, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    user = User.objects.get(username="newphysio")
    assert body["id"] == user.pk and body["role"] == "physiotherapist" and body["is_active"] is True
    assert body["invitation_url"].startswith("https://records.example.org/accounts/link/")
    assert not user.has_usable_password() and user.membership.clinic == clinic and not user.is_staff
    event = AuditEvent.objects.get(action="staff_create")
    assert (event.actor, event.object_id, event.after["role"]) == (clinic_admin, str(user.pk), "physiotherapist")

    path = body["invitation_url"].removeprefix("https://records.example.org")
    browser = Client()
    assert browser.get(path).status_code == 200
    done = browser.post(path, {"new_password1": "a long new password 42", "new_password2": "a long new password 42"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a long new password 42")
    assert browser.get("/patients/").status_code == 200  # signed in
    again = Client().post(path, {"new_password1": "another long one 4242", "new_password2": "another long one 4242"})
    assert again.status_code == 400 and b"cannot be used" in again.content  # single use
    user.refresh_from_db()
    assert user.check_password("a long new password 42")


def test_invitation_link_expires_after_72_hours(admin_client, settings):
    url = admin_client.post("/api/v1/staff/", INVITE, format="json").json()["invitation_url"]
    path = url.split("8000", 1)[1] if "8000" in url else url
    from accounts.links import link_tokens

    real_now = link_tokens._now
    link_tokens._now = lambda: real_now() + dt.timedelta(hours=72, minutes=1)
    try:
        assert Client().get(path).status_code == 400
    finally:
        link_tokens._now = real_now
    link_tokens._now = lambda: real_now() + dt.timedelta(hours=71)
    try:
        assert Client().get(path).status_code == 200
    finally:
        link_tokens._now = real_now


def test_tampered_link_is_refused(admin_client):
    url = admin_client.post("/api/v1/staff/", INVITE, format="json").json()["invitation_url"]
    path = "/accounts/" + url.split("/accounts/", 1)[1]
    tampered = path[:-3] + ("a" if path[-3] != "a" else "b") + path[-2:]
    response = Client().post(tampered, {"new_password1": "a long new password 42",
                                        "new_password2": "a long new password 42"})
    assert response.status_code == 400
    assert not User.objects.get(username="newphysio").has_usable_password()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": "physio"}, "username"),
        ({"username": "PHYSIO"}, "username"),
        ({"email": "taken@harbour.example"}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"role": "superhero"}, "role"),
        ({"favourite": "x"}, "favourite"),
        ({"username": ""}, "username"),
    ],
)
def test_bad_invitations_are_400_naming_the_field(admin_client, physio, change, field):
    User.objects.filter(pk=physio.pk).update(email="taken@harbour.example")
    before = User.objects.count()
    response = admin_client.post("/api/v1/staff/", {**INVITE, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert User.objects.count() == before and not AuditEvent.objects.filter(action="staff_create").exists()


def test_same_email_in_another_clinic_is_fine(admin_client, other_physio):
    User.objects.filter(pk=other_physio.pk).update(email=INVITE["email"])
    assert admin_client.post("/api/v1/staff/", INVITE, format="json").status_code == 201


def test_patch_changes_role_and_names(admin_client, physio2, clinic_admin):
    url = staff_url(physio2)
    etag = admin_client.get(url)["ETag"]
    response = admin_client.patch(url, {"role": "clinic_admin", "last_name": "Ng"}, format="json",
                                  HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert (response.json()["role"], response.json()["last_name"]) == ("clinic_admin", "Ng")
    physio2.refresh_from_db()
    assert physio2.membership.role == "clinic_admin" and physio2.is_staff
    event = AuditEvent.objects.get(action="staff_update")
    assert event.before["role"] == "physiotherapist" and event.after["role"] == "clinic_admin"
    stale = admin_client.patch(url, {"first_name": "X"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "precondition_failed"
    for missing in ({}, {"HTTP_IF_MATCH": "*"}):
        refused = admin_client.patch(url, {"first_name": "X"}, format="json", **missing)
        assert refused.status_code == 428 and refused.json()["error"]["code"] == "precondition_required"
    physio2.refresh_from_db()
    assert physio2.first_name != "X"


@pytest.mark.parametrize(("change", "field"), [({"role": "chief"}, "role"), ({"username": "x"}, "username"),
                                                ({"email": "bad"}, "email")])
def test_bad_patch_is_400_and_changes_nothing(admin_client, physio2, change, field):
    response = admin_client.patch(staff_url(physio2), change, format="json",
                                  HTTP_IF_MATCH=etag(admin_client, physio2))
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    physio2.refresh_from_db()
    assert physio2.membership.role == "physiotherapist" and physio2.username == "physio2"


def test_the_last_active_admin_cannot_be_demoted(admin_client, clinic_admin, clinic):
    response = admin_client.patch(staff_url(clinic_admin), {"role": "physiotherapist"}, format="json",
                                  HTTP_IF_MATCH=etag(admin_client, clinic_admin))
    assert response.status_code == 400
    assert "last active clinic admin" in response.json()["error"]["fields"]["role"][0]
    assert Membership.objects.get(user=clinic_admin).role == Role.CLINIC_ADMIN
    second = make_user(clinic=clinic, role=Role.CLINIC_ADMIN, username="admin2")
    # With a second admin, demoting oneself is allowed; an inactive admin does not count.
    User.objects.filter(pk=second.pk).update(is_active=False)
    assert admin_client.patch(staff_url(clinic_admin), {"role": "physiotherapist"}, format="json",
                              HTTP_IF_MATCH=etag(admin_client, clinic_admin)).status_code == 400
    User.objects.filter(pk=second.pk).update(is_active=True)
    assert admin_client.patch(staff_url(clinic_admin), {"role": "physiotherapist"}, format="json",
                              HTTP_IF_MATCH=etag(admin_client, clinic_admin)).status_code == 200


def test_the_last_active_admin_cannot_be_deactivated(clinic_admin, db):
    from accounts.services import staff_deactivate
    from records.exceptions import InvalidInput

    root = User.objects.create_superuser("root", "root@example.org", "a long root password 1")
    with pytest.raises(InvalidInput) as refused:
        staff_deactivate(actor=root, user=clinic_admin)
    assert "is_active" in refused.value.errors
    clinic_admin.refresh_from_db()
    assert clinic_admin.is_active


def test_deactivating_oneself_is_refused(admin_client, clinic_admin):
    response = admin_client.post(staff_url(clinic_admin, "deactivate/"))
    assert response.status_code == 409 and "your own account" in response.json()["error"]["message"]


def test_deactivate_and_reactivate(admin_client, physio, clinic_admin):
    raw, _ = token_issue(actor=physio, user=physio)
    browser = Client()
    browser.force_login(physio)
    response = admin_client.post(staff_url(physio, "deactivate/"))
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert not ApiToken.objects.filter(user=physio).exists()
    assert Client(HTTP_AUTHORIZATION=f"Token {raw}").get("/api/v1/patients/").status_code == 401
    assert browser.get("/patients/").status_code == 302
    response = admin_client.post(staff_url(physio, "reactivate/"))
    assert response.status_code == 200 and response.json()["is_active"] is True
    physio.refresh_from_db()
    assert physio.is_active
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="staff_").order_by("at")] == [
        "staff_deactivate", "staff_reactivate"]


def test_password_reset_link(admin_client, physio, clinic_admin):
    raw, _ = token_issue(actor=physio, user=physio)
    response = admin_client.post(staff_url(physio, "password-reset/"))
    assert response.status_code == 200
    url = response.json()["reset_url"]
    path = "/accounts/" + url.split("/accounts/", 1)[1]
    assert AuditEvent.objects.filter(action="staff_password_reset", object_id=str(physio.pk)).exists()
    browser = Client()
    assert browser.post(path, {"new_password1": "short", "new_password2": "short"}).status_code == 400
    done = browser.post(path, {"new_password1": "a fresh long password 7", "new_password2": "a fresh long password 7"})
    assert done.status_code == 302
    physio.refresh_from_db()
    assert physio.check_password("a fresh long password 7")
    # Resetting a password revokes the user's API tokens.
    assert Client(HTTP_AUTHORIZATION=f"Token {raw}").get("/api/v1/patients/").status_code == 401
    assert Client().get(path).status_code == 400  # used


def test_revoke_tokens(admin_client, physio):
    for _ in range(2):
        token_issue(actor=physio, user=physio)
    response = admin_client.post(staff_url(physio, "revoke-tokens/"))
    assert response.json() == {"tokens_revoked": 2}
    assert not ApiToken.objects.filter(user=physio).exists()


def test_authorisations(admin_client, physio2, clinic_admin):
    body = {"kind": "dry_needling", "regulator": "College of Physical Therapists of BC",
            "registration_number": "DN-123", "granted_on": "2024-03-01", "expires_on": "2027-02-28"}
    response = admin_client.post(staff_url(physio2, "authorisations/"), body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert {k: data[k] for k in body} == body
    row = NeedlingAuthorisation.objects.get(pk=data["id"])
    assert (row.user, row.created_by, row.granted_on) == (physio2, clinic_admin, dt.date(2024, 3, 1))
    assert AuditEvent.objects.filter(action="authorisation_create", object_id=str(row.pk)).exists()
    listed = admin_client.get(staff_url(physio2, "authorisations/")).json()
    assert {item["kind"] for item in listed} == {"ims", "dry_needling"}


@pytest.mark.parametrize(
    ("change", "field"),
    [({"expires_on": "2019-12-31"}, "expires_on"), ({"kind": "reiki"}, "kind"), ({"granted_on": None}, "granted_on"),
     ({"granted_on": "yesterday"}, "granted_on")],
)
def test_bad_authorisations_are_400(admin_client, physio2, change, field):
    before = NeedlingAuthorisation.objects.count()
    body = {"kind": "ims", "granted_on": "2020-01-01", **change}
    response = admin_client.post(staff_url(physio2, "authorisations/"), body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"], response.content
    assert NeedlingAuthorisation.objects.count() == before


def test_expiry_on_the_grant_day_is_accepted(admin_client, physio2):
    body = {"kind": "ims", "granted_on": "2020-01-01", "expires_on": "2020-01-01"}
    assert admin_client.post(staff_url(physio2, "authorisations/"), body, format="json").status_code == 201


# --- the needling-authorisation rule through the API ---------------------------------------


def _sign(client, session):
    return client.post(f"/api/v1/sessions/{session.pk}/sign/", HTTP_IF_MATCH=f'"{session.version}"')


def test_signing_without_an_authorisation_is_409(clinic, patient):
    unauthorised = make_user(clinic=clinic, username="newgrad", authorised=False)
    session = record_session(unauthorised, patient)
    response = _sign(token_client(unauthorised), session)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "authorisation_required"
    session.refresh_from_db()
    assert session.status == "draft"


def test_authorisation_must_cover_the_sessions_date(clinic, patient):
    """Back-dated sessions need an authorisation current on their own (clinic-local) date."""
    from tests.factories import make_authorisation

    user = make_user(clinic=clinic, username="locum", authorised=False)
    today = timezone.localdate()
    make_authorisation(user, granted_on=today - dt.timedelta(days=10), expires_on=today + dt.timedelta(days=300))
    old = record_session(user, patient, started_at=timezone.now() - dt.timedelta(days=21))
    assert _sign(token_client(user), old).json()["error"]["code"] == "authorisation_required"
    recent = record_session(user, patient, started_at=timezone.now() - dt.timedelta(days=2))
    assert _sign(token_client(user), recent).status_code == 200


def test_an_unneedled_session_signs_without_an_authorisation(clinic, patient):
    user = make_user(clinic=clinic, username="exercise", authorised=False)
    session = record_session(user, patient, slugs=(), needles_used=0, needles_removed=0)
    assert _sign(token_client(user), session).status_code == 200


def test_invitation_is_mailed_when_mail_is_configured(admin_client, settings, mailoutbox,
                                                      django_capture_on_commit_callbacks):
    settings.EMAIL_CONFIGURED = True
    with django_capture_on_commit_callbacks(execute=True):  # mailed once the invitation is committed
        url = admin_client.post("/api/v1/staff/", INVITE, format="json").json()["invitation_url"]
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [INVITE["email"]] and url in mailoutbox[0].body
    settings.EMAIL_CONFIGURED = False
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/api/v1/staff/", {**INVITE, "username": "second", "email": "s@harbour.example"},
                          format="json")
    assert len(mailoutbox) == 1  # not configured: only shown
