"""duban settings: one module, every value read from the environment with safe defaults.

Every variable is listed in `.env.example`. Helpers fail loudly on values they
cannot read, so a typo in a deployment stops the start instead of being ignored.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
# Writable data (SQLite file, uploads) lives in ./var by default, beside the checkout.
DATA_DIR = Path(os.environ.get("DUBAN_DATA_DIR", Path.cwd() / "var")).resolve()
# A new data folder is made on first use (SQLite cannot create the folder).
DATA_DIR.mkdir(parents=True, exist_ok=True)


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


DEBUG = envbool("DEBUG", "false")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and envbool("DUBAN_REQUIRE_SECRET_KEY", "false"):
        raise ImproperlyConfigured("SECRET_KEY must be set")
    # A fixed development key keeps `make run` working straight after clone;
    # deployments set SECRET_KEY (see docs/operations.md).
    SECRET_KEY = "duban-insecure-development-key-change-me"  # noqa: S105

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "simple_history",
    "duban.org",
    "duban.work",
    "duban.supervision",
    "duban.notify",
    "duban.assessment",
    "duban.documents",
    "duban.projects",
    "duban.cockpit",
    "duban.api",
    "duban.ops",
    "ninja",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "duban.api.middleware.ProblemsForTheApi",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "duban.urls"
WSGI_APPLICATION = "duban.wsgi.application"

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
                "django.template.context_processors.i18n",
                "duban.web.context_processors.person",
            ],
        },
    }
]

# --- database -------------------------------------------------------------
# SQLite (WAL, busy timeout, IMMEDIATE transactions) by default; PostgreSQL via DATABASE_URL.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    try:
        DATABASES = {
            "default": dj_database_url.parse(
                DATABASE_URL,
                conn_max_age=envint("DUBAN_CONN_MAX_AGE", 300),
                conn_health_checks=True,
            )
        }
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {exc}") from None
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # JIT compiling pays off on long analytic queries, not on ours: it took
        # ~190 ms of a 230 ms cockpit query and 0.2 s of each scan. Off for
        # duban's connections unless the URL's options say otherwise.
        options = DATABASES["default"].setdefault("OPTIONS", {})
        if "jit" not in options.get("options", ""):
            options["options"] = (options.get("options", "") + " -c jit=off").strip()
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "duban.sqlite3"),
            "OPTIONS": {
                # Writers wait up to 20 s for the lock instead of failing at once;
                # IMMEDIATE takes the write lock at BEGIN, so a transaction never
                # fails half-way when it upgrades from reading to writing.
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
            "TEST": {"NAME": os.environ.get("DUBAN_TEST_SQLITE") or None},
            # Keep each server thread's connection open: opening one and running
            # the PRAGMAs cost about a tenth of a simple request's CPU.
            "CONN_MAX_AGE": envint("DUBAN_CONN_MAX_AGE", 300),
            "CONN_HEALTH_CHECKS": True,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.Person"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# --- language and time ----------------------------------------------------
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")

# --- files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS: list = [BASE_DIR / "static"]
# ECharts and other browser libraries, copied from npm by `make setup` (never committed).
ASSETS_DIR = Path(os.environ.get("DUBAN_ASSETS_DIR", BASE_DIR.parent / "build" / "assets"))
if ASSETS_DIR.is_dir():
    STATICFILES_DIRS.append(("vendor", ASSETS_DIR))
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Attachments: at most this many bytes each, of these kinds only.
DUBAN_MAX_UPLOAD_BYTES = envint("DUBAN_MAX_UPLOAD_MB", 20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# A report is late when submitted more than this many days after its period ends.
DUBAN_REPORT_GRACE_DAYS = envint("DUBAN_REPORT_GRACE_DAYS", 1)

# --- notifications and background work ------------------------------------
# Email goes out through Django's SMTP backend when DUBAN_EMAIL_HOST is set;
# without it, people get in-app messages and the units' chat robots only.
EMAIL_HOST = os.environ.get("DUBAN_EMAIL_HOST", "")
EMAIL_PORT = envint("DUBAN_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("DUBAN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DUBAN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = envbool("DUBAN_EMAIL_USE_TLS", "false")
EMAIL_USE_SSL = envbool("DUBAN_EMAIL_USE_SSL", "false")
EMAIL_TIMEOUT = envint("DUBAN_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DUBAN_EMAIL_FROM", "duban@localhost")
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
DUBAN_EMAIL_ENABLED = bool(EMAIL_HOST)
# Links in emails and chat messages: the address people open duban at.
DUBAN_SITE_URL = os.environ.get("DUBAN_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Chat robot addresses must be on the providers' hosts (DingTalk, WeCom,
# Feishu/Lark); list further hosts (an internal relay) here, comma-separated.
DUBAN_WEBHOOK_EXTRA_HOSTS = [
    h.strip().lower()
    for h in os.environ.get("DUBAN_WEBHOOK_EXTRA_HOSTS", "").split(",")
    if h.strip()
]
DUBAN_WEBHOOK_TIMEOUT = envint("DUBAN_WEBHOOK_TIMEOUT", 10)
# The worker's schedule: the scan every N minutes, the weekly digest on
# Monday at this local hour, queued messages retried every minute.
DUBAN_SCAN_EVERY_MINUTES = envint("DUBAN_SCAN_EVERY_MINUTES", 60)
DUBAN_DIGEST_HOUR = envint("DUBAN_DIGEST_HOUR", 8)

# The API: requests per token (or browser session) per minute. The counts live
# in files under the data directory, shared by every worker process.
DUBAN_API_RATE = os.environ.get("DUBAN_API_RATE", "600/m")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "api"),
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 10000},
    },
}
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- security -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", "false")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
