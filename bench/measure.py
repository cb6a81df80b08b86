"""Measure the read and write paths of one database against their raw-SQL floor.

Run by bench/run.py once per database of the scale sweep; prints one JSON object.
Each endpoint is called in-process through Django's test client with a real API token
(the whole middleware, authentication, permission, serializer and renderer stack), and
its floor is the same data fetched by ONE hand-written SQL query and encoded with orjson:
every column the response carries, one row per targeted muscle, with the other lists
(pain scores, adverse events, addenda, plans, consents …) as JSON arrays from correlated
subqueries.
"""

import datetime as dt
import importlib
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

# The production entry point: django.setup() and the workers' start-up tuning (gc.freeze).
importlib.import_module("clinic.wsgi")

# The plain-DRF peer of the sessions list (bench/peer.py) is mounted beside the API.
from django.conf import settings  # noqa: E402

settings.ROOT_URLCONF = "bench.peer"

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


def json_list(fields: dict[str, str], source: str) -> str:
    """A subquery answering a JSON array of objects as text, in the vendor's dialect (text,
    so that the client decodes it once per parent, not once per joined row)."""
    pairs = ", ".join(f"'{key}', {expr}" for key, expr in fields.items())
    if connection.vendor == "postgresql":
        return f"(SELECT COALESCE(json_agg(json_build_object({pairs})), '[]')::text {source})"
    return f"(SELECT json_group_array(json_object({pairs})) {source})"


def once(expression: str, per: str = "") -> str:
    """A value on the first row of the document (or of each ``per`` group) only, instead of
    repeated on every joined row."""
    window = f"PARTITION BY {per}" if per else ""
    return f"CASE WHEN ROW_NUMBER() OVER ({window}) = 1 THEN {expression} END"


def per_session(*columns: str) -> str:
    return ", ".join(once(column, per="s.id") for column in columns)


def name_of(alias: str) -> str:
    return f"COALESCE(NULLIF(TRIM({alias}.first_name || ' ' || {alias}.last_name), ''), {alias}.username)"


def nest(rows, head: int, child: int, document: int = 0):
    """Rows of (parent columns × head, child columns × child, the parent's JSON lists…, the
    document's JSON lists × document) joined one row per child → the document's lists and
    the parents with their children. Lists come on one row each (see once()), as text
    decoded once."""
    parents: dict = {}
    top: list = [None] * document
    for r in rows:
        parent = parents.get(r[0])
        if parent is None:
            parent = parents[r[0]] = [r[:head], [], [None] * (len(r) - head - child - document)]
        if r[head] is not None:
            parent[1].append(r[head:head + child])
        for i, value in enumerate(r[head + child:len(r) - document]):
            if value is not None:
                parent[2][i] = orjson.loads(value)
        for i, value in enumerate(r[len(r) - document:]):
            if value is not None:
                top[i] = orjson.loads(value)
    return {"document": top, "parents": list(parents.values())}


# Every column of a session representation (records.representations), one row per
# targeted muscle; pain scores, adverse events, addenda and precautions as JSON lists,
# worked out once per session in the derived table ``s`` (not once per joined row).
SESSION_LISTS = f"""
    {json_list({"id": "p.id", "moment": "p.moment", "score": "p.score", "region": "p.region",
                "recorded_at": "p.recorded_at"}, "FROM records_painscore p WHERE p.session_id = s.id")} AS pains,
    {json_list({"id": "a.id", "kind": "a.kind", "severity": "a.severity", "notes": "a.notes"},
               "FROM records_adverseevent a WHERE a.session_id = s.id")} AS adverse,
    {json_list({"id": "d.id", "author": "d.author_id", "text": "d.text", "created_at": "d.created_at"},
               "FROM records_addendum d WHERE d.session_id = s.id")} AS addenda,
    {json_list({"code": "c.code", "note": "c.note"}, "FROM records_precaution c WHERE c.patient_id = s.patient_id")}
        AS precautions
"""


