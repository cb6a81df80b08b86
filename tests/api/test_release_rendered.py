"""Big documents are let go once rendered, and workers keep start-up objects out of the
cyclic collector's passes (the long tail of latency under load; README, Performance)."""

import os
import subprocess
import sys
from pathlib import Path

import orjson

from .conftest import record_session

ROOT = Path(__file__).resolve().parents[2]


def test_api_response_bytes_are_whole_and_its_data_is_released(physio_client, physio, patient):
    session = record_session(physio, patient, slugs=("gluteus-medius", "piriformis"))
    response = physio_client.get("/api/v1/sessions/?page_size=10")
    body = orjson.loads(response.content)
    assert [t["muscle_name"] for t in body["results"][0]["targeted_muscles"]] == ["Gluteus medius", "Piriformis"]
    assert body["results"][0]["id"] == str(session.pk)
    assert response.data is None


def test_fhir_bundle_bytes_are_whole_and_its_data_is_released(physio_client, physio, patient):
    record_session(physio, patient)
    response = physio_client.get(f"/fhir/R4/Patient/{patient.pk}/$everything")
    bundle = orjson.loads(response.content)
    assert bundle["resourceType"] == "Bundle" and bundle["entry"][0]["resource"]["id"] == str(patient.pk)
    assert response.data is None


def test_error_responses_keep_their_shape(physio_client):
    response = physio_client.get("/api/v1/sessions/not-a-uuid/")
    assert response.status_code == 404 and orjson.loads(response.content)["error"]["code"] == "not_found"


def test_the_wsgi_entry_point_freezes_what_start_up_loaded():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clinic.settings", "DJANGO_DEBUG": "1"}
    out = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", "import gc, clinic.wsgi; print(gc.get_freeze_count())"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )
    assert int(out.stdout.split()[-1]) > 10_000
