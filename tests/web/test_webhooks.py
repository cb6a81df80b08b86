"""The webhooks pages (clinic admins): add with the secret shown once, deliveries, replay,
rotation, enable/disable/remove, and the banner for endpoints disabled after failing."""

import pytest
from django.test import Client

from events import webhooks
from events.models import OutboxEvent, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_web(clinic_admin):
    return client_for(clinic_admin)


@pytest.fixture
def endpoint(clinic, clinic_admin, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    return webhooks.endpoint_create(actor=clinic_admin, clinic=clinic, url="http://127.0.0.1:8169/hooks",
                                    events=["patient.created"], description="Billing system")


def test_only_clinic_admins(physio, reader, admin_web, endpoint):
    for user in (physio, reader):
        client = client_for(user)
        assert client.get("/webhooks/").status_code == 403
        assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 403
    page = admin_web.get("/webhooks/")
    assert page.status_code == 200
    assert b"Billing system" in page.content and b"127.0.0.1:8169" in page.content
    assert endpoint.secret.encode() not in page.content
    assert b'href="/webhooks/"' in admin_web.get("/patients/").content  # in the navigation


def test_another_clinics_endpoint_is_404(other_admin, endpoint):
    assert client_for(other_admin).get(f"/webhooks/{endpoint.pk}/").status_code == 404
    assert client_for(other_admin).post(f"/webhooks/{endpoint.pk}/", {"action": "delete"}).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_add_shows_the_secret_once(admin_web, clinic, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    response = admin_web.post("/webhooks/", {"url": "http://127.0.0.1:8168/in", "events": ["session.signed",
                                                                                           "patient.archived"],
                                             "description": "EHR"})
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get(clinic=clinic)
    assert endpoint.events == ["patient.archived", "session.signed"]
    assert endpoint.secret.encode() in response.content
    assert endpoint.secret.encode() not in admin_web.get("/webhooks/").content
    assert endpoint.secret.encode() not in admin_web.get(f"/webhooks/{endpoint.pk}/").content


def test_a_private_url_is_refused_on_the_form(admin_web):
    response = admin_web.post("/webhooks/", {"url": "https://127.0.0.1/in", "events": ["session.signed"]})
    assert response.status_code == 400
    assert b"private" in response.content
    assert not WebhookEndpoint.objects.exists()


def test_deliveries_replay_rotate_disable_remove(admin_web, endpoint, clinic, patient):
    event = OutboxEvent.objects.create(clinic=clinic, type="patient.created", change="created",
                                       object_type="patient", object_id=patient.pk, patient_id=patient.pk)
    delivery = WebhookDelivery.objects.create(clinic=clinic, endpoint=endpoint, event=event, status="succeeded",
                                              attempts=1, last_status_code=200, last_duration_ms=31,
                                              response_excerpt="thanks")
    page = admin_web.get(f"/webhooks/{endpoint.pk}/")
    assert b"patient.created" in page.content and b"31 ms" in page.content and b"thanks" in page.content
    assert patient.family_name.encode() not in page.content
    admin_web.post(f"/webhooks/{endpoint.pk}/", {"action": "replay", "delivery": str(delivery.pk)})
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "pending"
    old = endpoint.secret
    rotated = admin_web.post(f"/webhooks/{endpoint.pk}/", {"action": "rotate"})
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert endpoint.secret.encode() in rotated.content
    admin_web.post(f"/webhooks/{endpoint.pk}/", {"action": "disable"})
    assert not WebhookEndpoint.objects.get(pk=endpoint.pk).is_active
    admin_web.post(f"/webhooks/{endpoint.pk}/", {"action": "enable"})
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).is_active
    admin_web.post(f"/webhooks/{endpoint.pk}/", {"action": "delete"})
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_banner_for_an_endpoint_disabled_after_failing(admin_web, endpoint, physio):
    assert b"disabled after failing" not in admin_web.get("/webhooks/banner/").content
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False,
                                                          disabled_reason="Failing for 24 hours; deliveries stopped.")
    banner = admin_web.get("/webhooks/banner/")
    assert b"disabled after failing for 24 hours" in banner.content and b"Billing system" in banner.content
    # Every page of a clinic admin loads it; other roles' pages do not ask.
    assert b'hx-get="/webhooks/banner/"' in admin_web.get("/patients/").content
    assert b"/webhooks/banner/" not in client_for(physio).get("/patients/").content
    assert b"disabled after failing" not in client_for(physio).get("/webhooks/banner/").content


@pytest.mark.parametrize("n", [1, 10])
def test_list_query_count_is_flat(admin_web, clinic, django_assert_max_num_queries, n):
    for _ in range(n):
        WebhookEndpoint.objects.create(clinic=clinic, url="https://hooks.example.org/", events=["patient.created"],
                                       secret="whsec_x")
    admin_web.get("/webhooks/")
    with django_assert_max_num_queries(8):
        response = admin_web.get("/webhooks/")
    assert response.content.count(b"hooks.example.org") == n
