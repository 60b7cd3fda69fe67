"""Settings for County Targets: one file, read from the environment.

Every setting that differs between a laptop and the county's server comes from an environment
variable through the small typed helpers below. SQLite is the zero-setup default; DATABASE_URL
(postgres://...) switches to PostgreSQL.
"""

import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default):
    return os.environ.get(name, str(default)).strip().lower() in ("1", "true", "yes", "on")


def envint(name, default):
    return int(os.environ.get(name, default))


def envlist(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
# The key below is in git, so anyone could forge a session with it: a server (DEBUG off) must
# bring its own SECRET_KEY and the ALLOWED_HOSTS it answers to, or nothing starts. Only the demo
# on one's own machine (`make run` and `make bench` set DEMO=1), the test suite (pytest sets
# PYTEST_VERSION) and DEBUG=1 may run without them.
DEMO = envbool("DEMO", False) or "PYTEST_VERSION" in os.environ
if not (DEBUG or DEMO):
    _missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS") if not os.environ.get(name)]
    if _missing:
        raise ImproperlyConfigured(
            f"County Targets will not start: {' and '.join(_missing)} not set. A server needs "
            "SECRET_KEY (python3 -c 'import secrets; print(secrets.token_urlsafe(50))') and "
            "ALLOWED_HOSTS (its host names, comma-separated); see docs/deploy.md. "
            "On your own machine use `make run` (the demo) or DEBUG=1."
        )
SECRET_KEY = os.environ.get("SECRET_KEY", "county-targets-insecure-local-key")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "county_targets.apps.CountyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "simple_history",
    "county_targets.apps.AxesConfig",  # django-axes
    "csp",
    "accounts",
    "audit",
    "indicators",
    "projects",
    "reporting",
    "supervision",
    "opendata",
    "api",
]

MIDDLEWARE = [
    # Outermost, so it times and tags every response, errors and static files included.
    "county_targets.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The public pages (no login, no form) are answered here, ahead of all that follows.
    "opendata.middleware.PublicPagesMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "county_targets.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Records refusals (403, 404 on an object) and downloads in the security audit log.
    "audit.middleware.AuditMiddleware",
    # Before the two below, which leave a message when they end a session or ask for a password.
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session limits (accounts/sessions.py), then the forced password change.
    "accounts.sessions.SessionLimitsMiddleware",
    "county_targets.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "county_targets.urls"
WSGI_APPLICATION = "county_targets.wsgi.application"

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
                "reporting.navigation.navigation",
                "supervision.notices.bell",
            ],
        },
    },
]

# Connections persist between requests (CONN_MAX_AGE seconds); the health check makes the first
# request after a database restart reconnect instead of failing on the dead connection.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Every write transaction takes SQLite's write lock when it begins, and a second writer waits
    # up to 20 s for it instead of failing with "database is locked": saves are serialised, so
    # the workflow's version check always reads what the previous writer committed.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    # Tests run on a file, not in memory: concurrent writers need a real database to contend for.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}
# Dashboards' computed content is cached (indicators/cached.py), keyed by the data version that
# every change advances in the database (indicators/versions.py): an entry is never stale,
# whichever backend holds it. Local memory by default (each process keeps its own); REDIS_URL
# (redis://127.0.0.1:6379/0) shares one cache between every process and server, through Django's
# own Redis backend. Short socket timeouts: with Redis down, pages are computed, not refused.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "county-targets",
        # Enough for every page of a few reports and months; the oldest go first.
        "OPTIONS": {"MAX_ENTRIES": envint("CACHE_MAX_ENTRIES", 2000)},
    }
}
# How long an unused cached page is kept (it is never stale: this only frees memory).
DASHBOARD_CACHE_SECONDS = envint("DASHBOARD_CACHE_SECONDS", 24 * 3600)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "indicators.User"

