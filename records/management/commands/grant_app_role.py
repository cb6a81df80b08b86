"""``manage.py grant_app_role ROLE``: least privileges for the application's login role.

Run by the owner of the tables (the account that ran ``migrate``), after every ``migrate``
(DESIGN §11). On every table and sequence in the app's schema — Django's, third-party
apps' and the cache table included — it first revokes everything from ROLE, then grants
exactly: SELECT, INSERT, UPDATE, DELETE on tables; USAGE, SELECT, UPDATE on sequences;
USAGE on the schema. No ownership, no TRUNCATE, REFERENCES or TRIGGER: the app's own
connection cannot switch the immutability triggers off. Idempotent.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction


class Command(BaseCommand):
    help = "Grant a PostgreSQL login role the least privileges the app needs (run as the tables' owner)."

    def add_arguments(self, parser):
        parser.add_argument("role")
        parser.add_argument("--database", default="default")

    def handle(self, *args, role: str, database: str, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("grant_app_role is for PostgreSQL; SQLite has no roles.")
        quote = connection.ops.quote_name
        with transaction.atomic(using=database), connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            row = cursor.fetchone()
            if row is None:
                raise CommandError(f"Role {role!r} does not exist; create it first (CREATE ROLE … LOGIN).")
            if row[0]:
                raise CommandError(f"Role {role!r} is a superuser: the app must not connect as one.")
            cursor.execute("SELECT current_schema(), current_user")
            schema, owner = cursor.fetchone()
            if role == owner:
                raise CommandError("Give the app a role other than the tables' owner.")
            cursor.execute(
                "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'S') ORDER BY c.relkind, c.relname",
                [schema],
            )
            relations = cursor.fetchall()
            who = quote(role)
            cursor.execute(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {who}")
            tables = sequences = 0
            for name, kind in relations:
                target = f"{quote(schema)}.{quote(name)}"
                if kind == "S":
                    cursor.execute(f"REVOKE ALL ON SEQUENCE {target} FROM {who}")
                    cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON SEQUENCE {target} TO {who}")
                    sequences += 1
                else:
                    cursor.execute(f"REVOKE ALL ON TABLE {target} FROM {who}")
                    cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {target} TO {who}")
                    tables += 1
        self.stdout.write(f"Granted {role!r} data access on {tables} table(s) and {sequences} sequence(s) "
                          f"in schema {schema!r}; nothing else.")
