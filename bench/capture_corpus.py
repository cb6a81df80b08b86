"""Capture the exact bytes of the record API's answers, to compare two versions of the read path.

Run it as a pytest module (a fresh test database, so ids and sequences start alike):

    CORPUS_DIR=/tmp/corpus-before .venv/bin/python -m pytest bench/capture_corpus.py -p no:randomly --create-db
    DATABASE_URL=postgres://…/name CORPUS_DIR=… .venv/bin/python -m pytest bench/capture_corpus.py …
    diff -r /tmp/corpus-before /tmp/corpus-after

It builds a rich record set (drafts and signed sessions with targeted muscles, pain scores
at tied times, adverse events, addenda; assessments with findings, plan and addenda;
patients with precautions, consents, an archived one; standalone pain scores), then writes
one file per response: status, ETag and the body bytes. What the clock decides (UUIDs and
instants such as ``created_at``) is masked by order of first appearance, keeping the
instant's written form (fraction digits and offset), so formats are still compared byte
for byte. Nothing here is collected by the test suite (it lives outside ``tests/``).
"""

import datetime as dt
import os
import random
import re
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache

from records import services
from records.choices import Role
from tests.api.conftest import token_client
from tests.factories import ClinicFactory, ConsentFactory, PatientFactory, PrecautionFactory, make_user, muscle

UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
INSTANT = re.compile(rb"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)")
BASE = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Masker:
    """Replaces UUIDs and instants by stable tokens, numbered by first appearance."""

    def __init__(self):
        self.uuids: dict[bytes, bytes] = {}
        self.instants: dict[bytes, bytes] = {}

    def __call__(self, body: bytes) -> bytes:
        body = UUID.sub(lambda m: self.uuids.setdefault(m.group(0), b"<id%d>" % (len(self.uuids) + 1)), body)

        def instant(m):
            token = self.instants.setdefault(m.group(1) + (m.group(2) or b""), b"t%d" % (len(self.instants) + 1))
            fraction = b".f%d" % (len(m.group(2)) - 1) if m.group(2) else b""
            return b"<" + token + fraction + m.group(3) + b">"

        return INSTANT.sub(instant, body)


@pytest.fixture
def seeded_ids():
    """Ids from a seeded generator, so that rows ordered by id (ties of time) come in the
    same order in every run."""
    from django.apps import apps

    rng = random.Random(11)  # noqa: S311 (test ids, not secrets)
    fields = [f for m in apps.get_models() for f in m._meta.concrete_fields if f.default is uuid.uuid4]

    def seeded():
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    for field in fields:
        field.default = seeded
        field.__dict__.pop("_get_default", None)
    yield
    for field in fields:
        field.default = uuid.uuid4
        field.__dict__.pop("_get_default", None)


