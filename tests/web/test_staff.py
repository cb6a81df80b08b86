"""The Staff page, the account page, the no-clinic page and the authorisation rule on the pages and the admin."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import token_issue
from records.models import AuditEvent, NeedlingAuthorisation, TreatmentSession
from tests.factories import make_authorisation, make_user
from tests.web.conftest import row, session_post

User = get_user_model()
PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin_browser(client, clinic_admin):
    client.force_login(clinic_admin)
    return client


def test_staff_page_lists_staff_with_expiry_warnings(admin_browser, physio, physio2, other_physio):
    today = timezone.localdate()
    make_authorisation(physio2, granted_on=today - dt.timedelta(days=700), expires_on=today + dt.timedelta(days=20))
    unauthorised = make_user(clinic=physio.membership.clinic, username="newgrad", authorised=False)
    response = admin_browser.get("/staff/")
    assert response.status_code == 200
    html = response.content.decode()
    table = html.split('id="staff-table"')[1].split("</table>")[0]
    assert "physio" in table and "clinicadmin" in table and "otherphysio" not in table
    physio2_row = table.split(f"/staff/{physio2.pk}/")[1].split("</tr>")[0]
    assert f"expires {(today + dt.timedelta(days=20)).isoformat()}" in physio2_row
    assert "none: cannot sign needled sessions" in table.split(f"/staff/{unauthorised.pk}/")[1].split("</tr>")[0]
    assert "expires" not in table.split(f"/staff/{physio.pk}/")[1].split("</tr>")[0]
    assert 'href="/staff/"' in html  # header link for clinic admins


@pytest.mark.parametrize("who", ["physio", "reader"])
def test_staff_page_is_for_clinic_admins_only(client, physio, reader, who):
    client.force_login({"physio": physio, "reader": reader}[who])
    assert client.get("/staff/").status_code == 403
    assert client.get(f"/staff/{physio.pk}/").status_code == 403
    assert 'href="/staff/"' not in client.get("/patients/").content.decode()


def test_another_clinics_staff_member_is_404(admin_browser, other_physio):
    assert admin_browser.get(f"/staff/{other_physio.pk}/").status_code == 404
    assert admin_browser.post(f"/staff/{other_physio.pk}/deactivate/").status_code == 404
    other_physio.refresh_from_db()
    assert other_physio.is_active


def test_invite_shows_the_one_time_link(admin_browser, clinic):
    response = admin_browser.post("/staff/", {"username": "noor", "first_name": "Noor", "last_name": "H",
                                              "email": "noor@example.org", "role": "physiotherapist"})
    assert response.status_code == 200
    link = re.search(r'id="invite-link".*?<code class="wrap">([^<]+)</code>', response.content.decode(), re.S)
    assert link and "/accounts/link/" in link.group(1)
    assert User.objects.get(username="noor").membership.clinic == clinic
    refused = admin_browser.post("/staff/", {"username": "noor", "role": "physiotherapist"})
    assert refused.status_code == 400 and "This username is taken." in refused.content.decode()


def test_deactivate_asks_for_confirmation_then_reactivate(admin_browser, physio):
    raw, _ = token_issue(actor=physio, user=physio)
    confirm = admin_browser.get(f"/staff/{physio.pk}/deactivate/")
    assert confirm.status_code == 200 and "Deactivate physio?" in confirm.content.decode()
    physio.refresh_from_db()
    assert physio.is_active  # asking changes nothing
    assert admin_browser.post(f"/staff/{physio.pk}/deactivate/").status_code == 302
    physio.refresh_from_db()
    assert not physio.is_active and not ApiToken.objects.filter(user=physio).exists()
    assert admin_browser.post(f"/staff/{physio.pk}/reactivate/").status_code == 302
    physio.refresh_from_db()
    assert physio.is_active


def test_role_change_and_the_last_admin_rule(admin_browser, clinic_admin, physio2):
    assert admin_browser.post(f"/staff/{physio2.pk}/", {"action": "role", "role": "api_reader"}).status_code == 302
    physio2.refresh_from_db()
    assert physio2.membership.role == "api_reader"
    response = admin_browser.post(f"/staff/{clinic_admin.pk}/", {"action": "role", "role": "physiotherapist"})
    assert response.status_code == 400 and "last active clinic admin" in response.content.decode()
    clinic_admin.refresh_from_db()
    assert clinic_admin.membership.role == "clinic_admin"


def test_authorisation_form(admin_browser, physio2):
    bad = admin_browser.post(f"/staff/{physio2.pk}/", {"action": "authorisation", "kind": "ims",
                                                      "granted_on": "2024-05-01", "expires_on": "2024-04-30"})
    assert bad.status_code == 400 and "before the date it was granted" in bad.content.decode()
    assert NeedlingAuthorisation.objects.filter(user=physio2).count() == 1
    good = admin_browser.post(f"/staff/{physio2.pk}/", {"action": "authorisation", "kind": "dry_needling",
                                                       "regulator": "CPTBC", "granted_on": "2024-05-01"})
    assert good.status_code == 302 and NeedlingAuthorisation.objects.filter(user=physio2).count() == 2


def test_reset_link_revoke_tokens_and_mfa_reset_buttons(admin_browser, physio):
    token_issue(actor=physio, user=physio)
    page = admin_browser.post(f"/staff/{physio.pk}/reset-link/")
    assert page.status_code == 200 and "/accounts/link/" in page.content.decode()
    assert admin_browser.post(f"/staff/{physio.pk}/revoke-tokens/").status_code == 302
    assert not ApiToken.objects.filter(user=physio).exists()
    assert admin_browser.post(f"/staff/{physio.pk}/mfa-reset/").status_code == 302
    assert AuditEvent.objects.filter(action="mfa_reset", object_id=str(physio.pk)).exists()


def test_superuser_without_a_clinic_is_told_what_to_do(client, db):
    root = User.objects.create_superuser("root", "root@example.org", "a long root password 1")
    client.force_login(root)
    response = client.get("/patients/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="no-clinic"' in html and 'href="/admin/"' in html and "create_clinic" in html


def test_account_page_password_change_ends_tokens_and_other_sessions(client, physio):
    token_issue(actor=physio, user=physio)
    other = Client()
    other.force_login(physio)
    assert client.login(username="physio", password=PASSWORD)
    page = client.get("/account/")
    assert page.status_code == 200 and "Sign out everywhere else" in page.content.decode()
    response = client.post("/account/", {"action": "password", "old_password": PASSWORD,
                                         "new_password1": "a brand new password 9",
                                         "new_password2": "a brand new password 9"})
    assert response.status_code == 302
    physio.refresh_from_db()
    assert physio.check_password("a brand new password 9")
    assert not ApiToken.objects.filter(user=physio).exists()
    assert client.get("/patients/").status_code == 200  # this session stays
    assert other.get("/patients/").status_code == 302  # the other one ended


def test_account_page_revokes_own_token_and_ends_other_sessions(client, physio, physio2):
    _, mine = token_issue(actor=physio, user=physio)
    _, theirs = token_issue(actor=physio2, user=physio2)
    other = Client()
    other.force_login(physio)
    client.force_login(physio)
    client.post("/account/", {"action": "revoke_token", "token": theirs.token_key})
    assert ApiToken.objects.filter(pk=theirs.pk).exists()  # not one's own: untouched
    client.post("/account/", {"action": "revoke_token", "token": mine.token_key})
    assert not ApiToken.objects.filter(pk=mine.pk).exists()
    client.post("/account/", {"action": "end_sessions"})
    assert other.get("/patients/").status_code == 302 and client.get("/patients/").status_code == 200


# --- the needling-authorisation rule on the logging page and in the admin -------------------


def test_logging_page_warns_and_refuses_signing_without_authorisation(client, clinic, patient):
    unauthorised = make_user(clinic=clinic, username="newgrad", authorised=False)
    client.force_login(unauthorised)
    url = reverse("web:session_new", args=[patient.pk])
    page = client.get(url).content.decode()
    assert 'id="authorisation-warning"' in page
    response = client.post(url, session_post([row("Piriformis")], action="sign"))
    assert response.status_code == 400
    assert "needling authorisation current on" in response.content.decode()
    assert TreatmentSession.objects.count() == 0  # nothing half-saved


def test_logging_page_has_no_warning_for_an_authorised_physio(client, physio, patient):
    client.force_login(physio)
    page = client.get(reverse("web:session_new", args=[patient.pk])).content.decode()
    assert 'id="authorisation-warning"' not in page


def test_admin_sign_action_keeps_the_authorisation_rule(client, clinic, patient):
    from records import services
    from tests.factories import muscle

    unauthorised = make_user(clinic=clinic, username="newgrad", authorised=False)
    session = services.session_record(
        actor=unauthorised, patient=patient, started_at=timezone.now() - dt.timedelta(days=1),
        targeted_muscles=[{"muscle": muscle("piriformis"), "side": "left", "twitch_response": "local_twitch",
                           "outcome": "released"}], needles_used=1, needles_removed=1,
    )
    root = User.objects.create_superuser("root", "root@example.org", "a long root password 1")
    client.force_login(root)
    response = client.post(reverse("admin:records_treatmentsession_changelist"),
                           {"action": "sign_sessions", "_selected_action": [session.pk]}, follow=True)
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.status == "draft"
    assert "needling authorisation" in response.content.decode()