# The account rules of 等保2.0 (GB/T 22239-2019 身份鉴别, 7.1.4.1 and 8.1.4.1; docs/deploy.md):
# these settings are the first values of the security policy (accounts.models.SecurityPolicy),
# which the security administrator then changes on their page; accounts.policy.current() reads it.
# Ten characters refuse the short ones people pick (demo1234, fgjfgjfgj); three of the four
# character classes; a password lasts PASSWORD_MAX_AGE_DAYS (0: for ever), with a warning
# PASSWORD_WARN_DAYS ahead; none of the last PASSWORD_HISTORY may be used again.
PASSWORD_MIN_LENGTH = envint("PASSWORD_MIN_LENGTH", 10)
PASSWORD_CLASSES = envint("PASSWORD_CLASSES", 3)
PASSWORD_MAX_AGE_DAYS = envint("PASSWORD_MAX_AGE_DAYS", 90)
PASSWORD_WARN_DAYS = envint("PASSWORD_WARN_DAYS", 7)
PASSWORD_HISTORY = envint("PASSWORD_HISTORY", 5)
# Django's validators, with the length, classes and history of the policy (accounts/passwords.py).
# Only passwords typed in a form are checked: the demo's are set in code.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.MinimumLengthValidator"},
    {"NAME": "accounts.passwords.CharacterClassesValidator"},
    {"NAME": "accounts.passwords.NoLoginNameValidator"},
    {"NAME": "accounts.passwords.PasswordHistoryValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reporting:landing"
LOGOUT_REDIRECT_URL = "login"

# Chinese for everyone, English for whoever picks it in the header (the django_language cookie,
# set by /i18n/setlang/); a browser's own language preference is not followed. The compiled
# catalogue (locale/en/LC_MESSAGES/django.mo) is in git, so a server needs no gettext;
# `make messages` refreshes it after interface text changes.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["county_targets.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js straight from the installed plotly package: never a CDN, never a copy in git.
    "county_targets.finders.PlotlyFinder",
]
# `make run` serves collected, hashed and compressed files (STATIC_MANIFEST=1); tests and
# development read them straight from the finders.
STATIC_MANIFEST = envbool("STATIC_MANIFEST", False)
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
# Evidence (佐证材料) lives outside static/ and is never served by URL: only the evidence view,
# which asks the access rule, reads it (so there is no MEDIA_URL). On the file system by default;
# an S3-compatible bucket when EVIDENCE_S3_BUCKET is set (see `evidence_storage`).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded and stored files (evidence) only for the site's own account, whatever its umask
# (indicators/files.py keeps the database, backups and passwords files the same way).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700


def evidence_storage():
    """The storage for evidence files: a private bucket through django-storages when
    EVIDENCE_S3_BUCKET names one (pip install -r requirements-s3.txt), else MEDIA_ROOT/evidence.

    The bucket stays private (no ACL, no public URLs): files pass through the evidence view."""
    bucket = os.environ.get("EVIDENCE_S3_BUCKET", "")
    if not bucket:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": MEDIA_ROOT / "evidence",
                "file_permissions_mode": FILE_UPLOAD_PERMISSIONS,
                "directory_permissions_mode": FILE_UPLOAD_DIRECTORY_PERMISSIONS,
            },
        }
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "location": os.environ.get("EVIDENCE_S3_PREFIX", "evidence"),
            "endpoint_url": os.environ.get("EVIDENCE_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("EVIDENCE_S3_REGION") or None,
            "access_key": os.environ.get("EVIDENCE_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("EVIDENCE_S3_SECRET_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "evidence": evidence_storage(),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
        # Public files nginx serves (it runs as another user): not the uploads' private modes.
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
    },
}

