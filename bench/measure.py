"""Measure the read and write paths of one database against their raw-SQL floor.

Run by bench/run.py once per database of the scale sweep; prints one JSON object.
Each endpoint is called in-process through Django's test client with a real API token
(the whole middleware, authentication, permission, serializer and renderer stack), and
its floor is the same data fetched by ONE hand-written SQL query and encoded with orjson.
"""

import json
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 50)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("API_THROTTLE_USER", "100000000/minute")

import django  # noqa: E402

django.setup()

import orjson  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from api.tokens import token_issue  # noqa: E402
from records.models import Muscle, Patient, TreatmentSession  # noqa: E402


def timed(fn, repeat: int) -> list[float]:
    for _ in range(3):  # warm caches, connections and code paths
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def floor_query(sql: str, params: list, shape):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return orjson.dumps(shape(rows), default=str)

    return run


def nest_sessions(rows):
    """Rows of (session…, targeted…) joined → list of session dicts with releases."""
    sessions: dict = {}
    for r in rows:
        s = sessions.get(r[0])
        if s is None:
            s = sessions[r[0]] = {
                "id": r[0], "number": r[1], "started_at": r[2], "status": r[3], "patient": r[4],
                "practitioner": r[5], "pain_before": r[6], "pain_after": r[7], "targeted_muscles": [],
            }
        if r[8] is not None:
            s["targeted_muscles"].append(
                {"order": r[8], "muscle": r[9], "muscle_name": r[10], "side": r[11],
                 "twitch_response": r[12], "outcome": r[13]}
            )
    return list(sessions.values())


SESSION_COLUMNS = """
    s.id, s.number, s.started_at, s.status, s.patient_id, u.username,
    (SELECT p.score FROM records_painscore p WHERE p.session_id = s.id AND p.moment = 'pre_session' LIMIT 1),
    (SELECT p.score FROM records_painscore p WHERE p.session_id = s.id AND p.moment = 'post_session' LIMIT 1),
    t."order", t.muscle_id, m.name, t.side, t.twitch_response, t.outcome
"""