def session_floor(where: str, tail: str, order: str) -> str:
    return f"""
        SELECT s.id, s.patient_id, s.assessment_id, s.practitioner_id, {name_of("pu")}, s.started_at, s.number,
               s.needles_used, s.needles_removed, s.exercises, s.notes, s.status, s.signed_at, s.signed_by_id,
               {name_of("su")}, s.version, s.created_at, s.updated_at,
               t.id, t."order", t.muscle_id, m.name, m.lung_field, t.side, t.segment, t.needle_length_mm,
               t.needle_diameter_mm, t.twitch_response, t.twitch_count, t.outcome, t.notes,
               {per_session("s.pains", "s.adverse", "s.addenda", "s.precautions")}
          FROM (SELECT s.*, {SESSION_LISTS} FROM records_treatmentsession s WHERE {where} {tail}) s
          JOIN auth_user pu ON pu.id = s.practitioner_id
          LEFT JOIN auth_user su ON su.id = s.signed_by_id
          LEFT JOIN records_targetedmuscle t ON t.session_id = s.id
          LEFT JOIN records_muscle m ON m.id = t.muscle_id
         ORDER BY {order}
    """


SESSION_SHAPE = (18, 13)

# Release order: sessions with their releases, and the plan of the latest assessment.
RELEASE_ORDER = f"""
    SELECT s.id, s.number, s.started_at, s.status,
           t."order", t.muscle_id, m.name, m.lung_field, t.side, t.segment, t.twitch_response, t.outcome,
           {once(json_list({"assessment": "pi.assessment_id", "order": 'pi."order"', "muscle": "pi.muscle_id",
                       "muscle_name": "pm.name", "side": "pi.side", "rationale": "pi.rationale"},
                      "FROM records_planitem pi JOIN records_muscle pm ON pm.id = pi.muscle_id "
                      "WHERE pi.assessment_id = (SELECT a.id FROM records_assessment a WHERE a.patient_id = %(patient)s "
                      "AND EXISTS (SELECT 1 FROM records_planitem x WHERE x.assessment_id = a.id) "
                      "ORDER BY a.assessed_at DESC LIMIT 1)"))}
      FROM records_treatmentsession s
      LEFT JOIN records_targetedmuscle t ON t.session_id = s.id
      LEFT JOIN records_muscle m ON m.id = t.muscle_id
     WHERE s.patient_id = %(patient)s
     ORDER BY s.started_at, s.number, t."order"
"""

# Timeline: sessions (releases named, pain before/after, adverse events), assessments with
# their plans, standalone pain scores and addenda.
TIMELINE = f"""
    SELECT s.id, s.started_at, s.number, s.status, {name_of("pu")},
           t."order", m.name, t.side, {per_session("s.pains", "s.adverse")},
           {once(json_list({"id": "a.id", "at": "a.assessed_at", "status": "a.status", "practitioner": name_of("au"),
                       "summary": "a.chief_complaint", "affected_segments": "a.affected_segments"},
                      "FROM records_assessment a JOIN auth_user au ON au.id = a.practitioner_id "
                      "WHERE a.patient_id = %(patient)s"))},
           {once(json_list({"assessment": "pi.assessment_id", "order": 'pi."order"', "name": "pm.name",
                            "side": "pi.side"},
                      "FROM records_planitem pi JOIN records_muscle pm ON pm.id = pi.muscle_id "
                      "JOIN records_assessment pa ON pa.id = pi.assessment_id WHERE pa.patient_id = %(patient)s"))},
           {once(json_list({"id": "p.id", "at": "p.recorded_at", "moment": "p.moment", "score": "p.score"},
                           "FROM records_painscore p WHERE p.patient_id = %(patient)s AND p.session_id IS NULL"))},
           {once(json_list({"id": "d.id", "at": "d.created_at", "session": "d.session_id", "assessment": "d.assessment_id",
                       "author": name_of("du"), "summary": "d.text"},
                      "FROM records_addendum d JOIN auth_user du ON du.id = d.author_id "
                      "WHERE d.patient_id = %(patient)s"))}
      FROM (SELECT s.*, {json_list({"moment": "p.moment", "score": "p.score"},
                                   "FROM records_painscore p WHERE p.session_id = s.id")} AS pains,
                   {json_list({"kind": "a.kind", "severity": "a.severity", "notes": "a.notes"},
                              "FROM records_adverseevent a WHERE a.session_id = s.id")} AS adverse
              FROM records_treatmentsession s WHERE s.patient_id = %(patient)s) s
      JOIN auth_user pu ON pu.id = s.practitioner_id
      LEFT JOIN records_targetedmuscle t ON t.session_id = s.id
      LEFT JOIN records_muscle m ON m.id = t.muscle_id
     ORDER BY s.started_at, t."order"
"""

