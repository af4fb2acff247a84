"""Keel's one settings module.

Two ways to run (DESIGN.md section 2):
- **embedded** (nothing set): SQLite under ``var/``, local-memory cache, in-memory channel
  layer, a filesystem Celery broker and the worker and beat inside the web process
  (``manage.py serve``). For trying and developing Keel on one machine.
- **production** (``DATABASE_URL`` and ``REDIS_URL`` set): PostgreSQL with a connection pool,
  Redis for the cache, the Celery broker and results, and the channel layer.

Every input is read by the typed helpers in ``crm.env``; docs/settings.md lists them all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from crm.env import (
    env_bool,
    env_choice,
    env_database,
    env_int,
    env_list,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CRM_VAR_DIR", str(BASE_DIR / "var")))

# ---------------------------------------------------------------- mode
PRODUCTION_DATABASE = env_database("DATABASE_URL")
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss"))
EMBEDDED_DATABASE = PRODUCTION_DATABASE is None
EMBEDDED_REDIS = not REDIS_URL
# crm.checks refuses embedded backends when DEBUG is off, unless the operator opts in.
CRM_ALLOW_EMBEDDED = env_bool("CRM_ALLOW_EMBEDDED", default=False)

DEBUG = env_bool("DEBUG", default=EMBEDDED_DATABASE and EMBEDDED_REDIS)

DEVELOPMENT_SECRET_KEY = "django-insecure-keel-development-only-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value when DEBUG is off "
        "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
SECRET_KEY_FALLBACKS = env_list("CRM_SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# ---------------------------------------------------------------- apps
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django.contrib.postgres",  # trigram lookups and indexes (its handlers only act on PostgreSQL)
    "django.forms",
    "channels",
    "allauth",
    "allauth.account",
    "django_otp",
    # Not django_otp.plugins.otp_totp: its seeds are stored in plain text. Keel's own
    # authenticator-app device encrypts them (accounts/twofactor_models.py).
    "django_otp.plugins.otp_static",
    "guardian",
    "django_celery_beat",
    "django_htmx",
    "template_partials",
    "csp",
    # Keel, kernel first (DESIGN.md section 3).
    "crm",
    "accounts",
    # Domain apps, lower layers first.
    "contacts",
    "deals",
    "leads",
    "activities",
    # Reactors.
    "reports",
    "notifications",
]

MIDDLEWARE = [
    "crm.middleware.RequestIdMiddleware",
    "accounts.audit.AuditContextMiddleware",
    "crm.middleware.HealthProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Early, so that answers made by later middleware (IP block, expired session) carry them.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "crm.middleware.ResolvedUserMiddleware",
    "accounts.allowlist.IPAllowlistMiddleware",
    "accounts.sessions.SessionActivityMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Signed in but not past the second factor: only the challenge, enrolment and sign-out.
    "accounts.twofactor.TwoFactorMiddleware",
    "accounts.preview.PreviewMiddleware",  # after the admin's own checks, before the rest
    "crm.middleware.UserTimezoneMiddleware",
    "crm.middleware.AccessMiddleware",
    "crm.middleware.HtmxMessagesMiddleware",
]

ROOT_URLCONF = "crm.urls"
ASGI_APPLICATION = "crm.asgi.application"
WSGI_APPLICATION = "crm.wsgi.application"
SITE_ID = 1

_template_loaders: list = [
    "django.template.loaders.filesystem.Loader",
    "django.template.loaders.app_directories.Loader",
]
if not DEBUG:
    # Under an ASGI server Django's autoreloader is not running, so in development the
    # uncached loaders pick up template edits without a restart (STACK-NOTES trap 12).
    _template_loaders = [("django.template.loaders.cached.Loader", _template_loaders)]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.shell",
                "accounts.twofactor.context",
            ],
            "loaders": [("template_partials.loader.Loader", _template_loaders)],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

FORM_RENDERER = "crm.forms.FormRenderer"

# ---------------------------------------------------------------- data
if PRODUCTION_DATABASE is not None:
    DATABASES = {"default": PRODUCTION_DATABASE}
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool below keeps connections instead
    if env_bool("CRM_DB_POOL", default=True):
        _pool_max = env_int("CRM_DB_POOL_MAX", 10, min_value=1)
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("CRM_DB_POOL_MIN", 1, min_value=0, max_value=_pool_max),
            "max_size": _pool_max,
            "timeout": env_int("CRM_DB_POOL_TIMEOUT", 10, min_value=1),
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": Path(env_str("CRM_SQLITE_PATH", str(VAR_DIR / "keel.sqlite3"))),
            "OPTIONS": {
                # Web requests and the embedded worker share one file: wait for the write
                # lock instead of failing, and take it up front so upgrades cannot deadlock.
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES: dict[str, dict[str, Any]]
CHANNEL_LAYERS: dict[str, dict[str, Any]]
if EMBEDDED_REDIS:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "crm.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CRM_CACHE_PREFIX", "keel"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env_str("CRM_CHANNELS_PREFIX", "keel:asgi"),
                "capacity": 500,
                "expiry": 60,
            },
        }
    }

# Sessions live in the database, so a Redis outage logs nobody out (STACK-NOTES); reads
# come from the cache in front of it (cached_db: a miss or an unreachable Redis reads the
# table). Revoking a session must go through SessionStore.delete(), which clears both.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env_int("CRM_SESSION_AGE", 14 * 24 * 3600, min_value=300)
# A session unused for this long is ended (accounts.sessions), whatever its age.
CRM_SESSION_IDLE = env_int("CRM_SESSION_IDLE", 12 * 3600, min_value=300)

# ---------------------------------------------------------------- accounts
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # ModelBackend with each user's permission set kept in the cache (accounts/grants.py).
    "accounts.grants.CachedModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # no self-signup to point strangers at
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Keel] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"

ANONYMOUS_USER_NAME = (
    None  # django-guardian: no "AnonymousUser" row; Keel grants nothing to anonymous users
)

# ---------------------------------------------------------------- email
# Development prints mail to the console; production sends through EMAIL_URL:
# smtp+tls://user:password@host:587 (STARTTLS) or smtp+ssl://user:password@host:465
# (implicit TLS); docs/settings.md has the details. crm.checks warns when it is unset.
EMAIL_URL = env_url(
    "EMAIL_URL",
    "consolemail://" if DEBUG else "",
    schemes=("smtp", "smtps", "smtp+tls", "smtp+ssl", "consolemail", "filemail", "memorymail"),
)
_email = environ.Env.email_url_config(EMAIL_URL or "smtp://localhost:25")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_TIMEOUT = env_int("CRM_EMAIL_TIMEOUT", 10, min_value=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Keel <keel@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# ---------------------------------------------------------------- i18n and time
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("CRM_TIME_ZONE", "UTC")  # default zone for users who have not chosen one
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------- static files
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("CRM_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# ---------------------------------------------------------------- security
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("CRM_SSL_REDIRECT", default=True)
    # Health probes from a load balancer or docker-compose talk plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^health/"]
    SECURE_HSTS_SECONDS = env_int("CRM_HSTS_SECONDS", 31_536_000, min_value=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CRM_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("CRM_HSTS_PRELOAD", default=True)
    if env_bool("CRM_BEHIND_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# ---------------------------------------------------------------- Celery
# Embedded: a filesystem broker (it survives restarts and lets manage.py commands enqueue
# for the worker inside `manage.py serve`), polled every 50 ms (STACK-NOTES trap 1).
BROKER_DIR = VAR_DIR / "broker"
if EMBEDDED_REDIS:
    # Made here, not only by `serve`: `seed_demo` and other commands enqueue before the
    # server has ever run on a fresh machine.
    for _folder in ("queue", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.05,
    }
    CELERY_RESULT_BACKEND = "cache+memory://"
else:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Tasks never run longer than this (time limits below), and nothing is scheduled far
        # ahead with an ETA: due times live in the database and a beat sweeper enqueues them.
        "visibility_timeout": 3600,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
    CELERY_RESULT_BACKEND = REDIS_URL
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# A request must never hang on a broker outage: publishing gives up quickly and the
# outbox sweeper delivers what it could not enqueue (crm.events).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULER = "crm.beat:HeartbeatScheduler"
CELERY_BEAT_SCHEDULE = {
    "crm.redispatch-stuck-deliveries": {
        "task": "crm.tasks.redispatch_stuck_deliveries_task",
        "schedule": float(env_int("CRM_EVENT_SWEEP_SECONDS", 30, min_value=1)),
    },
    "crm.purge-old-events": {
        "task": "crm.tasks.purge_events_task",
        "schedule": crontab(hour=3, minute=17),
    },
    "accounts.purge-audit-log": {
        "task": "accounts.tasks.purge_audit_log_task",
        "schedule": crontab(hour=3, minute=41),
    },
    # Publishes task.due once per task whose due time has passed (claimed by compare-and-set).
    "activities.publish-due-tasks": {
        "task": "activities.tasks.tasks_publish_due_task",
        "schedule": float(env_int("CRM_TASK_DUE_SWEEP_SECONDS", 60, min_value=5)),
    },
    # Publishes task.reminder once per task whose reminder time has come (same claim).
    "activities.publish-task-reminders": {
        "task": "activities.tasks.tasks_publish_reminders_task",
        "schedule": float(env_int("CRM_TASK_DUE_SWEEP_SECONDS", 60, min_value=5)),
    },
}
CELERY_TIMEZONE = "UTC"
# The worker and beat log through Django's LOGGING (JSON with request ids in production).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# ---------------------------------------------------------------- two-factor, encryption
# Fernet keys for the encrypted columns (accounts.encryption), comma-separated: the first
# encrypts, all decrypt (rotation: docs/security.md). Unset: derived from SECRET_KEY, which
# only development and an opted-in embedded install accept (system check accounts.E001).
CRM_ENCRYPTION_KEYS = env_list("CRM_ENCRYPTION_KEYS")
# Sensitive settings ask for a second-factor check when the last one is older (seconds).
CRM_2FA_RECENT = env_int("CRM_2FA_RECENT", 15 * 60, min_value=60)
# Wrong second-factor codes allowed per user in CRM_2FA_FAIL_WINDOW seconds, then a wait.
CRM_2FA_MAX_FAILURES = env_int("CRM_2FA_MAX_FAILURES", 5, min_value=1)
CRM_2FA_FAIL_WINDOW = env_int("CRM_2FA_FAIL_WINDOW", 5 * 60, min_value=30)
# WebAuthn relying party: the site's domain. Empty: the host each request came to.
CRM_WEBAUTHN_RP_ID = env_str("CRM_WEBAUTHN_RP_ID", "")
OTP_TOTP_ISSUER = env_str("CRM_INSTANCE_NAME", "Keel")

# ---------------------------------------------------------------- Keel
# Audit rows older than this many days are purged nightly (the purge is itself audited);
# 0 keeps them forever.
CRM_AUDIT_RETENTION_DAYS = env_int("CRM_AUDIT_RETENTION_DAYS", 730, min_value=0)
# Automation publishes events caused by events; dispatch stops at this depth.
CRM_EVENT_MAX_DEPTH = env_int("CRM_EVENT_MAX_DEPTH", 8, min_value=1, max_value=50)
# A pending delivery older than this is re-queued by the sweeper (seconds).
CRM_EVENT_STUCK_AFTER = env_int("CRM_EVENT_STUCK_AFTER", 60, min_value=1)
CRM_EVENT_MAX_ATTEMPTS = env_int("CRM_EVENT_MAX_ATTEMPTS", 8, min_value=1)
CRM_EVENT_RETENTION_DAYS = env_int("CRM_EVENT_RETENTION_DAYS", 90, min_value=1)
CRM_BEAT_HEARTBEAT_SECONDS = 15
CRM_INSTANCE_NAME = env_str("CRM_INSTANCE_NAME", "Keel")
# Phone numbers typed without a country code are read as numbers of this region (ISO 3166).
CRM_PHONE_REGION = env_str("CRM_PHONE_REGION", "US").upper()
CRM_DEFAULT_CURRENCY = env_str("CRM_DEFAULT_CURRENCY", "USD").upper()
# Web-to-lead submissions accepted per client address and form in ten minutes.
CRM_WEB_FORM_RATE = env_int("CRM_WEB_FORM_RATE", 20, min_value=1)
# Per signed-in user: global searches per minute, list exports per 10 minutes (429 beyond).
CRM_SEARCH_RATE = env_int("CRM_SEARCH_RATE", 120, min_value=1)
CRM_EXPORT_RATE = env_int("CRM_EXPORT_RATE", 10, min_value=1)

# ---------------------------------------------------------------- logging
LOG_LEVEL = env_choice("CRM_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOG_FORMAT = env_choice("CRM_LOG_FORMAT", "text" if DEBUG else "json", ("text", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "crm.log.RequestIdLogFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "uvicorn.access": {"level": "WARNING"},
        # One line per task received and per task done drowns everything else; failures
        # are still logged as errors.
        "celery.worker.strategy": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        # Embedded mode prints to a developer's terminal: not every beat tick.
        "celery.beat": {"level": "WARNING" if EMBEDDED_REDIS else "INFO"},
    },
}

SENTRY_DSN = env_url("SENTRY_DSN", schemes=("https", "http"))
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        send_default_pii=False,
        traces_sample_rate=0.0,
        environment=env_str(
            "CRM_ENVIRONMENT", "embedded" if EMBEDDED_DATABASE and EMBEDDED_REDIS else "production"
        ),
    )