def main() -> None:
    repeat = int(os.environ.get("BENCH_REPEAT", "30"))
    User = get_user_model()  # noqa: N806
    list_user = User.objects.get(username="load_physio_01")
    deep_user = User.objects.get(username="bench40_physio_01")
    list_clinic = list_user.membership.clinic
    deep_patient = Patient.objects.get(clinic=deep_user.membership.clinic)
    deep_session = TreatmentSession.objects.filter(patient=deep_patient).order_by("-started_at").first()
    with transaction.atomic():
        list_token, _ = token_issue(actor=list_user, user=list_user, name="bench")
        deep_token, _ = token_issue(actor=deep_user, user=deep_user, name="bench")
    list_client = Client(HTTP_AUTHORIZATION=f"Token {list_token}")
    deep_client = Client(HTTP_AUTHORIZATION=f"Token {deep_token}")
    muscles = list(Muscle.objects.filter(segments__isnull=False).order_by("slug")[:8])
    create_patient = Patient.objects.filter(clinic=list_clinic).order_by("chart_number").first()

    def get(client, path):
        def call():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code, response.content[:300])
            return response

        return call

    def create():
        body = {
            "patient": str(create_patient.pk),
            "needles_used": 8,
            "needles_removed": 8,
            "targeted_muscles": [
                {"muscle": str(m.pk), "side": "left", "twitch_response": "local_twitch", "outcome": "released"}
                for m in muscles
            ],
            "pain_scores": [{"moment": "pre_session", "score": 6}, {"moment": "post_session", "score": 3}],
        }
        response = list_client.post("/api/v1/sessions/", data=body, content_type="application/json")
        assert response.status_code == 201, response.content[:500]

    session_id = deep_session.pk.hex if connection.vendor == "sqlite" else deep_session.pk
    clinic_id = list_clinic.pk.hex if connection.vendor == "sqlite" else list_clinic.pk
    patient_id = deep_patient.pk.hex if connection.vendor == "sqlite" else deep_patient.pk
    joins = """
        JOIN auth_user u ON u.id = s.practitioner_id
        LEFT JOIN records_targetedmuscle t ON t.session_id = s.id
        LEFT JOIN records_muscle m ON m.id = t.muscle_id
    """
    cases = [
        (
            "sessions list (50)",
            get(list_client, "/api/v1/sessions/?page_size=50"),
            floor_query(
                f"SELECT {SESSION_COLUMNS} FROM (SELECT * FROM records_treatmentsession WHERE clinic_id = %s "
                f"ORDER BY started_at DESC, id DESC LIMIT 50) s {joins} ORDER BY s.started_at DESC, s.id DESC, t.\"order\"",
                [clinic_id], nest_sessions,
            ),
        ),
        (
            "session detail",
            get(deep_client, f"/api/v1/sessions/{deep_session.pk}/"),
            floor_query(
                f"SELECT {SESSION_COLUMNS} FROM records_treatmentsession s {joins} WHERE s.id = %s ORDER BY t.\"order\"",
                [session_id], nest_sessions,
            ),
        ),
        (
            "release order (40 sessions)",
            get(deep_client, f"/api/v1/patients/{deep_patient.pk}/release-order/"),
            floor_query(
                f"SELECT {SESSION_COLUMNS} FROM records_treatmentsession s {joins} WHERE s.patient_id = %s "
                "ORDER BY s.started_at, s.number, t.\"order\"",
                [patient_id], nest_sessions,
            ),
        ),
        (
            "patient timeline",
            get(deep_client, f"/api/v1/patients/{deep_patient.pk}/timeline/"),
            floor_query(
                f"SELECT {SESSION_COLUMNS} FROM records_treatmentsession s {joins} WHERE s.patient_id = %s "
                "ORDER BY s.started_at, t.\"order\"",
                [patient_id], nest_sessions,
            ),
        ),
        (
            "FHIR $everything",
            get(deep_client, f"/fhir/R4/Patient/{deep_patient.pk}/$everything"),
            floor_query(
                f"SELECT {SESSION_COLUMNS} FROM records_treatmentsession s {joins} WHERE s.patient_id = %s "
                "ORDER BY s.started_at, t.\"order\"",
                [patient_id], nest_sessions,
            ),
        ),
    ]
    results = []
    for name, call, floor in cases:
        with CaptureQueriesContext(connection) as ctx:
            call()
        # Counted now: the next request's request_started signal empties the query log.
        queries = len(ctx.captured_queries)
        samples = timed(call, repeat)
        floor_samples = timed(floor, repeat)
        results.append(
            {
                "endpoint": name, "kind": "read", "p50": pct(samples, 0.5), "p95": pct(samples, 0.95),
                "queries": queries, "floor_p50": pct(floor_samples, 0.5),
            }
        )

    # The write: a session with 8 targeted muscles and 2 pain scores, against raw INSERTs.
    with CaptureQueriesContext(connection) as ctx:
        create()
    queries = len(ctx.captured_queries)
    samples = timed(create, repeat)

    def raw_insert():
        vendor_id = (lambda u: u.hex) if connection.vendor == "sqlite" else (lambda u: u)
        with transaction.atomic(), connection.cursor() as cursor:
            sid = uuid.uuid4()
            cursor.execute(
                "INSERT INTO records_treatmentsession (id, clinic_id, patient_id, practitioner_id, started_at, number, "
                "needles_used, needles_removed, exercises, notes, status, signature_digest, version, created_at, "
                "updated_at) VALUES (%s, %s, %s, %s, CURRENT_TIMESTAMP, "
                "(SELECT COALESCE(MAX(number), 0) + 1 FROM records_treatmentsession WHERE patient_id = %s), "
                "8, 8, '', '', 'draft', '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                [vendor_id(sid), clinic_id, vendor_id(create_patient.pk), list_user.pk, vendor_id(create_patient.pk)],
            )
            cursor.executemany(
                "INSERT INTO records_targetedmuscle (id, clinic_id, session_id, \"order\", muscle_id, side, segment, "
                "twitch_response, outcome, notes, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, 'left', '', "
                "'local_twitch', 'released', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                [[vendor_id(uuid.uuid4()), clinic_id, vendor_id(sid), i + 1, vendor_id(m.pk)] for i, m in enumerate(muscles)],
            )

    floor_samples = timed(raw_insert, repeat)
    results.append(
        {
            "endpoint": "session create (8 muscles)", "kind": "write", "p50": pct(samples, 0.5),
            "p95": pct(samples, 0.95), "queries": queries, "floor_p50": pct(floor_samples, 0.5),
        }
    )
    for r in results:
        r["ratio"] = r["p50"] / r["floor_p50"] if r["floor_p50"] else float("inf")
    json.dump({"vendor": connection.vendor, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
