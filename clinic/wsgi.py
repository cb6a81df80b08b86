"""WSGI entry point (gunicorn clinic.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

application = get_wsgi_application()

# Everything loaded so far lives as long as the worker: take it out of the cyclic garbage
# collector's full passes, which would otherwise walk it again every few requests.
gc.freeze()
