"""``webhook-endpoints/``: clinic admins register, read, change, remove, rotate; bad input is a 400."""

import base64

import pytest

from events.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from records.models import AuditEvent

from .conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhook-endpoints/"


@pytest.fixture
def public_dns(monkeypatch, settings):
    """example.org resolves to a public address without a network; production URL rules
    (whatever a developer's .env allows)."""
    import socket

    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    settings.WEBHOOKS_ALLOW_HTTP = False

    def fake(host, port, *args, **kwargs):
        table = {"hooks.example.org": "93.184.215.14", "internal.example.org": "10.1.2.3"}
        if host in table:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (table[host], port))]
        if host in ("127.0.0.1", "169.254.169.254", "10.0.0.5", "192.168.1.4"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (host, port))]
        if host == "localhost":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        raise socket.gaierror("no such host")

    monkeypatch.setattr("events.network.socket.getaddrinfo", fake)


def create(client, **overrides):
    body = {"url": "https://hooks.example.org/ims", "events": ["session.signed", "patient.created"],
            "description": "Billing"}
    body.update(overrides)
    return client.post(URL, body, format="json")


def test_create_returns_secret_once(admin_client, clinic, clinic_admin, public_dns):
    response = create(admin_client)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["url"] == "https://hooks.example.org/ims"
    assert body["events"] == ["patient.created", "session.signed"]
    assert body["is_active"] is True
    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"][6:])) == 32
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert endpoint.clinic == clinic and endpoint.secret == body["secret"]
    read = admin_client.get(f"{URL}{body['id']}/")
    assert read.status_code == 200 and "secret" not in read.json()
    assert read["ETag"] == '"1"'
    listed = admin_client.get(URL).json()["results"]
    assert [item["id"] for item in listed] == [body["id"]] and "secret" not in listed[0]
    audit = AuditEvent.objects.get(object_type="webhookendpoint", action="create")
    assert audit.actor == clinic_admin and "secret" not in str(audit.after)


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"url": "not a url"}, "url", "https"),
        ({"url": "http://hooks.example.org/ims"}, "url", "https"),
        ({"url": "https://127.0.0.1/hook"}, "url", "private"),
        ({"url": "https://localhost/hook"}, "url", "private"),
        ({"url": "https://169.254.169.254/latest"}, "url", "private"),
        ({"url": "https://192.168.1.4/hook"}, "url", "private"),
        ({"url": "https://internal.example.org/hook"}, "url", "private"),
        ({"url": "https://nowhere.invalid/hook"}, "url", "resolve"),
        ({"url": "https://user:pw@hooks.example.org/"}, "url", "Credentials"),
        ({"url": ""}, "url", "required"),
        ({"events": ["session.exploded"]}, "events", "session.exploded"),
        ({"events": []}, "events", "non-empty"),
        ({"events": "session.signed"}, "events", "list"),
        ({"description": "x" * 501}, "description", "500"),
    ],
)
def test_bad_input_is_400_naming_the_field(admin_client, public_dns, overrides, field, fragment):
    response = create(admin_client, **overrides)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and field in error["fields"]
    assert fragment in error["fields"][field][0]
    assert not WebhookEndpoint.objects.exists()


