"""records.sql: value conversion across vendors, and queries sent together."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from records.sql import db_id, fetch, fetch_together, to_instant, to_number, to_uuid


def test_instants_from_either_vendor_become_aware_utc():
    naive = dt.datetime(2026, 3, 1, 9, 30, 5, 120)
    assert to_instant(naive) == naive.replace(tzinfo=dt.UTC)
    assert to_instant("2026-03-01 09:30:05.000120") == naive.replace(tzinfo=dt.UTC)
    aware = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert to_instant(aware) is aware and to_instant(None) is None


def test_numbers_and_ids():
    assert to_number(Decimal("0.30"), 2) == 0.3 and to_number(0.25000001, 2) == 0.25 and to_number(None, 2) is None
    pk = uuid.uuid4()
    assert to_uuid(pk.hex) == pk and to_uuid(pk) is pk and to_uuid(None) is None
    assert db_id(str(pk)) == (pk.hex if connection.vendor == "sqlite" else pk)
    with pytest.raises(ValueError):
        db_id("not-a-uuid")


@pytest.mark.django_db
def test_fetch_together_answers_each_query_in_order(django_assert_num_queries):
    with django_assert_num_queries(3):
        answers = fetch_together(("SELECT 1", []), ("SELECT %s, %s", [2, "two"]), ("SELECT 3 WHERE 1 = 0", []))
    assert answers == [[(1,)], [(2, "two")], []]
    assert fetch("SELECT %s", [4]) == [(4,)]


@pytest.mark.django_db(transaction=True)  # autocommit, as in a request: no test transaction to abort
def test_fetch_together_raises_the_failing_querys_error_and_the_connection_stays_usable():
    with pytest.raises(Exception, match="no_such_table"):
        fetch_together(("SELECT 1", []), ("SELECT * FROM no_such_table", []))
    assert fetch("SELECT 5", []) == [(5,)]


@pytest.mark.django_db
def test_fixed_statements_are_prepared_once_per_connection_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are a PostgreSQL matter")
    statement = "SELECT %s::int + 40 AS prepared_probe"
    for value in range(4):
        assert fetch(statement, [value]) == [(value + 40,)]
    prepared = fetch("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%prepared_probe%"])
    assert len(prepared) == 1 and "$1" in prepared[0][0]
