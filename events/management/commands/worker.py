"""``manage.py worker``: the background worker, whatever the task backend (DESIGN §13).

Delegates to the backend's own worker (django-tasks-db's ``db_worker`` or django-rq's
``rqworker``) and runs the events sweep beside it: due webhook retries, deliveries whose
worker died, expired export files. Run as many as you like, on as many machines: tasks
are claimed by one worker each, and an endpoint's deliveries by one worker at a time.
"""

import logging
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections

from events.tasks import sweep

logger = logging.getLogger("events.worker")


class Command(BaseCommand):
    help = "Run the background worker (webhook deliveries, bulk exports) on the configured task backend."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true",
                            help="Sweep once, run every task outstanding, then exit (db: --batch, rq: --burst).")
        parser.add_argument("--queue", default="default", help="Queue to work (default: %(default)s).")
        parser.add_argument("--no-sweep", action="store_true", help="Do not run the periodic events sweep here.")

    def _sweep_forever(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                close_old_connections()
                sweep()
            except Exception:  # noqa: BLE001 - the sweep must outlive a database hiccup
                logger.exception("Events sweep failed; retrying in %ss", settings.EVENTS_SWEEP_SECONDS)
            finally:
                connections.close_all()
            stop.wait(settings.EVENTS_SWEEP_SECONDS)

    def handle(self, *args, batch=False, queue="default", no_sweep=False, verbosity=1, **options):
        backend = settings.TASKS["default"]["BACKEND"]
        stop = threading.Event()
        if batch:
            if not no_sweep:
                sweep()
        elif not no_sweep:
            threading.Thread(target=self._sweep_forever, args=(stop,), name="events-sweep", daemon=True).start()
        try:
            if backend == "django_tasks_rq.RQBackend":
                # django-tasks-rq runs tasks through its own Job class. A batch run works in this
                # process (no fork per job), so it sees what the caller sees.
                call_command("rqworker", queue, burst=batch, with_scheduler=not batch, verbosity=verbosity,
                             job_class="django_tasks_rq.Job",
                             worker_class="rq.worker.SimpleWorker" if batch else None)
            elif backend == "django_tasks_db.DatabaseBackend":
                call_command("db_worker", queue_name=queue, batch=batch, reload=False, startup_delay=not batch,
                             verbosity=verbosity)
            else:
                self.stderr.write(f"The task backend {backend} runs tasks without a worker; nothing to do.")
        finally:
            stop.set()
