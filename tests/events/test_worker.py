"""The real worker (``manage.py worker``) delivering webhooks end to end, on both task backends.

The database backend always runs. The RQ backend runs against the real Redis named by
``TEST_REDIS_URL`` (use database 2: ``TEST_REDIS_URL=redis://127.0.0.1:6379/2``); without it
the test is skipped, except in CI (``CI=true``), where a missing Redis is a failure. (A test
variable, not ``REDIS_URL``: that one would put the whole suite's tasks and caches on Redis.)
"""

import datetime as dt
import json
import os

import pytest
from django.core.management import call_command
from standardwebhooks.webhooks import Webhook

from events.models import WebhookDelivery
from records import services
from tests.api.conftest import token_client

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
RQ_BACKEND = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}


@pytest.fixture
def rq_backend(settings):
    if not REDIS_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("TEST_REDIS_URL is not set: CI must run the RQ backend tests against Redis (database 2).")
        pytest.skip("TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/2)")
    import django_rq

    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60}}
    settings.TASKS = RQ_BACKEND
    queue = django_rq.get_queue("default")
    queue.empty()
    yield settings
    queue.empty()


@pytest.fixture
def db_backend(settings):
    settings.TASKS = DB_BACKEND
    return settings


def _end_to_end(receiver, clinic, clinic_admin, physio):
    admin = token_client(clinic_admin)
    created = admin.post("/api/v1/webhook-endpoints/", {"url": receiver.url, "events": ["patient.created",
                                                                                         "patient.archived"]},
                         format="json")
    assert created.status_code == 201, created.json()
    secret = created.json()["secret"]
    physio_client = token_client(physio)
    response = physio_client.post("/api/v1/patients/", {"given_name": "Ada", "family_name": "Byrne",
                                                         "date_of_birth": "1980-01-02"}, format="json")
    assert response.status_code == 201, response.json()
    patient_id = response.json()["id"]
    receiver.statuses = [503]  # the first attempt fails: the retry is the sweep's
    call_command("worker", batch=True, verbosity=0)
    assert len(receiver.requests) == 1
    row = WebhookDelivery.objects.get()
    assert row.status == "pending" and row.last_status_code == 503
    WebhookDelivery.objects.filter(pk=row.pk).update(next_attempt_at=row.next_attempt_at - dt.timedelta(hours=1))
    call_command("worker", batch=True, verbosity=0)
    assert len(receiver.requests) == 2
    request = receiver.requests[1]
    payload = Webhook(secret).verify(request["body"], {k.lower(): v for k, v in request["headers"].items()})
    assert payload["type"] == "patient.created"
    assert payload["data"] == {"id": patient_id, "patient": patient_id, "clinic": str(clinic.pk)}
    row.refresh_from_db()
    assert row.status == "succeeded" and row.attempts == 2
    # Replay through the API, delivered by the worker.
    replay = admin.post(f"/api/v1/webhook-endpoints/{created.json()['id']}/deliveries/{row.pk}/replay/")
    assert replay.status_code == 202
    call_command("worker", batch=True, verbosity=0)
    assert len(receiver.requests) == 3
    assert receiver.requests[2]["headers"]["webhook-id"] == request["headers"]["webhook-id"]
    # The archive (another subscribed event) goes out after it.
    patient = services.patient_create(actor=physio, clinic=clinic, given_name="Bo", family_name="Lind",
                                      date_of_birth=dt.date(1990, 1, 1))
    services.patient_archive(actor=clinic_admin, patient=patient)
    call_command("worker", batch=True, verbosity=0)
    types = [json.loads(r["body"])["type"] for r in receiver.requests[3:]]
    assert types == ["patient.created", "patient.archived"]


@pytest.mark.django_db(transaction=True)
def test_end_to_end_database_backend(db_backend, receiver, clinic, clinic_admin, physio):
    _end_to_end(receiver, clinic, clinic_admin, physio)


@pytest.mark.django_db(transaction=True)
def test_end_to_end_rq_backend(rq_backend, receiver, clinic, clinic_admin, physio):
    _end_to_end(receiver, clinic, clinic_admin, physio)


@pytest.mark.django_db(transaction=True)
def test_worker_killed_during_a_delivery_is_retried_not_lost(db_backend, receiver, clinic, clinic_admin, physio):
    """A real ``manage.py worker`` process, killed (SIGKILL) while the receiver holds its
    request; another worker takes the delivery over once the claim lapses. The worker
    processes share the test database, so this needs PostgreSQL."""
    import signal
    import subprocess
    import sys
    import time

    from django.conf import settings
    from django.db import connection

    from events import webhooks

    if connection.vendor != "postgresql":
        pytest.skip("Worker processes share the test database only on PostgreSQL.")
    endpoint = webhooks.endpoint_create(actor=clinic_admin, clinic=clinic, url=receiver.url,
                                        events=["patient.created"])
    services.patient_create(actor=physio, clinic=clinic, given_name="Ada", family_name="Byrne",
                            date_of_birth=dt.date(1980, 1, 2))
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings_test",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**database),
        "TASKS_BACKEND": "database",
        "REDIS_URL": "",
        "WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "true",
        "WEBHOOKS_ALLOW_HTTP": "true",
        "WEBHOOKS_TIMEOUT_SECONDS": "30",
        "WEBHOOKS_CLAIM_SECONDS": "3",
        "EVENTS_SWEEP_SECONDS": "0.5",
    }
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    receiver.delay = 30  # the receiver holds the first request: the worker is mid-delivery
    worker = subprocess.Popen([sys.executable, "manage.py", "worker", "--verbosity", "0"], env=env)  # noqa: S603
    try:
        assert receiver.wait_for(1, timeout=60), "the worker never sent the delivery"
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    row = WebhookDelivery.objects.get(endpoint=endpoint)
    assert row.status == "pending" and row.attempts == 0
    receiver.delay = 0
    time.sleep(3.5)  # the dead worker's claim lapses
    subprocess.run([sys.executable, "manage.py", "worker", "--batch", "--verbosity", "0"], env=env,  # noqa: S603
                   check=True, timeout=120)
    row.refresh_from_db()
    assert row.status == "succeeded" and row.attempts == 1
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["headers"]["webhook-id"] == receiver.requests[1]["headers"]["webhook-id"]
