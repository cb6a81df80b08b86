"""reports/outcomes/: roles, clinic scope, parameters, CSV export, query count."""

import csv
import io

import pytest

from tests.records.test_outcome_report import hand_built  # noqa: F401  (fixture)

URL = "/api/v1/reports/outcomes/"
PERIOD = {"from": "2026-03-01", "to": "2026-03-31"}


def test_admins_and_physios_read_the_report_of_their_clinic(admin_client, physio_client, hand_built):  # noqa: F811
    for client in (admin_client, physio_client):
        response = client.get(URL, PERIOD)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["treatments"] == 8 and body["courses"] == 3
        assert body["adverse_events"]["bruising"]["count"] == 2
        assert body["period"] == {"from": "2026-03-01", "to": "2026-03-31", "time_zone": "America/Vancouver"}
        assert response["Cache-Control"] == "no-store"


def test_readers_and_anonymous_are_refused(reader_client, api_client, hand_built):  # noqa: F811
    assert reader_client.get(URL, PERIOD).status_code == 403
    assert api_client.get(URL, PERIOD).status_code == 401


def test_another_clinic_sees_only_its_own(other_admin, hand_built):  # noqa: F811
    from .conftest import token_client

    body = token_client(other_admin).get(URL, PERIOD).json()
    assert body["treatments"] == 0 and body["courses"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"to": "2026-03-31"}, "from"),
        ({"from": "2026-03-01"}, "to"),
        ({"from": "2026-03-31", "to": "2026-03-01"}, "to"),
        ({"from": "March", "to": "2026-03-31"}, "from"),
        ({**PERIOD, "practitioner": "abc"}, "practitioner"),
        ({**PERIOD, "practitioner": 999999}, "practitioner"),
    ],
)
def test_bad_parameters_are_400_naming_them(admin_client, query, field):
    response = admin_client.get(URL, query)
    assert response.status_code == 400 and field in response.json()["error"]["fields"], response.content


def test_practitioner_of_another_clinic_is_400(admin_client, other_physio):
    response = admin_client.get(URL, {**PERIOD, "practitioner": other_physio.pk})
    assert response.status_code == 400 and "practitioner" in response.json()["error"]["fields"]


def test_practitioner_filter(admin_client, physio2, hand_built):  # noqa: F811
    body = admin_client.get(URL, {**PERIOD, "practitioner": physio2.pk}).json()
    assert (body["practitioner"], body["treatments"], body["courses"]) == (physio2.pk, 2, 1)


def test_csv_export(admin_client, hand_built):  # noqa: F811
    response = admin_client.get(URL, {**PERIOD, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_key = {(row["section"], row["key"]): row for row in rows}
    assert by_key[("treatments", "")]["count"] == "8"
    assert by_key[("adverse_events", "bruising")]["rate"] == "0.2500"
    assert by_key[("adverse_events", "bruising")]["reference_rate"] == "0.076"
    assert by_key[("mcid_reached", "")]["count"] == "2" and by_key[("mcid_reached", "")]["total"] == "3"
    assert by_key[("responders_by_session", "3")]["rate"] == "0.6667"
    assert by_key[("instrument_responders", "psfs")]["count"] == "1"


def test_csv_by_accept_header(admin_client, hand_built):  # noqa: F811
    response = admin_client.get(URL, PERIOD, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response.content.decode().startswith("section,key,count")


def test_query_count(admin_client, hand_built, django_assert_num_queries):  # noqa: F811
    # token 1 + report 6
    with django_assert_num_queries(7):
        assert admin_client.get(URL, PERIOD).status_code == 200
