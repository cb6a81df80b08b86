"""The database triggers that keep signed records, addenda and the audit trail immutable.

They are created by migration ``0003_immutability_triggers``; every one of them is named
``records_immutable_*``. This module only lets trusted maintenance code step around them:
``manage.py flush`` (which empties every table) and the tests that simulate tampering.
"""

import contextlib
from collections.abc import Iterator

from django.db import connections

__all__ = ["TRIGGER_PREFIX", "immutability_triggers", "triggers_suspended"]

TRIGGER_PREFIX = "records_immutable_"


def immutability_triggers(using: str = "default") -> list[tuple[str, str]]:
    """(trigger name, table) of every immutability trigger in the database."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s ORDER BY name",
                [TRIGGER_PREFIX + "%"],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgname LIKE %s ORDER BY t.tgname",
                [TRIGGER_PREFIX + "%"],
            )
        else:
            return []
        return [(name, table) for name, table in cursor.fetchall()]


@contextlib.contextmanager
def triggers_suspended(using: str = "default") -> Iterator[None]:
    """Switch the immutability triggers off inside the block, and back on after it.

    On PostgreSQL the triggers are disabled (``ALTER TABLE … DISABLE TRIGGER``); on SQLite,
    which cannot disable a trigger, they are dropped and recreated from their stored SQL.
    Both are DDL inside the current transaction: if it rolls back, so does the suspension.
    Only for maintenance and tests: the application never needs it.
    """
    connection = connections[using]
    triggers = immutability_triggers(using)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s ORDER BY name",
                [TRIGGER_PREFIX + "%"],
            )
            definitions = [row[0] for row in cursor.fetchall()]
            for name, _table in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
        else:
            # ALTER TABLE waits for no one: fire the deferred foreign-key checks queued so far.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, table in triggers:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{name}"')
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                for definition in definitions:
                    cursor.execute(definition)
            else:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for name, table in triggers:
                    cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{name}"')
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
