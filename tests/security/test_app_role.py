"""Least privilege on PostgreSQL: the granted role reads and writes drafts, but cannot update
a signed row, disable the immutability triggers, or TRUNCATE (DESIGN §11)."""

import psycopg
import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import connection

from records.models import TreatmentSession

ROLE, PASSWORD = "h14_app_role_test", "h14-app-role-test-password"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="roles and grants are PostgreSQL's"),
]


@pytest.fixture
def app_role():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD %s", [PASSWORD])
    yield ROLE
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {ROLE}")  # its grants in this (test) database
    # The role itself is cluster-wide and kept (other test databases may hold grants to it).


def app_connection():
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432, dbname=settings["NAME"],
        user=ROLE, password=PASSWORD, autocommit=True,
    )


def refused(conn, sql, params=()):
    try:
        conn.execute(sql, params)
    except psycopg.Error as exc:
        return exc
    return None


def test_granted_role_writes_drafts_and_nothing_more(app_role, physio, patient, yesterday):
    from tests.security.conftest import record_session

    draft = record_session(physio, patient, yesterday, sign=False)
    signed = record_session(physio, patient, yesterday, sign=True)
    call_command("grant_app_role", app_role)
    call_command("grant_app_role", app_role)  # idempotent
    with app_connection() as conn:
        assert conn.execute("SELECT count(*) FROM records_treatmentsession").fetchone()[0] == 2
        conn.execute("UPDATE records_treatmentsession SET notes = 'edited as the app' WHERE id = %s", [draft.pk])
        assert refused(conn, "UPDATE records_treatmentsession SET notes = 'forged' WHERE id = %s", [signed.pk])
        error = refused(conn, "ALTER TABLE records_treatmentsession DISABLE TRIGGER ALL")
        assert isinstance(error, psycopg.errors.InsufficientPrivilege)
        assert isinstance(refused(conn, "TRUNCATE records_auditevent"), psycopg.errors.InsufficientPrivilege)
        assert isinstance(
            refused(conn, "CREATE TRIGGER t BEFORE UPDATE ON records_patient FOR EACH ROW EXECUTE FUNCTION now()"),
            psycopg.Error,
        )
        # Sequences of third-party and Django tables work too (an INSERT with a serial id).
        conn.execute("INSERT INTO django_content_type (app_label, model) VALUES ('h14', 'probe')")
    assert TreatmentSession.objects.get(pk=draft.pk).notes == "edited as the app"
    assert TreatmentSession.objects.get(pk=signed.pk).notes == signed.notes


def test_deploy_check_warns_when_connected_as_superuser_or_owner():
    ids = {message.id for message in run_checks(include_deployment_checks=True)}
    assert ids & {"records.W001", "records.W002"}  # the suite connects as postgres
