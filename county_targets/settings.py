"""Settings for County Targets: one file, read from the environment.

Every setting that differs between a laptop and the county's server comes from an environment
variable through the small typed helpers below. SQLite is the zero-setup default; DATABASE_URL
(postgres://...) switches to PostgreSQL.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default):
    return os.environ.get(name, str(default)).strip().lower() in ("1", "true", "yes", "on")


def envint(name, default):
    return int(os.environ.get(name, default))


def envlist(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
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
    "indicators",
    "projects",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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
                "indicators.access.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=envint("CONN_MAX_AGE", 60)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Every write transaction takes SQLite's write lock when it begins, and a second writer waits
    # up to 20 s for it instead of failing with "database is locked": saves are serialised, so
    # the workflow's version check always reads what the previous writer committed.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    # Tests run on a file, not in memory: concurrent writers need a real database to contend for.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "indicators.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reporting:landing"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
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


def evidence_storage():
    """The storage for evidence files: a private bucket through django-storages when
    EVIDENCE_S3_BUCKET names one (pip install -r requirements-s3.txt), else MEDIA_ROOT/evidence.

    The bucket stays private (no ACL, no public URLs): files pass through the evidence view."""
    bucket = os.environ.get("EVIDENCE_S3_BUCKET", "")
    if not bucket:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": MEDIA_ROOT / "evidence"},
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
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Progress rules (see indicators/progress.py): how far short of 序时进度 still counts as 滞后 rather
# than 严重滞后, in percentage points; and the day of the next month by which a month is due.
BEHIND_TOLERANCE_POINTS = envint("BEHIND_TOLERANCE_POINTS", 10)
REPORT_DEADLINE_DAY = envint("REPORT_DEADLINE_DAY", 5)

# Uploaded workbooks (indicators/excel.py): refused above this size, and above ten times it
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

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
