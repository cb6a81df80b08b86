"""Database-enforced immutability: the database itself refuses to change what is signed.

The services never update a signed record, but a bug, an admin shell or a hand-written
SQL statement could. These triggers make the rules hold below the application:

* a signed treatment session or assessment cannot be updated or deleted;
* the nested rows of a signed record (targeted muscles, pain scores, adverse events,
  findings, plan items) cannot be updated or deleted, nor added after the signature
  (a row whose ``created_at`` is later than the parent's ``signed_at``). A pain score
  linked to a signed assessment (a baseline or follow-up rating) may still be added: it is
  not part of the assessment's signed content, but once recorded it is just as fixed;
* addenda and audit events are append-only: never updated, never deleted.

INSERT of a signed row itself stays allowed, so a backup can be restored with its
signatures. PostgreSQL raises SQLSTATE 23001 (restrict_violation) and SQLite a
trigger constraint error: both reach Django as ``IntegrityError``.

The SQL is written out here rather than imported, so the migration stays frozen.
Every object is named ``records_immutable_*`` (see ``records.immutability``).
"""

from django.db import migrations

SIGNED_PARENTS = [
    # (table, label)
    ("records_treatmentsession", "treatment session"),
    ("records_assessment", "assessment"),
]

NESTED = [
    # (child table, foreign key column, parent table, label, refuse rows added after signing)
    ("records_targetedmuscle", "session_id", "records_treatmentsession", "targeted muscle", True),
    ("records_painscore", "session_id", "records_treatmentsession", "pain score", True),
    ("records_adverseevent", "session_id", "records_treatmentsession", "adverse event", True),
    ("records_painscore", "assessment_id", "records_assessment", "pain score", False),
    ("records_assessmentfinding", "assessment_id", "records_assessment", "assessment finding", True),
    ("records_planitem", "assessment_id", "records_assessment", "plan item", True),
]

APPEND_ONLY = [
    ("records_addendum", "addendum"),
    ("records_auditevent", "audit event"),
]

SIGNED_MESSAGE = "A signed {label} cannot be changed or deleted; corrections are addenda."
NESTED_MESSAGE = "A {label} of a signed record cannot be added, changed or deleted; corrections are addenda."
APPEND_MESSAGE = "An {label} is append-only: it cannot be changed or deleted."


def _nested_name(child: str, fk: str) -> str:
    return f"records_immutable_{child.removeprefix('records_')}_{fk.removesuffix('_id')}"


# --- PostgreSQL ---------------------------------------------------------------------


def _pg_forward() -> list[str]:
    sql = []
    for table, label in SIGNED_PARENTS:
        name = f"records_immutable_{table.removeprefix('records_')}"
        sql.append(f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{SIGNED_MESSAGE.format(label=label)}' USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW WHEN (OLD.status = 'signed') EXECUTE FUNCTION {name}();
""")  # noqa: S608
    for child, fk, parent, label, lock_insert in NESTED:
        name = _nested_name(child, fk)
        message = NESTED_MESSAGE.format(label=label)
        insert_check = "" if not lock_insert else f"""
    IF TG_OP = 'INSERT'
       AND EXISTS (SELECT 1 FROM {parent} p
                   WHERE p.id = NEW.{fk} AND p.status = 'signed' AND NEW.created_at > p.signed_at) THEN
        RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation';
    END IF;"""  # noqa: S608
        events = "INSERT OR UPDATE OR DELETE" if lock_insert else "UPDATE OR DELETE"
        sql.append(f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE')
       AND EXISTS (SELECT 1 FROM {parent} p WHERE p.id = OLD.{fk} AND p.status = 'signed') THEN
        RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'UPDATE'
       AND EXISTS (SELECT 1 FROM {parent} p WHERE p.id = NEW.{fk} AND p.status = 'signed') THEN
        RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation';
    END IF;{insert_check}
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER {name} BEFORE {events} ON {child}
    FOR EACH ROW EXECUTE FUNCTION {name}();
""")  # noqa: S608
    for table, label in APPEND_ONLY:
        name = f"records_immutable_{table.removeprefix('records_')}"
        sql.append(f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{APPEND_MESSAGE.format(label=label)}' USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {name}();
""")  # noqa: S608
    return sql


def _pg_backward() -> list[str]:
    sql = []
    for table, _label in [*SIGNED_PARENTS, *APPEND_ONLY]:
        name = f"records_immutable_{table.removeprefix('records_')}"
        sql.append(f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();")
    for child, fk, _parent, _label, _lock_insert in NESTED:
        name = _nested_name(child, fk)
        sql.append(f"DROP TRIGGER IF EXISTS {name} ON {child}; DROP FUNCTION IF EXISTS {name}();")
    return sql


# --- SQLite ---------------------------------------------------------------------------


def _sqlite_trigger(name: str, when: str, table: str, condition: str, message: str) -> str:
    return (
        f"CREATE TRIGGER {name} BEFORE {when} ON {table} FOR EACH ROW WHEN {condition} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
    )


def _sqlite_forward() -> list[str]:
    sql = []
    for table, label in SIGNED_PARENTS:
        base = f"records_immutable_{table.removeprefix('records_')}"
        message = SIGNED_MESSAGE.format(label=label)
        for op in ("UPDATE", "DELETE"):
            sql.append(_sqlite_trigger(f"{base}_{op.lower()}", op, table, "OLD.status = 'signed'", message))
    for child, fk, parent, label, lock_insert in NESTED:
        base = _nested_name(child, fk)
        message = NESTED_MESSAGE.format(label=label)
        signed = f"EXISTS (SELECT 1 FROM {parent} p WHERE p.status = 'signed' AND p.id = {{row}}.{fk}{{extra}})"  # noqa: S608
        if lock_insert:
            sql.append(_sqlite_trigger(
                f"{base}_insert", "INSERT", child,
                signed.format(row="NEW", extra=" AND NEW.created_at > p.signed_at"), message,
            ))
        sql.append(_sqlite_trigger(
            f"{base}_update", "UPDATE", child,
            f"{signed.format(row='OLD', extra='')} OR {signed.format(row='NEW', extra='')}", message,
        ))
        sql.append(_sqlite_trigger(f"{base}_delete", "DELETE", child, signed.format(row="OLD", extra=""), message))
    for table, label in APPEND_ONLY:
        base = f"records_immutable_{table.removeprefix('records_')}"
        message = APPEND_MESSAGE.format(label=label)
        for op in ("UPDATE", "DELETE"):
            sql.append(_sqlite_trigger(f"{base}_{op.lower()}", op, table, "1", message))
    return sql


def _sqlite_backward() -> list[str]:
    return [
        statement.split(" BEFORE ")[0].replace("CREATE TRIGGER", "DROP TRIGGER IF EXISTS") + ";"
        for statement in _sqlite_forward()
    ]


def _run(statements_for):
    def run(apps, schema_editor):
        statements = statements_for(schema_editor.connection.vendor)
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return run


def _forward(vendor: str) -> list[str]:
    return {"postgresql": _pg_forward, "sqlite": _sqlite_forward}.get(vendor, list)()


def _backward(vendor: str) -> list[str]:
    return {"postgresql": _pg_backward, "sqlite": _sqlite_backward}.get(vendor, list)()


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0002_muscle_catalogue"),
    ]

    operations = [
        migrations.RunPython(_run(_forward), _run(_backward), elidable=False),
    ]
