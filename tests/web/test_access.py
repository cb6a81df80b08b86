"""Every page: login required, scoped to the user's clinic (404 elsewhere) and to the role table."""

import pytest
from django.urls import reverse

from records.models import Membership
from tests.factories import make_user
from tests.web.conftest import add_sessions, row, session_post


def patient_urls(patient):
    return [
        reverse("web:patient_chart", args=[patient.pk]),
        reverse("web:patient_details", args=[patient.pk]),
        reverse("web:session_new", args=[patient.pk]),
        reverse("web:assessment_new", args=[patient.pk]),
    ]


def test_anonymous_is_sent_to_login(client, patient):
    for url in [reverse("web:patient_list"), *patient_urls(patient)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_login_page_and_logging_in(client, physio):
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and b'name="username"' in page.content and b"csrfmiddlewaretoken" in page.content
    response = client.post("/accounts/login/", {"username": "physio", "password": "correct horse battery staple"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/", follow=True).redirect_chain[-1][0] == reverse("web:patient_list")


def test_logout_is_a_post(client, physio):
    client.force_login(physio)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get(reverse("web:patient_list")).status_code == 302


def test_another_clinics_records_do_not_exist_here(client, physio, other_patient, other_physio):
    session = add_sessions(other_physio, other_patient, 1)[0]
    client.force_login(physio)
    for url in [*patient_urls(other_patient), reverse("web:session_detail", args=[session.pk]),
                reverse("web:session_edit", args=[session.pk])]:
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("web:session_new", args=[other_patient.pk]), session_post([row("Piriformis")]))
    assert response.status_code == 404
    assert client.post(reverse("web:session_addendum", args=[session.pk]), {"text": "x"}).status_code == 404
    assert other_patient.sessions.count() == 1
    listing = client.get(reverse("web:patient_list")).content.decode()
    assert "Elsewhere" not in listing


def test_a_user_without_a_clinic_is_refused(client, django_user_model, patient):
    user = django_user_model.objects.create_user("loner", password="x-very-long-password")
    client.force_login(user)
    assert client.get(reverse("web:patient_list")).status_code == 403


def test_api_reader_reads_only(client, reader, physio, patient):
    add_sessions(physio, patient, 1)
    client.force_login(reader)
    chart = client.get(reverse("web:patient_chart", args=[patient.pk]))
    assert chart.status_code == 200
    assert b"Log session" not in chart.content and b"New assessment" not in chart.content
    assert client.get(reverse("web:session_new", args=[patient.pk])).status_code == 403
    assert client.post(reverse("web:session_new", args=[patient.pk]), session_post([row("Piriformis")])).status_code \
        == 403
    assert client.get(reverse("web:patient_create")).status_code == 403
    details = client.get(reverse("web:patient_details", args=[patient.pk]))
    assert b"Save precautions" not in details.content and b"Withdraw consent" not in details.content
    assert client.post(reverse("web:patient_details", args=[patient.pk]),
                       {"form": "precautions", "pr-has_pregnancy": "on"}).status_code == 403
    assert client.post(reverse("web:consent_withdraw", args=[patient.pk])).status_code == 403
    assert patient.precautions.count() == 0 and patient.sessions.count() == 1


def test_clinic_admin_manages_patients_but_does_not_log_sessions(client, clinic_admin, patient):
    client.force_login(clinic_admin)
    chart = client.get(reverse("web:patient_chart", args=[patient.pk]))
    assert b"Log session" not in chart.content and b"Consent, precautions" in chart.content
    assert client.get(reverse("web:session_new", args=[patient.pk])).status_code == 403
    assert client.get(reverse("web:assessment_new", args=[patient.pk])).status_code == 403
    assert client.get(reverse("web:patient_create")).status_code == 200


@pytest.mark.parametrize("role", ["clinic_admin", "api_reader"])
def test_roles_without_session_rights_cannot_post_a_session(client, clinic, patient, role):
    user = make_user(clinic=clinic, role=role, username=f"u-{role}")
    assert Membership.objects.get(user=user).role == role
    client.force_login(user)
    response = client.post(reverse("web:session_new", args=[patient.pk]), session_post([row("Piriformis")]))
    assert response.status_code == 403
    assert patient.sessions.count() == 0
