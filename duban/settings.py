"""duban settings: one module, every value read from the environment with safe defaults.

Every variable is listed in `.env.example`. Helpers fail loudly on values they
cannot read, so a typo in a deployment stops the start instead of being ignored.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from duban.lib.crypto import decode_key, gm_unavailable

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
SECRET_KEY_FILE = DATA_DIR / "secret_key"
if not SECRET_KEY and SECRET_KEY_FILE.is_file():
    # Written once by `make setup` (or `duban secretkey`), readable only by its owner.
    SECRET_KEY = SECRET_KEY_FILE.read_text().strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: set it in the environment, or run `duban secretkey` "
            f"to write {SECRET_KEY_FILE} (docs/operations.md)."
        )
    SECRET_KEY = "duban-insecure-development-key-for-debug-only"  # noqa: S105

# Secrets kept in the database (chat robots' addresses and signing secrets,
# webhook secrets, second-factor secrets) are sealed with this key
# (duban.lib.crypto; docs/security.md, 数据保密性): 32 random bytes, as 64 hex
# digits or in base64. Old keys, comma-separated, still open what they sealed
# until `duban secrets reseal` rewrites it with the current one.
# DUBAN_CRYPTO=gm: SM4 for the secrets and PBKDF2-SM3 for passwords (密评).
DUBAN_CRYPTO = os.environ.get("DUBAN_CRYPTO", "standard").strip().lower() or "standard"
if DUBAN_CRYPTO not in ("standard", "gm"):
    raise ImproperlyConfigured(f"DUBAN_CRYPTO must be standard or gm, not {DUBAN_CRYPTO!r}")
if DUBAN_CRYPTO == "gm" and (_why := gm_unavailable()):
    raise ImproperlyConfigured(f"DUBAN_CRYPTO=gm, but SM3 or SM4-GCM is missing here: {_why}")
DUBAN_SECRETS_KEY = os.environ.get("DUBAN_SECRETS_KEY", "").strip()
SECRETS_KEY_FILE = DATA_DIR / "secrets_key"
if not DUBAN_SECRETS_KEY and SECRETS_KEY_FILE.is_file():
    # Written once by `make setup` (or `duban secretkey`), beside secret_key.
    DUBAN_SECRETS_KEY = SECRETS_KEY_FILE.read_text().strip()
if not DUBAN_SECRETS_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DUBAN_SECRETS_KEY is not set: set it in the environment, or run `duban secretkey` "
            f"to write {SECRETS_KEY_FILE} (docs/operations.md)."
        )
    DUBAN_SECRETS_KEY = b"duban-insecure-development-key-for-debug-only".hex()[:64]
DUBAN_SECRETS_KEYS_OLD = [
    k.strip() for k in os.environ.get("DUBAN_SECRETS_KEY_OLD", "").split(",") if k.strip()
]
for _name, _key in [("DUBAN_SECRETS_KEY", DUBAN_SECRETS_KEY)] + [
    ("DUBAN_SECRETS_KEY_OLD", k) for k in DUBAN_SECRETS_KEYS_OLD
]:
    try:
        decode_key(_key)
    except ValueError as _error:
        raise ImproperlyConfigured(f"{_name}: {_error}") from None

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
    "duban.audit",
    "duban.api",
    "duban.sso",
    "django_cas_ng",
    "csp",
    "axes",
    "django_otp",
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
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "duban.web.middleware.SessionLimits",
    # A second factor, a new password, before anything else (duban.sso.gates).
    "duban.sso.gates.AccountGates",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "duban.audit.middleware.AuditRefusalsAndApiWrites",
    "axes.middleware.AxesMiddleware",
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
# Django's form renderer, the commonest widgets written in Python (duban/web/renderer.py).
FORM_RENDERER = "duban.web.renderer.FastRenderer"

# --- database -------------------------------------------------------------
# SQLite (WAL, busy timeout, IMMEDIATE transactions) by default; PostgreSQL via DATABASE_URL.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# PostgreSQL behind a connection pooler (docs/operations.md, "Running a
# province"): "pgbouncer" for PgBouncer in transaction mode, where one server
# connection serves many clients a transaction at a time, so nothing may
# outlive a transaction on it. Hence no server-side cursors (an .iterator()
# would fetch, in its next transaction, from a cursor on another server
# connection), no settings sent when connecting (PgBouncer refuses the
# `options` startup parameter: jit=off goes on the role or the database), and
# client-side parameter binding (psycopg then prepares no statements).
DUBAN_DB_POOLER = os.environ.get("DUBAN_DB_POOLER", "").strip().lower()
if DUBAN_DB_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured(
        f"DUBAN_DB_POOLER must be pgbouncer or empty, not {DUBAN_DB_POOLER!r}"
    )


def database_from_url(name: str, url: str) -> dict[str, Any]:
    """One entry of DATABASES from a URL of the environment variable ``name``."""
    try:
        database: dict[str, Any] = dict(
            dj_database_url.parse(
                url, conn_max_age=envint("DUBAN_CONN_MAX_AGE", 300), conn_health_checks=True
            )
        )
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} cannot be read: {exc}") from None
    if database["ENGINE"] != "django.db.backends.postgresql":
        if DUBAN_DB_POOLER:
            raise ImproperlyConfigured(f"DUBAN_DB_POOLER={DUBAN_DB_POOLER} needs PostgreSQL")
        return database
    options = database.setdefault("OPTIONS", {})
    if DUBAN_DB_POOLER == "pgbouncer":
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
        if str(options.get("server_side_binding", "")).lower() in ("1", "true", "yes", "on"):
            raise ImproperlyConfigured(
                f"{name}: server-side binding prepares statements, which PgBouncer's "
                "transaction mode cannot keep"
            )
        if "options" in options:
            raise ImproperlyConfigured(
                f"{name}: PgBouncer refuses connection options ({options['options']!r}); "
                "set them on the role instead (ALTER ROLE ... SET ...)"
            )
    elif "jit" not in options.get("options", ""):
        # JIT compiling pays off on long analytic queries, not on ours: it took
        # ~190 ms of a 230 ms cockpit query and 0.2 s of each scan. Off for
        # duban's connections unless the URL's options say otherwise.
        options["options"] = (options.get("options", "") + " -c jit=off").strip()
    return database


if DUBAN_DB_POOLER and not DATABASE_URL:
    raise ImproperlyConfigured(f"DUBAN_DB_POOLER={DUBAN_DB_POOLER} needs a PostgreSQL DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url("DATABASE_URL", DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            # Django's SQLite backend, with writers taking turns at a kernel lock
            # (duban/lib/sqlite/base.py).
            "ENGINE": "duban.lib.sqlite",
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
            # In memory unless told (":memory:" said outright: pytest-django
            # knows Django's own engine name only).
            "TEST": {"NAME": os.environ.get("DUBAN_TEST_SQLITE") or ":memory:"},
            # Keep each server thread's connection open: opening one and running
            # the PRAGMAs cost about a tenth of a simple request's CPU.
            "CONN_MAX_AGE": envint("DUBAN_CONN_MAX_AGE", 300),
            "CONN_HEALTH_CHECKS": True,
        }
    }
# Read replicas of PostgreSQL (streaming replication), comma-separated: the
# aliases replica, replica2, ... The cockpit and the exports may read there
# (duban.lib.routing: never in a transaction, never after the request wrote,
# never who the person is); what they show is then as old as the replica's
# delay. Without it there is one database and no router.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DUBAN_READ_REPLICAS: list[str] = []
for _number, _url in enumerate(u.strip() for u in DATABASE_REPLICA_URL.split(",") if u.strip()):
    _replica = database_from_url("DATABASE_REPLICA_URL", _url)
    if {_replica["ENGINE"], DATABASES["default"]["ENGINE"]} != {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL names replicas of PostgreSQL: set DATABASE_URL to the primary"
        )
    # Tests read the test database through it, as if the replica had caught up.
    _replica["TEST"] = {"MIRROR": "default"}
    _alias = "replica" if _number == 0 else f"replica{_number + 1}"
    DATABASES[_alias] = _replica
    DUBAN_READ_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["duban.lib.routing.ReplicaRouter"] if DUBAN_READ_REPLICAS else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.Person"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- signing in: passwords and single sign-on (docs/sso.md) -----------------
# Each single sign-on method is on when its settings are given. Password
# sign-in: "all" (the default), or "admins" to keep it only as the
# administrators' fallback once everyone else signs in through the province.
DUBAN_PASSWORD_LOGIN = os.environ.get("DUBAN_PASSWORD_LOGIN", "all").strip().lower()
if DUBAN_PASSWORD_LOGIN not in ("all", "admins"):
    raise ImproperlyConfigured("DUBAN_PASSWORD_LOGIN must be all or admins")
# Someone the identity provider knows and duban does not: refused, unless this
# is on; then they become a liaison of no unit, until the office places them.
DUBAN_SSO_CREATE = envbool("DUBAN_SSO_CREATE", "false")
MATCH_FIELDS = ("username", "employee_no", "phone", "email")


def envmatch(name: str, default: str) -> str:
    value = os.environ.get(name, default).strip()
    if value not in MATCH_FIELDS:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(MATCH_FIELDS)}")
    return value


# OpenID Connect (mozilla-django-oidc). The endpoints are the provider's
# discovery document's (…/.well-known/openid-configuration).
OIDC_RP_CLIENT_ID = os.environ.get("DUBAN_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("DUBAN_OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("DUBAN_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("DUBAN_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("DUBAN_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("DUBAN_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("DUBAN_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("DUBAN_OIDC_SCOPES", "openid profile email phone")
OIDC_USE_PKCE = True
OIDC_CREATE_USER = DUBAN_SSO_CREATE
OIDC_VERIFY_SSL = envbool("DUBAN_OIDC_VERIFY_TLS", "true")
OIDC_TIMEOUT = envint("DUBAN_SSO_TIMEOUT", 10)
OIDC_PROXY = None
LOGIN_REDIRECT_URL_FAILURE = "/login/"
OIDC_AUTHENTICATE_CLASS = "duban.sso.views.OIDCStart"
OIDC_CALLBACK_CLASS = "duban.sso.views.OIDCCallback"
DUBAN_OIDC_CLAIM = os.environ.get("DUBAN_OIDC_CLAIM", "preferred_username")
DUBAN_OIDC_MATCH = envmatch("DUBAN_OIDC_MATCH", "username")
DUBAN_OIDC_LABEL = os.environ.get("DUBAN_OIDC_LABEL", "")
DUBAN_OIDC_ON = bool(OIDC_RP_CLIENT_ID and OIDC_OP_AUTHORIZATION_ENDPOINT)

# CAS 2.0/3.0 (django-cas-ng): the server's address, e.g. https://cas.example.gov.cn/cas/
CAS_SERVER_URL = os.environ.get("DUBAN_CAS_SERVER_URL", "")
CAS_VERSION = os.environ.get("DUBAN_CAS_VERSION", "3")
CAS_CREATE_USER = DUBAN_SSO_CREATE
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None
CAS_REDIRECT_URL = "/"
CAS_CHECK_NEXT = True
# The attribute whose value is matched ("" for the CAS user name itself).
DUBAN_CAS_ATTRIBUTE = os.environ.get("DUBAN_CAS_ATTRIBUTE", "")
DUBAN_CAS_MATCH = envmatch("DUBAN_CAS_MATCH", "username")
DUBAN_CAS_LABEL = os.environ.get("DUBAN_CAS_LABEL", "")
DUBAN_CAS_ON = bool(CAS_SERVER_URL)
if CAS_VERSION not in ("2", "3", "CAS_2_SAML_1_0"):
    raise ImproperlyConfigured("DUBAN_CAS_VERSION must be 2 or 3")

# LDAP / Active Directory (django-auth-ldap): people type their directory
# password into the sign-in form.
DUBAN_LDAP_URI = os.environ.get("DUBAN_LDAP_URI", "")
DUBAN_LDAP_ON = bool(DUBAN_LDAP_URI)


# DingTalk (and 专有钉钉 with its own addresses), WeCom, Feishu (and Lark):
# QR sign-in on the desktop, 免登 inside their apps. "claim" is what the
# platform says that is matched ("mobile", "userid", "employee_no", "email"),
# "match" the person's field it is matched against.
def _chat(prefix: str, urls: dict[str, str], claim: str, match: str, *more: str) -> dict[str, str]:
    found = {
        **{name: os.environ.get(f"DUBAN_{prefix}_{name.upper()}", "") for name in more},
        "client_id": os.environ.get(f"DUBAN_{prefix}_CLIENT_ID", ""),
        "secret": os.environ.get(f"DUBAN_{prefix}_SECRET", ""),
        "agent_id": os.environ.get(f"DUBAN_{prefix}_AGENT_ID", ""),
        "claim": os.environ.get(f"DUBAN_{prefix}_CLAIM", claim),
        "match": envmatch(f"DUBAN_{prefix}_MATCH", match),
    }
    for key, default in urls.items():
        found[key] = os.environ.get(f"DUBAN_{prefix}_{key.upper()}", default).rstrip("/")
    return found


DUBAN_CHAT_LOGIN = {
    "dingtalk": _chat(
        "DINGTALK",
        {"login_url": "https://login.dingtalk.com", "api_url": "https://api.dingtalk.com"},
        "mobile",
        "phone",
    ),
    "wecom": _chat(
        "WECOM",
        {
            "oauth_url": "https://open.weixin.qq.com",
            "qr_url": "https://login.work.weixin.qq.com",
            "api_url": "https://qyapi.weixin.qq.com",
        },
        "userid",
        "username",
    ),
    "feishu": _chat(
        "FEISHU",
        {"login_url": "https://accounts.feishu.cn", "api_url": "https://open.feishu.cn"},
        "mobile",
        "phone",
    ),
    # 政务钉钉 (SaaS); 浙政钉: login-pro.ding.zj.gov.cn, openplatform-pro.ding.zj.gov.cn.
    # CLIENT_ID/SECRET: the QR login app's AppKey and AppSecret (its 应用标识 in
    # QR_CLIENT_ID when it differs); APP_KEY/APP_SECRET: the H5 app for 免登.
    "zwdd": _chat(
        "ZWDD",
        {"login_url": "https://login.dg-work.cn", "api_url": "https://openplatform.dg-work.cn"},
        "account",
        "username",
        "qr_client_id",
        "app_key",
        "app_secret",
        "corp_id",
        "client_ip",
        "client_mac",
    ),
}

AUTHENTICATION_BACKENDS = [
    # First: refuses every sign-in while the name or the address is locked out.
    "duban.sso.backends.Lockout",
    "duban.sso.backends.PasswordBackend",
    # Sessions begun by a chat platform's sign-in (duban.sso.views) name this one.
    "duban.sso.backends.SignedInElsewhere",
]
if DUBAN_OIDC_ON:
    AUTHENTICATION_BACKENDS.append("duban.sso.backends.OIDCBackend")
if DUBAN_CAS_ON:
    AUTHENTICATION_BACKENDS.append("duban.sso.backends.CASBackend")
if DUBAN_LDAP_ON:
    from duban.sso.ldap_settings import ldap_settings

    globals().update(ldap_settings(os.environ))
    AUTHENTICATION_BACKENDS.append("duban.sso.ldap.LDAPBackend")
DUBAN_LDAP_ROLE_GROUPS: list[tuple[str, str]] = globals().get("DUBAN_LDAP_ROLE_GROUPS", [])

# The security audit log keeps at least this many days (docs/security.md).
DUBAN_AUDIT_KEEP_DAYS = max(envint("DUBAN_AUDIT_KEEP_DAYS", 180), 180)

# The first hasher hashes new passwords; the others still verify what they
# hashed, and a password is rehashed with the first at its next sign-in.
_PBKDF2_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "duban.lib.hashers.PBKDF2SM3PasswordHasher",
]
PASSWORD_HASHERS = [
    *(reversed(_PBKDF2_HASHERS) if DUBAN_CRYPTO == "gm" else _PBKDF2_HASHERS),
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

DUBAN_PASSWORD_MIN_LENGTH = max(envint("DUBAN_PASSWORD_MIN_LENGTH", 10), 8)
DUBAN_PASSWORD_CLASSES = min(max(envint("DUBAN_PASSWORD_CLASSES", 3), 1), 4)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": DUBAN_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "duban.sso.passwords.CharacterClassesValidator",
        "OPTIONS": {"classes": DUBAN_PASSWORD_CLASSES},
    },
    # Not one of the last DUBAN_PASSWORD_HISTORY; records each new password.
    {"NAME": "duban.sso.passwords.NotRecentlyUsedValidator"},
]

# Repeated failed sign-ins lock the account name and the address out
# (django-axes), whether the account exists or not.
AXES_FAILURE_LIMIT = max(envint("DUBAN_LOCKOUT_FAILURES", 5), 1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=max(envint("DUBAN_LOCKOUT_MINUTES", 15), 1))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "duban.sso.views.locked_out"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = envint("DUBAN_PROXY_COUNT", 0) or None

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


def envsize(name: str, default: int, *, unit: int = 1, zero: bool = False) -> int:
    """A limit: a whole number above 0 (or 0 where that means "none"), times ``unit``."""
    value = envint(name, default)
    if value < 0 or (value == 0 and not zero):
        least = "0 or more" if zero else "1 or more"
        raise ImproperlyConfigured(f"{name} must be {least}, not {value}")
    return value * unit


MB = 1024 * 1024
# Attachments: at most this many bytes each, of these kinds only; per request
# at most so many files and bytes together (checked by the services, so the
# pages and the API say so alike); per unit at most a quota, the attachments
# of the tasks it leads (0: no quota). A request larger than the files' limit
# and the form's (DATA_UPLOAD_MAX_MEMORY_SIZE) is refused before it is read
# (duban.work.uploads, a 413 page that says the limits); more files than
# DATA_UPLOAD_MAX_NUMBER_FILES, Django's own backstop, a 400 page.
DUBAN_MAX_UPLOAD_BYTES = envsize("DUBAN_MAX_UPLOAD_MB", 20, unit=MB)
DUBAN_MAX_UPLOAD_FILES = envsize("DUBAN_MAX_UPLOAD_FILES", 10)
DUBAN_MAX_UPLOAD_REQUEST_BYTES = envsize("DUBAN_MAX_UPLOAD_REQUEST_MB", 50, unit=MB)
DUBAN_UNIT_QUOTA_BYTES = envsize("DUBAN_UNIT_QUOTA_MB", 2048, unit=MB, zero=True)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * MB
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * MB
# Above the services' limit, so a few files too many get the form back with
# what the person typed and why, rather than a bare error page.
DATA_UPLOAD_MAX_NUMBER_FILES = max(100, 2 * DUBAN_MAX_UPLOAD_FILES)
FILE_UPLOAD_HANDLERS = [
    "duban.work.uploads.BoundedRequest",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Workbooks imported (task lists, project lists) are checked before openpyxl
# loads them (duban/lib/workbooks.py): what the zip unpacks to, the cells of
# every sheet counted from its XML (empty ones too), and the time the reading
# takes. Uploaded lists never imported are removed by the nightly upkeep
# after DUBAN_IMPORT_KEEP_DAYS.
DUBAN_IMPORT_MAX_UNZIPPED_BYTES = envsize("DUBAN_IMPORT_MAX_UNZIPPED_MB", 100, unit=MB)
DUBAN_IMPORT_MAX_CELLS = envsize("DUBAN_IMPORT_MAX_CELLS", 1_000_000)
DUBAN_IMPORT_MAX_SECONDS = envsize("DUBAN_IMPORT_MAX_SECONDS", 30)
DUBAN_IMPORT_KEEP_DAYS = envsize("DUBAN_IMPORT_KEEP_DAYS", 1)

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
SECURE_REFERRER_POLICY = "same-origin"
# Sessions: signed out after this long without a request, and this long
# after signing in whatever happens (duban.web.middleware.SessionLimits).
DUBAN_SESSION_IDLE_MINUTES = envint("DUBAN_SESSION_IDLE_MINUTES", 30)
DUBAN_SESSION_HOURS = max(envint("DUBAN_SESSION_HOURS", 12), 1)
SESSION_COOKIE_AGE = DUBAN_SESSION_HOURS * 3600
LOGIN_URL_PATH = "/login/"
# A demonstration installation (`duban demo` marks its data directory; the
# environment decides where set): the login page says so, and the second
# factor is offered, not required. Never on unless one of the two says so.
DUBAN_DEMO = envbool("DUBAN_DEMO", "true" if (DATA_DIR / "demo-installation").exists() else "false")
# The roles that must sign in with a second factor (TOTP) after a password;
# others may add one. After single sign-on the identity provider's own
# factors count, unless DUBAN_2FA_AFTER_SSO.
DUBAN_2FA_ROLES = tuple(
    r.strip()
    for r in os.environ.get("DUBAN_2FA_ROLES", "admin,security,auditor,office").split(",")
    if r.strip()
)
DUBAN_2FA_AFTER_SSO = envbool("DUBAN_2FA_AFTER_SSO", "false")
# A password is good for this many days (0: for ever); the last N are not chosen again.
DUBAN_PASSWORD_MAX_AGE_DAYS = max(envint("DUBAN_PASSWORD_MAX_AGE_DAYS", 90), 0)
DUBAN_PASSWORD_HISTORY = max(envint("DUBAN_PASSWORD_HISTORY", 5), 0)
# Behind a TLS-terminating proxy (docs/operations.md): HSTS, the redirect to
# https, and the header the proxy sets to say the request came in over https.
SECURE_HSTS_SECONDS = envint("DUBAN_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DUBAN_HSTS_SUBDOMAINS", "false")
SECURE_HSTS_PRELOAD = envbool("DUBAN_HSTS_PRELOAD", "false")
SECURE_SSL_REDIRECT = envbool("DUBAN_SSL_REDIRECT", "false")
if os.environ.get("DUBAN_PROXY_SSL_HEADER"):
    # "X-Forwarded-Proto: https" → ("HTTP_X_FORWARDED_PROTO", "https")
    _name, _sep, _value = os.environ["DUBAN_PROXY_SSL_HEADER"].partition(":")
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _name.strip().upper().replace("-", "_"),
        _value.strip() or "https",
    )
# A Content-Security-Policy with no inline script (django-csp): everything
# the pages load is the app's own; styles may use style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# A 4xx answer is one line (method, path, status, user id), a 5xx keeps its
# traceback (duban/ops/logs.py): on the logger, so every handler sees it so.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_4xx": {"()": "duban.ops.logs.OneLineClientErrors"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["one_line_4xx"]},
    },
    "loggers": {"django.request": {"filters": ["one_line_4xx"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
