"""``manage.py flush`` that also works with the immutability triggers on SQLite.

Django's flush empties every table. On PostgreSQL it uses TRUNCATE, which row triggers
do not see; on SQLite it uses DELETE, which the append-only triggers refuse. Emptying the
whole database is a maintenance act (and what the test runner does between transactional
tests), so on SQLite the triggers are lifted for the flush and put back after it.
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections

from records.immutability import triggers_suspended


class Command(FlushCommand):
    def handle(self, **options):
        using = options.get("database") or DEFAULT_DB_ALIAS
        if connections[using].vendor != "sqlite":
            return super().handle(**options)
        with triggers_suspended(using):
            return super().handle(**options)
