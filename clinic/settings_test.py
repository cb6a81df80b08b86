"""Settings for the test suite: production settings with a throwaway key and fast hashing."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
# Tests run with production settings whatever a developer's .env says.
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("RECORDS_SIGNING_KEY", "7465737420736967e96e696e67206b6579206e6f7420666f722070726f64202121")
os.environ.setdefault("RECORDS_SIGNING_KEY_ID", "test-1")

from clinic.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests serve static files through the finders; there is no collected STATIC_ROOT
# (WhiteNoise would warn about the missing directory on every request).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Bulk-export files of the tests go to a throwaway directory.
STORAGES["bulk_exports"] = {  # noqa: F405
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": __import__("tempfile").mkdtemp(prefix="ims-bulk-")},
}
# Attachments go to a throwaway directory, never into the project.
STORAGES["attachments"] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}  # noqa: F405
MEDIA_ROOT = __import__("tempfile").mkdtemp(prefix="ims-test-media-")
