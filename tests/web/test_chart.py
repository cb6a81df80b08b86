"""The patient chart: header, course, release-order grid, pain, body map, timeline; audited; flat queries."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from records import services
from records.models import AuditEvent
from tests.factories import ConsentFactory, PatientFactory, PrecautionFactory
from tests.web.conftest import add_sessions, make_course


def chart(client, patient, **params):
    return client.get(reverse("web:patient_chart", args=[patient.pk]), params)


def test_header_course_grid_pain_body_map_and_timeline(client, physio, patient, course):
    PrecautionFactory(patient=patient, code="anticoagulants", note="Warfarin")
    sessions = add_sessions(physio, patient, 3, assessment=course)
    services.addendum_create(actor=physio, record=sessions[0], text="Patient reported the bruise resolved.")
    client.force_login(physio)
    response = chart(client, patient)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Morgan Quinlan" in html and "Anticoagulants: Warfarin" in html and "Current" in html
    assert "no consent" not in html.lower()
    # Course: segments and the plan in order.
    assert re.search(r"Lumbar multifidus.*Gluteus medius.*Piriformis", html.split('id="course-h"')[1], re.S)
    assert '<span class="badge seg">L5</span>' in html
    # Grid: plan rows first (P1…P3), then the unplanned upper trapezius; a column per session.
    grid = html.split('id="release-grid"')[1].split("</table>")[0]
    assert grid.count('class="sess"') == 3
    heads = re.findall(r'<th scope="row" class="rowhead">(.*?)</th>', grid, re.S)
    assert [re.sub(r"<.*?>", "", h).split()[1:3] for h in heads][:3] == [
        ["Lumbar", "multifidus"], ["Gluteus", "medius"], ["Piriformis", "left"]]
    assert "Upper trapezius" in heads[3] and "LF" in heads[3]
    first_row = grid.split("</tr>")[1]
    assert re.findall(r'class="order-no">(\d+)<', first_row) == ["1", "1", "1"]
    assert re.findall(r'class="twitch g(\d)"', first_row) == ["3", "2", "1"]  # strong → grasp: fading
    assert "fading" in first_row
    assert "not treated" in grid  # piriformis planned, never treated
    # Pain: before/after per session, MCID marked.
    assert 'id="pain-data"' in html and "MCID" in html
    assert re.findall(r"<td>(\d+)</td><td>(\d+)</td>", html.split('id="pain-table"')[1]) == [
        ("8", "5"), ("7", "4"), ("6", "3")]
    # Body map: the latest session's markers, the lung-field trapezius marked.
    body = html.split('id="bodymap"')[1]
    # Drawn last-first so marker 1 stays on top where markers overlap.
    assert re.findall(r'class="marker( lung)?" data-order="(\d)"', body) == [(" lung", "3"), ("", "2"), ("", "1")]
    assert body.count('class="marker lung"') == 1
    # Timeline: sessions, the addendum and the adverse event.
    assert "Addendum</strong> to session 1" in html and "Patient reported the bruise resolved." in html
    assert "Adverse event: Bruising (mild)" in html


def test_body_map_shows_the_chosen_session(client, physio, patient):
    sessions = add_sessions(physio, patient, 2)
    client.force_login(physio)
    html = chart(client, patient, session=str(sessions[0].pk)).content.decode()
    assert f'<option value="{sessions[0].pk}" selected>' in html
    right_trapezius = re.search(r'class="marker lung" data-order="3">\s*<title>(.*?)</title>', html)
    assert right_trapezius.group(1) == "3. Upper trapezius (right) — lung field"


def test_right_side_markers_are_mirrored(client, physio, patient):
    add_sessions(physio, patient, 1)
    client.force_login(physio)
    html = chart(client, patient).content.decode()
    # Upper trapezius is at x=37 for the patient's left in the posterior view; right → 63.
    assert re.search(r'data-order="3">\s*<title>[^<]*</title>\s*<circle cx="63.0"', html)


def test_missing_and_withdrawn_consent_banners(client, physio, clinic, patient_without_consent):
    client.force_login(physio)
    html = chart(client, patient_without_consent).content.decode()
    assert "There is <strong>no consent</strong> to needling on record." in html
    withdrawn = PatientFactory(clinic=clinic)
    ConsentFactory(patient=withdrawn, recorded_by=physio)
    services.consent_withdraw(actor=physio, patient=withdrawn)
    html = chart(client, withdrawn).content.decode()
    assert "Consent to needling has been <strong>withdrawn</strong>." in html


def test_viewing_the_chart_is_audited(client, physio, patient):
    client.force_login(physio)
    chart(client, patient)
    event = AuditEvent.objects.get(action="view", patient=patient)
    assert (event.actor, event.object_type, event.object_id) == (physio, "chart", str(patient.pk))
    assert event.route == "GET /patients/<uuid:pk>/"


def count_chart_queries(client, patient) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert chart(client, patient).status_code == 200
    return len(queries)


def test_chart_queries_do_not_grow_with_history(client, physio, clinic, patient):
    short = PatientFactory(clinic=clinic)
    ConsentFactory(patient=short, recorded_by=physio)
    for someone, count in ((short, 3), (patient, 30)):
        sessions = add_sessions(physio, someone, count, assessment=make_course(physio, someone))
        for session in sessions[:count // 3]:
            services.addendum_create(actor=physio, record=session, text="Later note.")
    client.force_login(physio)
    count_chart_queries(client, short)  # warm the session/auth caches alike for both
    three, thirty = count_chart_queries(client, short), count_chart_queries(client, patient)
    # 19 reads + 5 to recompute the sign-off digests + 1 for the attached documents
    assert three == thirty == 25


def test_chart_marks_a_record_altered_behind_the_applications_back(client, physio, patient, course):
    from records.immutability import triggers_suspended
    from records.models import TargetedMuscle

    sessions = add_sessions(physio, patient, 2, assessment=course)
    client.force_login(physio)
    html = chart(client, patient).content.decode()
    assert "altered since signing" not in html
    with triggers_suspended():
        TargetedMuscle.objects.filter(session=sessions[0], order=1).update(outcome="not_released")
    html = chart(client, patient).content.decode()
    assert "1 signed record altered since signing." in html
    timeline = html.split('id="tl-h"')[1]
    marked = re.findall(
        r"Session (\d+)</strong></a>\s*<span[^>]*>signed</span> <span class=\"badge danger\">", timeline
    )
    assert marked == [str(sessions[0].number)]


def test_clinic_admin_sees_who_viewed_the_chart(client, physio, clinic_admin, patient):
    client.force_login(physio)
    html = chart(client, patient).content.decode()
    assert "Who viewed this record" not in html  # physiotherapists do not read the audit trail
    client.force_login(clinic_admin)
    html = chart(client, patient).content.decode()
    log = html.split('id="views-h"')[1].split("</table>")[0]
    # The physiotherapist's earlier read is listed; the admin's own read is written after the page is built.
    assert re.findall(r"<td>(\w+)</td><td>chart</td>", log) == ["physio"]