# $everything: the patient, sessions with practitioners, every targeted muscle (procedure
# and twitch observation), pain scores, adverse events, consents.
EVERYTHING = f"""
    SELECT s.id, s.started_at, s.status, s.updated_at, s.practitioner_id, {name_of("pu")}, pm.id,
           t.id, t."order", t.side, t.segment, t.twitch_response, t.twitch_count, t.outcome, t.notes,
           t.updated_at, m.name, m.snomed_code,
           {per_session("s.pains", "s.adverse")},
           {once(json_list({"id": "pt.id", "chart_number": "pt.chart_number", "given": "pt.given_name",
                       "family": "pt.family_name", "birth": "pt.date_of_birth", "sex": "pt.sex", "phone": "pt.phone",
                       "email": "pt.email", "archived_at": "pt.archived_at", "updated_at": "pt.updated_at"},
                      "FROM records_patient pt WHERE pt.id = %(patient)s"))},
           {once(json_list({"id": "c.id", "given_at": "c.given_at", "form_version": "c.form_version",
                       "withdrawn_at": "c.withdrawn_at", "updated_at": "c.updated_at"},
                      "FROM records_consent c WHERE c.patient_id = %(patient)s"))},
           {once(json_list({"id": "p.id", "moment": "p.moment", "score": "p.score", "region": "p.region",
                            "recorded_at": "p.recorded_at", "updated_at": "p.updated_at"},
                           "FROM records_painscore p WHERE p.patient_id = %(patient)s AND p.session_id IS NULL"))}
      FROM (SELECT s.*,
                   {json_list({"id": "p.id", "session": "p.session_id", "moment": "p.moment", "score": "p.score",
                               "region": "p.region", "recorded_at": "p.recorded_at", "updated_at": "p.updated_at"},
                              "FROM records_painscore p WHERE p.session_id = s.id")} AS pains,
                   {json_list({"id": "a.id", "kind": "a.kind", "severity": "a.severity", "notes": "a.notes",
                               "created_at": "a.created_at", "updated_at": "a.updated_at"},
                              "FROM records_adverseevent a WHERE a.session_id = s.id")} AS adverse
              FROM records_treatmentsession s WHERE s.patient_id = %(patient)s) s
      JOIN auth_user pu ON pu.id = s.practitioner_id
      LEFT JOIN records_membership pm ON pm.user_id = pu.id
      LEFT JOIN records_targetedmuscle t ON t.session_id = s.id
      LEFT JOIN records_muscle m ON m.id = t.muscle_id
     ORDER BY s.started_at, t."order"
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
    cases = [
        (
            "sessions list (50)",
            get(list_client, "/api/v1/sessions/?page_size=50"),
            floor_query(
                session_floor("s.clinic_id = %s", "ORDER BY s.started_at DESC, s.id DESC LIMIT 50",
                              's.started_at DESC, s.id DESC, t."order"'),
                [clinic_id], lambda rows: nest(rows, *SESSION_SHAPE),
            ),
        ),
        (
            # Not judged: how plain REST framework serves the same page (bench/peer.py).
            "plain DRF peer: sessions list",
            get(list_client, "/bench-peer/sessions/?page_size=50"),
            floor_query(
                session_floor("s.clinic_id = %s", "ORDER BY s.started_at DESC, s.id DESC LIMIT 50",
                              's.started_at DESC, s.id DESC, t."order"'),
                [clinic_id], lambda rows: nest(rows, *SESSION_SHAPE),
            ),
        ),
        (
            "session detail",
            get(deep_client, f"/api/v1/sessions/{deep_session.pk}/"),
            floor_query(
                session_floor("s.id = %s", "", 't."order"'), [session_id], lambda rows: nest(rows, *SESSION_SHAPE)
            ),
        ),
        (
            "release order (40 sessions)",
            get(deep_client, f"/api/v1/patients/{deep_patient.pk}/release-order/"),
            floor_query(RELEASE_ORDER, {"patient": patient_id}, lambda rows: nest(rows, 4, 8, 1)),
        ),
        (
            "patient timeline",
            get(deep_client, f"/api/v1/patients/{deep_patient.pk}/timeline/"),
            floor_query(TIMELINE, {"patient": patient_id}, lambda rows: nest(rows, 5, 3, 4)),
        ),
        (
            "FHIR $everything",
            get(deep_client, f"/fhir/R4/Patient/{deep_patient.pk}/$everything"),
            floor_query(EVERYTHING, {"patient": patient_id}, lambda rows: nest(rows, 7, 11, 3)),
        ),
    ]
    # The clinic outcome report (DESIGN §12) over the last year of the load clinic; its floor
    # is the one scan of the year's signed sessions that any such report needs.
    year_to = dt.datetime.now(tz=dt.UTC).date()
    year_from = year_to - dt.timedelta(days=365)
    cases.append(
        (
            "outcome report (1 year, 1 clinic)",
            get(list_client, f"/api/v1/reports/outcomes/?from={year_from}&to={year_to}"),
            floor_query(
                "SELECT id, assessment_id, needles_used, needles_removed FROM records_treatmentsession "
                "WHERE clinic_id = %s AND status = 'signed' AND started_at >= %s",
                [clinic_id, str(year_from)], lambda rows: rows,
            ),
        )
    )
    # Documents (DESIGN §13): rendered PDFs, reported beside the reads but not judged against
    # a SQL floor (the floor shown is the data they read; the time is mostly drawing).
    signed_session = (
        TreatmentSession.objects.filter(patient=deep_patient, status="signed").order_by("-started_at").first()
    )
    signed_id = signed_session.pk.hex if connection.vendor == "sqlite" else signed_session.pk
    cases += [
        (
            "course summary PDF (40 sess.)",
            get(deep_client, f"/api/v1/patients/{deep_patient.pk}/summary.pdf"),
            floor_query(TIMELINE, {"patient": patient_id}, lambda rows: nest(rows, 5, 3, 4)),
        ),
        (
            "procedure note PDF",
            get(deep_client, f"/api/v1/sessions/{signed_session.pk}/document.pdf"),
            floor_query(
                session_floor("s.id = %s", "", 't."order"'), [signed_id], lambda rows: nest(rows, *SESSION_SHAPE)
            ),
        ),
    ]
    results = []
    for name, call, floor in cases:
        # Counted at steady state: the first request of a token also stamps its last use
        # (once a minute per token, api.authentication), which is not per-request work.
        call()
        with CaptureQueriesContext(connection) as ctx:
            call()
        # Counted now: the next request's request_started signal empties the query log.
        queries = len(ctx.captured_queries)
        samples = timed(call, repeat)
        floor_samples = timed(floor, repeat)
        results.append(
            {
                "endpoint": name,
                "kind": "peer" if name.startswith("plain DRF")
                else "report" if name.startswith("outcome report")
                else "document" if name.endswith(("PDF", "sess.)"))
                else "read",
                "p50": pct(samples, 0.5), "p95": pct(samples, 0.95),
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
                "updated_at, sharps_discrepancy_note, lung_field_precautions_confirmed) VALUES (%s, %s, %s, %s, "
                "CURRENT_TIMESTAMP, "
                "(SELECT COALESCE(MAX(number), 0) + 1 FROM records_treatmentsession WHERE patient_id = %s), "
                "8, 8, '', '', 'draft', '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '', FALSE)",
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