def test_private_addresses_allowed_when_configured(admin_client, public_dns, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    response = create(admin_client, url="http://127.0.0.1:8161/hooks")
    assert response.status_code == 201, response.json()


def test_roles_and_isolation(physio_client, reader_client, admin_client, other_admin, public_dns):
    for client in (physio_client, reader_client):
        assert create(client).status_code == 403
        assert client.get(URL).status_code == 403
    endpoint_id = create(admin_client).json()["id"]
    other = token_client(other_admin)
    assert other.get(f"{URL}{endpoint_id}/").status_code == 404
    assert other.patch(f"{URL}{endpoint_id}/", {"description": "x"}, format="json",
                       HTTP_IF_MATCH='"1"').status_code == 404
    assert other.delete(f"{URL}{endpoint_id}/", HTTP_IF_MATCH='"1"').status_code == 404
    assert other.get(URL).json()["results"] == []
    assert WebhookEndpoint.objects.filter(pk=endpoint_id, description="Billing").exists()


def test_patch_and_delete_with_if_match(admin_client, public_dns):
    endpoint_id = create(admin_client).json()["id"]
    response = admin_client.patch(f"{URL}{endpoint_id}/", {"events": ["session.deleted"], "description": "Sync"},
                                  format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.json()
    assert response.json()["events"] == ["session.deleted"] and response["ETag"] == '"2"'
    stale = admin_client.patch(f"{URL}{endpoint_id}/", {"description": "Stale"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    bad = admin_client.patch(f"{URL}{endpoint_id}/", {"events": ["nope"]}, format="json", HTTP_IF_MATCH='"2"')
    assert bad.status_code == 400 and "events" in bad.json()["error"]["fields"]
    assert WebhookEndpoint.objects.get(pk=endpoint_id).description == "Sync"
    assert admin_client.delete(f"{URL}{endpoint_id}/", HTTP_IF_MATCH='"2"').status_code == 204
    assert not WebhookEndpoint.objects.filter(pk=endpoint_id).exists()


def test_rotate_secret_keeps_old_one_for_the_overlap(admin_client, public_dns):
    created = create(admin_client).json()
    response = admin_client.post(f"{URL}{created['id']}/rotate-secret/", {"overlap_hours": 2}, format="json")
    assert response.status_code == 200, response.json()
    new = response.json()["secret"]
    assert new.startswith("whsec_") and new != created["secret"]
    assert response.json()["secret_rotation_ends_at"] is not None
    from events.webhooks import signing_secrets

    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert signing_secrets(endpoint) == [new, created["secret"]]
    bad = admin_client.post(f"{URL}{created['id']}/rotate-secret/", {"overlap_hours": 500}, format="json")
    assert bad.status_code == 400 and "overlap_hours" in bad.json()["error"]["fields"]


def test_deliveries_list_and_replay(admin_client, clinic, patient, public_dns, django_assert_max_num_queries):
    endpoint_id = create(admin_client).json()["id"]
    events = [OutboxEvent.objects.create(clinic=clinic, type="patient.created", change="created",
                                         object_type="patient", object_id=patient.pk, patient_id=patient.pk)
              for _ in range(3)]
    for event in events:
        WebhookDelivery.objects.create(clinic=clinic, endpoint_id=endpoint_id, event=event, status="succeeded",
                                       attempts=1, last_status_code=200, last_duration_ms=12,
                                       response_excerpt="ok")
    with django_assert_max_num_queries(4):
        response = admin_client.get(f"{URL}{endpoint_id}/deliveries/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 3
    first = results[0]
    assert first["status"] == "succeeded" and first["attempts"] == 1 and first["duration_ms"] == 12
    assert first["event_type"] == "patient.created" and first["webhook_id"].startswith("msg_")
    assert first["response_excerpt"] == "ok"
    replay = admin_client.post(f"{URL}{endpoint_id}/deliveries/{first['id']}/replay/")
    assert replay.status_code == 202 and replay.json()["status"] == "pending"
    assert WebhookDelivery.objects.get(pk=first["id"]).status == "pending"
    assert admin_client.get(f"{URL}{endpoint_id}/deliveries/?status=bogus").status_code == 400
    assert len(admin_client.get(f"{URL}{endpoint_id}/deliveries/?status=pending").json()["results"]) == 1


@pytest.mark.parametrize("n", [1, 20])
def test_deliveries_query_count_is_flat(admin_client, clinic, patient, public_dns, django_assert_num_queries, n):
    endpoint_id = create(admin_client).json()["id"]
    for _ in range(n):
        event = OutboxEvent.objects.create(clinic=clinic, type="patient.created", change="created",
                                           object_type="patient", object_id=patient.pk)
        WebhookDelivery.objects.create(clinic=clinic, endpoint_id=endpoint_id, event=event)
    # Token, endpoint, page of deliveries with their events.
    with django_assert_num_queries(3):
        response = admin_client.get(f"{URL}{endpoint_id}/deliveries/")
    assert len(response.json()["results"]) == n


@pytest.mark.parametrize("n", [1, 10])
def test_list_query_count_is_flat(admin_client, clinic, public_dns, django_assert_num_queries, n):
    for _ in range(n):
        WebhookEndpoint.objects.create(clinic=clinic, url="https://hooks.example.org/", events=["patient.created"],
                                       secret="whsec_x")
    with django_assert_num_queries(2):
        response = admin_client.get(URL)
    assert len(response.json()["results"]) == n