# --- Security --------------------------------------------------------------------------------
# HTTPS=1 when the site is reached over https (TLS ends at nginx, see docs/deploy.md): secure
# cookies, HSTS, redirect from http, and trust in nginx's X-Forwarded-Proto. Off on a plain-HTTP
# intranet, where secure cookies would never be sent back.
HTTPS = envbool("HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
# A monitor on the server itself asks gunicorn for /healthz over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = envint("HSTS_SECONDS", 365 * 24 * 3600) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# An intranet host is never on the browsers' HSTS preload list, so the header does not ask for it.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# A session lasts at most SESSION_HOURS from its login and ends after IDLE_MINUTES without a
# request (accounts/sessions.py, with the policy's values), and when the browser closes: offices
# share computers. The cookie's own age is only a backstop (it slides with activity).
SESSION_HOURS = envint("SESSION_HOURS", 8)
IDLE_MINUTES = envint("IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SESSION_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Login throttling (django-axes with accounts/throttle.py). LOGIN_FAILURE_LIMIT wrong passwords
# for one account from one address lock that account at that address for LOGIN_LOCKOUT_MINUTES:
# colleagues behind the same NAT address still log in, and the account from elsewhere too.
# Separately, LOGIN_ACCOUNT_FAILURE_LIMIT failures for one account from all addresses together
# within that time lock the account everywhere (a guesser spread over many addresses). A
# successful login clears only that account's failures from that address, never another
# account's. Limits and time come from the security policy; the security administrator lists and
# lifts lock-outs on their page (also `manage.py axes_reset_username LOGIN`).
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ACCOUNT_FAILURE_LIMIT = envint("LOGIN_ACCOUNT_FAILURE_LIMIT", 20)
LOGIN_LOCKOUT_MINUTES = envint("LOGIN_LOCKOUT_MINUTES", 30)
AXES_HANDLER = "accounts.throttle.ThrottleHandler"
AXES_FAILURE_LIMIT = "accounts.throttle.failure_limit"
AXES_COOLOFF_TIME = "accounts.throttle.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Tries while locked are refused but not counted: one address can never add more than
# LOGIN_FAILURE_LIMIT to an account's failures, so locking an account everywhere takes several
# addresses, and hammering a lock does not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "indicators.accounts.locked_out"
# Behind nginx every request comes from 127.0.0.1: the client's address is nginx's X-Real-IP.
# Only trusted when a proxy that sets it stands in front (BEHIND_PROXY, on with HTTPS).
BEHIND_PROXY = envbool("BEHIND_PROXY", HTTPS)
AXES_CLIENT_IP_CALLABLE = "county_targets.middleware.client_ip"

# Content Security Policy (django-csp): scripts, styles, images and requests from this site only.
# plotly.js would insert <style> elements; the site's own stylesheet carries its rules instead
# (static/css/plotly.css, marked so plotly skips the insertion), so style-src needs no
# 'unsafe-inline'. data: images: plotly's "download as PNG" and the empty favicon.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Progress rules (see indicators/progress.py): how far short of 序时进度 still counts as 滞后 rather
# than 严重滞后, in percentage points; and the day of the next month by which a month is due.
BEHIND_TOLERANCE_POINTS = envint("BEHIND_TOLERANCE_POINTS", 10)
REPORT_DEADLINE_DAY = envint("REPORT_DEADLINE_DAY", 5)
# Forecasts (indicators/forecast.py): nothing is projected before a target's approved figures
# reach this month of the year.
FORECAST_FROM_MONTH = envint("FORECAST_FROM_MONTH", 3)

# Reminders and escalation (supervision/reminders.py, `manage.py send_reminders`, run daily).
# E-mail goes through Django's SMTP backend: no EMAIL_HOST, no e-mail (notices and group robots
# still go). A reminder step missed for up to REMINDER_CATCH_UP_DAYS (the server was off) is still
# sent; older steps are not. A failed message is tried again on each run, REMINDER_MAX_ATTEMPTS
# times in all.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "county-targets@localhost")
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
WEBHOOK_TIMEOUT = envint("WEBHOOK_TIMEOUT", 10)
# Group robots (indicators/webhooks.py): https only, to 企业微信 (qyapi.weixin.qq.com), 钉钉
# (oapi.dingtalk.com) and the hosts listed here (comma-separated; host:port for a port other than
# 443), checked when an address is saved and again before every post (SSRF).
WEBHOOK_ALLOWED_HOSTS = envlist("WEBHOOK_ALLOWED_HOSTS", "")
# Never read from the environment and empty on every server: the test suite alone lists its own
# receivers here ("127.0.0.1:port", reached over plain http), because no test can serve https
# under 钉钉's host name.
WEBHOOK_TEST_RECEIVERS = []
REMINDER_CATCH_UP_DAYS = envint("REMINDER_CATCH_UP_DAYS", 7)
REMINDER_MAX_ATTEMPTS = envint("REMINDER_MAX_ATTEMPTS", 10)
# A slip's colour turns blue this many days before its reply deadline.
SLIP_NEAR_DAYS = envint("SLIP_NEAR_DAYS", 3)
# 核实 (supervision/verification.py): a verified value differing from the approved one by more
# than this percent of the approved value re-opens the figure; a sample draws flagged figures
# (plausibility flags) this many times as often as the others.
VERIFY_TOLERANCE_PERCENT = Decimal(os.environ.get("VERIFY_TOLERANCE_PERCENT", "1"))
VERIFY_FLAGGED_WEIGHT = envint("VERIFY_FLAGGED_WEIGHT", 4)

# The read-only API (/api/v1/, api/). A personal access token lasts API_TOKEN_DEFAULT_DAYS unless
# its owner picks another term, at most API_TOKEN_MAX_DAYS. Each token may make API_TOKEN_RATE
# calls a minute, and each address API_ANONYMOUS_RATE calls without one (the public data),
# counted in the cache (shared by every process and server with REDIS_URL); past that a call
# answers 429 with Retry-After. A list gives at most API_MAX_PAGE_SIZE rows a page.
API_TOKEN_DEFAULT_DAYS = envint("API_TOKEN_DEFAULT_DAYS", 90)
API_TOKEN_MAX_DAYS = envint("API_TOKEN_MAX_DAYS", 365)
API_TOKEN_RATE = envint("API_TOKEN_RATE", 120)
API_ANONYMOUS_RATE = envint("API_ANONYMOUS_RATE", 60)
API_MAX_PAGE_SIZE = max(envint("API_MAX_PAGE_SIZE", 1000), 1000)

# Uploaded workbooks (indicators/xlsx/reading.py): refused above this size, and above ten times it
# once unzipped (a zip bomb declares a small file and a huge content).
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = envint("IMPORT_MAX_UNCOMPRESSED_BYTES", 10 * IMPORT_MAX_BYTES)
# Evidence (佐证材料) on a monthly row (indicators/evidence.py): at most this many bytes a file and
# files a row; images are re-encoded to at most this many pixels on the long side (a thumbnail
# of the second size), and refused above this many pixels before decoding (decompression bombs).
EVIDENCE_MAX_BYTES = envint("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
EVIDENCE_MAX_FILES = envint("EVIDENCE_MAX_FILES", 6)
EVIDENCE_IMAGE_SIDE = envint("EVIDENCE_IMAGE_SIDE", 2560)
EVIDENCE_THUMBNAIL_SIDE = envint("EVIDENCE_THUMBNAIL_SIDE", 320)
EVIDENCE_MAX_PIXELS = envint("EVIDENCE_MAX_PIXELS", 64_000_000)
# A department's monthly form posts six fields a project; the largest has hundreds of projects.
DATA_UPLOAD_MAX_NUMBER_FIELDS = envint("DATA_UPLOAD_MAX_NUMBER_FIELDS", 20000)
# The largest such form is well under 10 MB; an upload is kept in memory up to the import limit.
# nginx refuses larger bodies before Django reads them (client_max_body_size, docs/deploy.md).
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES

# The security audit log (audit/, docs/deploy.md 安全审计): records are kept at least this many
# days; `audit_archive` refuses to move anything younger out (网络安全法 §21: at least 180).
AUDIT_RETENTION_DAYS = max(envint("AUDIT_RETENTION_DAYS", 180), 180)

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"

# One JSON object a line on stdout (systemd's journal keeps it): a line per request from
# county_targets.middleware (request id, user, method, path, status, duration), and every warning
# and error with the request id of the request that caused it.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "county_targets.middleware.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "county_targets.requests": {"level": os.environ.get("REQUEST_LOG_LEVEL", "INFO")},
        # The request log already has one line per request; Django's would repeat 4xx and 5xx.
        "django.request": {"level": "ERROR"},
    },
}