@pytest.fixture
def corpus_dir():
    path = Path(os.environ["CORPUS_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _records(physio, physio2, clinic):
    """Patients, assessments, sessions and pain scores in every state the reads show."""
    rich = PatientFactory(clinic=clinic, given_name="Morgan", family_name="Quinlan", chart_number="C0001",
                          phone="555-0101", email="morgan@example.org")
    ConsentFactory(patient=rich, recorded_by=physio, given_at=BASE - dt.timedelta(days=60))
    PrecautionFactory(patient=rich, code="anticoagulants", note="Warfarin (INR 2.4).")
    PrecautionFactory(patient=rich, code="pregnancy")
    PrecautionFactory(patient=rich, code="diabetes", note="Type 2")
    plain = PatientFactory(clinic=clinic, given_name="Avery", family_name="Brook", chart_number="C0002", sex="male")
    ConsentFactory(patient=plain, recorded_by=physio2, given_at=BASE - dt.timedelta(days=90))
    withdrawn = PatientFactory(clinic=clinic, given_name="Robin", family_name="Withdrawn", chart_number="C0003")
    ConsentFactory(patient=withdrawn, recorded_by=physio, given_at=BASE - dt.timedelta(days=90),
                   withdrawn_at=BASE - dt.timedelta(days=10), withdrawn_by=physio2)
    archived = PatientFactory(clinic=clinic, given_name="Casey", family_name="Archived", chart_number="C0004")
    services.patient_archive(actor=make_user(clinic=clinic, role=Role.CLINIC_ADMIN, username="archiver"),
                             patient=archived)
    PatientFactory(clinic=clinic, given_name="Dana", family_name="Noconsent", chart_number="C0005", sex="other")

    assessment = services.assessment_create(
        actor=physio, patient=rich, assessed_at=BASE - dt.timedelta(days=20),
        chief_complaint="Low back pain radiating to the left buttock", history="Six months; worse sitting.",
        affected_segments=["L4", "L5"],
        findings=[
            {"muscle": muscle("gluteus-medius"), "side": "left", "taut_band": True, "tenderness": 3, "notes": "Tight"},
            {"muscle": muscle("piriformis"), "side": "left", "taut_band": False, "tenderness": 1},
        ],
        plan=[
            {"muscle": muscle("multifidus-lumbar"), "side": "left", "rationale": "Root level first"},
            {"muscle": muscle("gluteus-medius"), "side": "left"},
            {"muscle": muscle("piriformis"), "side": "left", "rationale": "If still tight"},
        ],
    )
    assessment = services.assessment_sign(actor=physio, assessment=assessment)
    services.addendum_create(actor=physio2, record=assessment, text="Imaging report received: L5 disc bulge.")
    services.assessment_create(actor=physio2, patient=plain, assessed_at=BASE - dt.timedelta(days=5),
                               chief_complaint="Neck pain", affected_segments=["C5"])

    started = BASE - dt.timedelta(days=7)
    signed = services.session_record(
        actor=physio2, patient=rich, assessment=assessment, started_at=started,
        targeted_muscles=[
            {"muscle": muscle("multifidus-lumbar"), "side": "left", "segment": "L5", "needle_length_mm": 50,
             "needle_diameter_mm": Decimal("0.30"), "twitch_response": "strong_contraction", "twitch_count": 4,
             "outcome": "released", "notes": "Deep"},
            {"muscle": muscle("gluteus-medius"), "side": "left", "needle_diameter_mm": Decimal("0.25"),
             "twitch_response": "local_twitch", "outcome": "partial"},
            {"muscle": muscle("rhomboid-major"), "side": "right", "twitch_response": "none",
             "outcome": "not_released"},
            {"muscle": muscle("intercostals"), "side": "left", "twitch_response": "needle_grasp",
             "outcome": "released"},
        ],
        pain_scores=[
            # Three scores at one instant: the moment breaks the tie.
            {"moment": "pre_session", "score": 7, "region": "Low back", "recorded_at": started},
            {"moment": "post_session", "score": 3, "recorded_at": started},
            {"moment": "follow_up", "score": 2, "recorded_at": started},
        ],
        adverse_events=[{"kind": "bruising", "severity": "mild"},
                        {"kind": "post_needling_soreness", "severity": "significant", "notes": "Next day"}],
        needles_used=4, needles_removed=4, exercises="Cat-camel ×10", notes="Tolerated well.",
    )
    signed = services.session_sign(actor=physio2, session=signed)
    services.addendum_create(actor=physio, record=signed, text="Patient called: soreness settled.")
    services.addendum_create(actor=physio2, record=signed, text="Second note.")
    draft = services.session_record(
        actor=physio, patient=rich, assessment=assessment, started_at=started + dt.timedelta(days=3, minutes=1),
        targeted_muscles=[{"muscle": muscle("piriformis"), "side": "bilateral", "twitch_response": "local_twitch",
                           "outcome": "released", "needle_length_mm": 60}],
        pain_scores=[{"moment": "post_session", "score": 4, "recorded_at": started + dt.timedelta(days=3, hours=1)},
                     {"moment": "pre_session", "score": 6, "recorded_at": started + dt.timedelta(days=3)}],
        needles_used=2, needles_removed=1,
    )
    services.session_record(actor=physio2, patient=plain, started_at=started + dt.timedelta(days=1))  # bare
    # Standalone scores, two at one instant.
    services.pain_score_record(actor=physio, patient=rich, moment="baseline", score=8, region="Back",
                               recorded_at=BASE - dt.timedelta(days=20), assessment=assessment)
    services.pain_score_record(actor=physio, patient=rich, moment="follow_up", score=3,
                               recorded_at=BASE - dt.timedelta(days=1))
    services.pain_score_record(actor=physio2, patient=plain, moment="follow_up", score=5,
                               recorded_at=BASE - dt.timedelta(days=1))
    return {"rich": rich, "plain": plain, "withdrawn": withdrawn, "archived": archived, "assessment": assessment,
            "signed": signed, "draft": draft}


def test_capture(db, seeded_ids, corpus_dir):
    cache.clear()
    clinic = ClinicFactory(name="Harbour Physio", slug="harbour")
    other = ClinicFactory(name="Hillside Physio", slug="hillside")
    physio = make_user(clinic=clinic, role=Role.PHYSIOTHERAPIST, username="physio", first_name="Pat", last_name="Lee")
    physio2 = make_user(clinic=clinic, role=Role.PHYSIOTHERAPIST, username="physio2", first_name="", last_name="")
    admin = make_user(clinic=clinic, role=Role.CLINIC_ADMIN, username="clinicadmin")
    other_physio = make_user(clinic=other, role=Role.PHYSIOTHERAPIST, username="otherphysio")
    foreign = PatientFactory(clinic=other, chart_number="X0001")
    ConsentFactory(patient=foreign, recorded_by=other_physio)
    services.session_record(actor=other_physio, patient=foreign, started_at=BASE)
    r = _records(physio, physio2, clinic)

    client, admin_client = token_client(physio), token_client(admin)
    mask = Masker()
    answers = []

    def keep(name, response):
        cache.clear()  # no throttling across the many calls
        body = response.content
        answers.append((name, response.status_code, response.get("ETag", ""), body))
        return response

    def get(name, path, c=None):
        return keep(name, (c or client).get(path))

    def write(name, method, path, data=None, version=None, c=None):
        headers = {"HTTP_IF_MATCH": f'"{version}"'} if version is not None else {}
        return keep(name, getattr(c or client, method)(path, data, format="json", **headers))

    # Lists, several pages and filters.
    for query in ("", "?page_size=1", "?page_size=2", f"?patient={r['rich'].pk}", "?status=signed",
                  "?updated_since=2000-01-01T00:00:00Z"):
        listed = get(f"sessions-list{query}", f"/api/v1/sessions/{query}")
    page = get("sessions-list-page2", listed.json().get("next") or "/api/v1/sessions/?page_size=1")
    assert page.status_code == 200
    for query in ("", "?page_size=1", f"?patient={r['rich'].pk}"):
        get(f"assessments-list{query}", f"/api/v1/assessments/{query}")
    for query in ("", "?archived=true", "?archived=all", "?search=Quinlan", "?page_size=2"):
        get(f"patients-list{query}", f"/api/v1/patients/{query}")
    for query in ("", "?page_size=2", f"?patient={r['rich'].pk}"):
        get(f"pain-scores-list{query}", f"/api/v1/pain-scores/{query}")

    # Details.
    for key in ("signed", "draft"):
        get(f"session-{key}", f"/api/v1/sessions/{r[key].pk}/")
    get("session-foreign", f"/api/v1/sessions/{foreign.sessions.get().pk}/")
    get("assessment-signed", f"/api/v1/assessments/{r['assessment'].pk}/")
    for key in ("rich", "plain", "withdrawn", "archived"):
        get(f"patient-{key}", f"/api/v1/patients/{r[key].pk}/")
    for n, pain in enumerate(r["rich"].pain_scores.order_by("recorded_at", "moment")):
        get(f"pain-score-{n}", f"/api/v1/pain-scores/{pain.pk}/")

    # Session writes and their re-reads.
    body = {
        "patient": str(r["rich"].pk), "assessment": str(r["assessment"].pk), "started_at": "2026-03-01T10:00:00+01:00",
        "targeted_muscles": [
            {"muscle": "multifidus-lumbar", "side": "right", "segment": "L4", "twitch_response": "local_twitch",
             "outcome": "released", "needle_diameter_mm": 0.3, "needle_length_mm": 40},
            {"muscle": str(muscle("scalenus-anterior").pk), "side": "right", "twitch_response": "none",
             "outcome": "partial", "notes": "Careful"},
        ],
        "pain_scores": [{"moment": "pre_session", "score": 5}, {"moment": "post_session", "score": 2,
                                                                  "recorded_at": "2026-03-01T10:40:00+01:00"}],
        "adverse_events": [{"kind": "headache", "notes": "Mild"}],
        "needles_used": 2, "needles_removed": 2, "exercises": "Walk", "notes": "New",
    }
    created = write("session-post", "post", "/api/v1/sessions/", body).json()
    put_body = {**body, "targeted_muscles": body["targeted_muscles"][:1], "adverse_events": [], "notes": "Replaced"}
    put_body.pop("patient")
    put = write("session-put", "put", f"/api/v1/sessions/{created['id']}/", put_body, created["version"]).json()
    patched = write("session-patch", "patch", f"/api/v1/sessions/{created['id']}/", {"notes": "Patched"},
                    put["version"]).json()
    write("session-sign", "post", f"/api/v1/sessions/{created['id']}/sign/", {}, patched["version"])
    write("session-addendum", "post", f"/api/v1/sessions/{created['id']}/addenda/", {"text": "Later"})
    write("session-post-bare", "post", "/api/v1/sessions/", {"patient": str(r["plain"].pk),
                                                            "started_at": "2026-03-01T08:00:00Z"})
    write("session-post-invalid", "post", "/api/v1/sessions/", {**body, "needles_used": -1})
    get("session-after-writes", f"/api/v1/sessions/{created['id']}/")

    # Assessment writes.
    assessment_body = {
        "patient": str(r["plain"].pk), "assessed_at": "2026-02-27T09:00:00-05:00", "chief_complaint": "Shoulder",
        "history": "Two weeks", "affected_segments": ["C5", "C6"],
        "findings": [{"muscle": "infraspinatus", "side": "right", "taut_band": True, "tenderness": 2}],
        "plan": [{"muscle": "infraspinatus", "side": "right", "rationale": "First"},
                 {"muscle": "supraspinatus", "side": "right"}],
    }
    a = write("assessment-post", "post", "/api/v1/assessments/", assessment_body).json()
    a = write("assessment-patch", "patch", f"/api/v1/assessments/{a['id']}/", {"history": "Three weeks",
                                                                              "plan": []}, a["version"]).json()
    write("assessment-sign", "post", f"/api/v1/assessments/{a['id']}/sign/", {}, a["version"])
    write("assessment-addendum", "post", f"/api/v1/assessments/{a['id']}/addenda/", {"text": "Note"})

    # Patient writes.
    p = write("patient-post", "post", "/api/v1/patients/", {
        "given_name": "Eli", "family_name": "New", "date_of_birth": "1990-01-02", "sex": "female",
        "precautions": [{"code": "needle_phobia", "note": "Talk first"}, {"code": "epilepsy"}],
    }).json()
    p = write("patient-patch", "patch", f"/api/v1/patients/{p['id']}/", {"phone": "555-0199"}, p["version"]).json()
    p = write("patient-put", "put", f"/api/v1/patients/{p['id']}/", {
        "given_name": "Eli", "family_name": "Renamed", "date_of_birth": "1990-01-02", "precautions": [],
    }, p["version"]).json()
    write("patient-consent", "post", f"/api/v1/patients/{p['id']}/consent/", {"form_version": "IMS-2026-02",
                                                                              "given_at": "2026-03-01T09:00:00Z"})
    get("patient-after-consent", f"/api/v1/patients/{p['id']}/")
    write("patient-archive", "post", f"/api/v1/patients/{p['id']}/archive/", {}, c=admin_client)

    # Pain score write.
    write("pain-score-post", "post", "/api/v1/pain-scores/", {
        "patient": str(r["plain"].pk), "moment": "follow_up", "score": 1, "region": "Neck",
        "recorded_at": "2026-03-01T12:00:00+02:00"})

    for n, (name, status, etag, content) in enumerate(answers):
        safe = re.sub(r"[^A-Za-z0-9=._-]+", "_", UUID.sub(b"ID", name.encode()).decode())
        (corpus_dir / f"{n:03d}-{safe}").write_bytes(b"%d %s\n" % (status, etag.encode()) + mask(content) + b"\n")
    assert len(answers) > 40
