"""Settings for IMS Records, read from the environment (twelve-factor).

Contract variables: DATABASE_URL, DJANGO_SECRET_KEY (required unless DJANGO_DEBUG),
DJANGO_DEBUG, DJANGO_ALLOWED_HOSTS. The others are optional knobs with safe defaults.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A developer's `.env` (written by `make run`, never committed) fills in what the real
# environment leaves unset; variables set in the environment always win.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set unless DJANGO_DEBUG is on.")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "records",
    "accounts",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "api",
    "django_htmx",
    "web",
    "axes",
    "csp",
    "idempotency",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # MFA: marks the request's user verified (django-otp), then keeps users who owe a
    # code or an enrolment away from everything else (pages, admin, session API).
    "django_otp.middleware.OTPMiddleware",
    "clinic.mfa.MfaGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "records.request_context.RequestContextMiddleware",
    # After auth and the request context: writes each request's one access-log event.
    "records.access_log.AccessLogMiddleware",
    "api.middleware.NoStoreMiddleware",
    "clinic.middleware.ClinicTimeZoneMiddleware",
    # Last, as django-axes asks: turns a locked-out login into a 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "clinic.wsgi.application"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # records.sql runs its fixed statements on server-binding cursors: psycopg prepares each
    # after a couple of runs on a connection, so later requests skip planning. Set 0 behind a
    # pooler that cannot keep prepared statements (e.g. PgBouncer in transaction mode
    # before 1.21); Django's own queries bind on the client and are never prepared.
    threshold = env.int("DJANGO_DB_PREPARE_THRESHOLD", default=2)
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = threshold or None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while a writer commits; IMMEDIATE makes write transactions
    # take the lock up front, so two concurrent session creations queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "records.password_validation.ForbiddenContentValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# Date-times on pages and in the admin carry their zone ("9 Mar 2026, 14:05 CET").
FORMAT_MODULE_PATH = ["clinic.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # FHIR bulk-export files (events.bulk_export): private, deleted after 24 h.
    "bulk_exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.str("BULK_EXPORT_DIR", default=str(BASE_DIR / "var" / "bulk-exports"))},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Login protection (django-axes): after DJANGO_LOGIN_FAILURE_LIMIT failed logins for one
# username from one address, that pair is locked out for DJANGO_LOGIN_COOLOFF_MINUTES, on the
# web login, the admin and the API token endpoint alike. Client address = REMOTE_ADDR (set
# AXES_IPWARE_* via a proxy-aware deployment only if the proxy overwrites X-Forwarded-For).
AUTHENTICATION_BACKENDS = [
    "clinic.security.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("DJANGO_LOGIN_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "clinic.security.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password"]

# Sessions end after inactivity (seconds); every request renews them.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Security: secure by default when not in debug; TLS terminates at the proxy.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content Security Policy (django-csp 4): only this origin's scripts, styles and images;
# no inline script anywhere. The API docs page relaxes style-src for itself (api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Sign-off digests are HMAC-SHA-256 with this key (≥ 32 random bytes, hex or base64), so the
# database alone cannot recompute one (DESIGN §11). Its id is stored with each signature;
# RECORDS_SIGNING_OLD_KEYS ("id:key,…") keeps signatures by retired keys verifiable.
RECORDS_SIGNING_KEY = env.str("RECORDS_SIGNING_KEY", default="")
RECORDS_SIGNING_KEY_ID = env.str("RECORDS_SIGNING_KEY_ID", default="k1")
RECORDS_SIGNING_OLD_KEYS = env.str("RECORDS_SIGNING_OLD_KEYS", default="")
if not RECORDS_SIGNING_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("RECORDS_SIGNING_KEY must be set unless DJANGO_DEBUG is on (32+ random bytes, hex).")
    # Development only: a fixed key, under its own id, so nothing signed with it verifies elsewhere.
    RECORDS_SIGNING_KEY, RECORDS_SIGNING_KEY_ID = "00" * 32, "development"

# Caches. "default" stays in each process (cheap, for what may differ per worker). "shared"
# holds the counters that must hold across workers and servers — the password-guessing
# throttles: the database (table records_cache, made by migration 0014b) by default, Redis
# when REDIS_URL is set (e.g. redis://127.0.0.1:6379/1).
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "records_cache"}
    ),
}
# Client addresses: X-Forwarded-For is believed only behind this many trusted proxies, and
# then only its rightmost-minus-N entry (what the nearest trusted proxy saw). 0: REMOTE_ADDR.
TRUSTED_PROXIES = env.int("DJANGO_TRUSTED_PROXIES", default=0)
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXIES or None
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRUSTED_PROXIES else ("REMOTE_ADDR",)

# API tokens
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)

# A JSON body larger than this is refused (413) by Django and by the API's parser.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_BYTES", default=2_621_440)
# Form fields per POST: the largest page (a session of 60 muscles × 10 fields, 20 adverse
# events, the session's own) stays well below it; more is refused (400) before any parsing work.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DJANGO_DATA_UPLOAD_MAX_FIELDS", default=1000)
# Files in one multipart POST (attachments are uploaded one at a time).
DATA_UPLOAD_MAX_NUMBER_FILES = 10

REST_FRAMEWORK = {
    # Documents the API's error shape (and its status codes) on every operation.
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    # The token scheme comes first so that DRF answers anonymous requests 401 with
    # "WWW-Authenticate: Token" (it asks the first class); sessions enforce CSRF.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ExpiringTokenAuthentication",  # django-rest-knox tokens
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.RolePermission",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["drf_orjson_renderer.renderers.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
        # Password guessing: per client address, and per username from anywhere.
        "auth_token": env.str("API_THROTTLE_AUTH_TOKEN", default="5/minute"),
        "auth_token_username": env.str("API_THROTTLE_AUTH_TOKEN_USERNAME", default="10/hour"),
    },
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    # Throttles identify clients by the same rule as the login lockout (TRUSTED_PROXIES).
    "NUM_PROXIES": TRUSTED_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "IMS Records API",
    "DESCRIPTION": "Structured IMS / dry-needling treatment records.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.describe_api"],
    # Two resources have a "kind": each enum gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "MeasureKindEnum": "records.choices.MeasureKind",
    },
}

# Flash messages name records ("Quinlan, Morgan (P000012) was changed"): keep them on the
# server (the database session) rather than in a readable cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# No patient data in logs: requests are logged by route and status only.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"route_only": {"()": "clinic.log_filters.RouteOnlyFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # django.request logs the full path, which may carry search terms: keep it quiet,
        # and log the route pattern in its place.
        "django.request": {
            "handlers": ["console"], "level": "ERROR", "propagate": False, "filters": ["route_only"],
        },
    },
}

# --- Clinic set-up, staff and MFA (accounts app) -------------------------------------
# Invitation and reset links are built on this address.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Invitation and password-reset links are valid for 72 hours (and only once).
PASSWORD_RESET_TIMEOUT = 72 * 60 * 60
# Invitations are mailed too when EMAIL_URL is set (e.g. smtp+tls://user:pw@host:587);
# otherwise they are only shown to the admin who made them.
EMAIL_CONFIGURED = bool(env.str("EMAIL_URL", default=""))
if EMAIL_CONFIGURED:
    globals().update(env.email_url("EMAIL_URL"))
    DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ims-records@localhost")
# API tokens: django-rest-knox, our token model (with a label and last use).
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 (a model name)
REST_KNOX = {
    "TOKEN_MODEL": "accounts.ApiToken",  # noqa: S105
    "TOKEN_TTL": None,  # each token gets its expiry from API_TOKEN_TTL_DAYS when issued
    "AUTO_REFRESH": False,  # no write per request
}
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="IMS Records")
# Wrong second-factor codes count as failed logins for django-axes (same lockout as wrong
# passwords), so django-otp's own per-device back-off, which would also refuse the right
# code for a while with the same "wrong code" answer, is off.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Background tasks (Django's tasks API, DEP 14, through the django-tasks backport). The
# database backend by default (SQLite or PostgreSQL, SELECT … SKIP LOCKED); RQ on Redis when
# TASKS_BACKEND=rq or REDIS_URL is set, for workers on several machines. `manage.py worker`
# runs the right worker either way.
REDIS_URL = env.str("REDIS_URL", default="")
TASKS_BACKEND = env.str("TASKS_BACKEND", default="rq" if REDIS_URL else "database")
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}}
TASKS = {
    "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
    if TASKS_BACKEND == "rq"
    else {"BACKEND": "django_tasks_db.DatabaseBackend"}
}

# Webhooks (DESIGN §13). https only unless debug; private, loopback and link-local addresses
# are refused (at registration and again at each delivery) unless explicitly allowed.
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=DEBUG)
WEBHOOKS_ALLOW_PRIVATE_NETWORKS = env.bool("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", default=False)
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=10.0)
# How long a worker holds an endpoint while sending (0: twice the timeout plus 30 s). A
# killed worker's deliveries are taken over by another worker once this lapses.
WEBHOOKS_CLAIM_SECONDS = env.float("WEBHOOKS_CLAIM_SECONDS", default=0)
# Retries with exponential backoff and jitter; an endpoint failing this long is disabled.
WEBHOOKS_RETRY_HOURS = env.float("WEBHOOKS_RETRY_HOURS", default=24.0)
WEBHOOKS_BACKOFF_BASE_SECONDS = env.float("WEBHOOKS_BACKOFF_BASE_SECONDS", default=10.0)
WEBHOOKS_BACKOFF_MAX_SECONDS = env.float("WEBHOOKS_BACKOFF_MAX_SECONDS", default=3600.0)
# How often the worker sweeps for due retries, lapsed claims and expired files.
EVENTS_SWEEP_SECONDS = env.float("EVENTS_SWEEP_SECONDS", default=15.0)
# The outbox (and so the changes feed) keeps this many days; older cursors are expired.
EVENTS_RETENTION_DAYS = env.int("EVENTS_RETENTION_DAYS", default=30)
BULK_EXPORT_TTL_HOURS = env.float("BULK_EXPORT_TTL_HOURS", default=24.0)
# Attached documents (referral letters, consent forms, imaging reports): on the filesystem
# under DJANGO_MEDIA_ROOT by default (never served as static files: downloads go through
# the access-checked, audited API and pages). Set ATTACHMENTS_S3_BUCKET (and optionally
# ATTACHMENTS_S3_ENDPOINT_URL, ATTACHMENTS_S3_REGION; credentials from the usual AWS_*
# variables) to keep them in an S3-compatible store: that needs `pip install
# django-storages[s3]`, which is not in requirements.txt.
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
if env.str("ATTACHMENTS_S3_BUCKET", default=""):
    STORAGES["attachments"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("ATTACHMENTS_S3_BUCKET"),
            "endpoint_url": env.str("ATTACHMENTS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("ATTACHMENTS_S3_REGION", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["attachments"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    }
# Attachments' "kind" is a different choice set from adverse events' "kind" (which keeps
# the component name it had).
# Adverse events keep the enum name the schema always gave them (KindEnum).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {"AttachmentKindEnum": "records.choices.AttachmentKind", "KindEnum": "records.choices.AdverseEventKind"}
)

# Our token model (accounts.ApiToken) replaces knox's own (KNOX_TOKEN_MODEL): knox's
# migrations would still create its unused table, whose key to auth_user then blocks
# flushing a PostgreSQL database (TRUNCATE). Knox brings no model we use.
MIGRATION_MODULES = {"knox": None}
