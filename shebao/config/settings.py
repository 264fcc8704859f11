"""The one settings file: every value comes from the environment via typed helpers.

Bad configuration does not raise here; it is collected in ``env.PROBLEMS`` and
reported by the system check ``shebao.E001`` (see ``shebao/kernel/checks.py``)
so that all problems are shown at once when the process starts.
"""

from __future__ import annotations

from pathlib import Path

from shebao.config import env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env.env_str("SHEBAO_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

DEBUG = env.env_bool("SHEBAO_DEBUG", False)
# When missing, a short placeholder keeps Django importable so that the system check
# shebao.E002 can report the problem (with all others) instead of a bare traceback.
SECRET_KEY = env.env_str("SHEBAO_SECRET_KEY") or "!unset"
ALLOWED_HOSTS = env.env_list("SHEBAO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.env_list("SHEBAO_CSRF_TRUSTED_ORIGINS", [])

# Personal-data keys. SHEBAO_DATA_KEYS is "kid:base64key[,kid:base64key...]"; the
# first is used to encrypt, all are tried to decrypt (rotation). The blind-index
# key is separate so that lookups survive a rotation of the encryption key.
SHEBAO_DATA_KEYS = env.env_str("SHEBAO_DATA_KEYS") or ""
SHEBAO_BLIND_INDEX_KEY = env.env_str("SHEBAO_BLIND_INDEX_KEY") or ""
# Signed receipts (电子签名确认, ADR 0011): the active Ed25519 private key (base64 of the
# 32-byte seed, or a PKCS#8 PEM block) and the retired public keys still published for
# verification (comma-separated base64 of the 32-byte raw public keys).
SHEBAO_SIGNING_ENABLED = env.env_bool("SHEBAO_SIGNING_ENABLED", True)
SHEBAO_SIGNING_KEY = env.env_str("SHEBAO_SIGNING_KEY") or ""
SHEBAO_SIGNING_PUBLIC_KEYS = env.env_str("SHEBAO_SIGNING_PUBLIC_KEYS") or ""
# Inter-agency exchange (ADR 0015): this installation's agency code and name, and the
# Ed25519 private key its messages are signed with (base64 of the 32-byte seed, or PEM).
SHEBAO_EXCHANGE_KEY = env.env_str("SHEBAO_EXCHANGE_KEY") or ""
SHEBAO_EXCHANGE_MAX_BYTES = env.env_int("SHEBAO_EXCHANGE_MAX_BYTES", 512 * 1024)
SHEBAO_EXCHANGE_MAX_SKEW_SECONDS = env.env_int("SHEBAO_EXCHANGE_MAX_SKEW_SECONDS", 300)
SHEBAO_EXCHANGE_MAX_ATTEMPTS = env.env_int("SHEBAO_EXCHANGE_MAX_ATTEMPTS", 12)
SHEBAO_EXCHANGE_TIMEOUT_SECONDS = env.env_int("SHEBAO_EXCHANGE_TIMEOUT_SECONDS", 15)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "shebao.kernel",
    "shebao.accounts",
    "shebao.register",
    "shebao.contributions",
    "shebao.payroll",
    "shebao.benefits",
    "shebao.medical",
    "shebao.certificates",
    "shebao.appointments",
    "shebao.complaints",
    "shebao.hall",
    "shebao.exchange",
    "shebao.transfers",
    "shebao.unemployment",
    "shebao.web",
    "django_tasks",
    "django_tasks_db",
]

# Background work through the Django tasks API (django-tasks backport on Django 5.2):
# the database is the queue by default (`manage.py db_worker`), see ADR 0009.
TASKS = {"default": {"BACKEND": env.env_str("SHEBAO_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shebao.kernel.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shebao.accounts.middleware.PasswordAndTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "shebao.config.urls"
WSGI_APPLICATION = "shebao.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shebao" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

CONN_MAX_AGE = env.env_int("SHEBAO_CONN_MAX_AGE", 600)
DATABASE_URL = env.env_str("SHEBAO_DATABASE_URL", "sqlite:///var/shebao.sqlite3") or ""
DATABASES = {"default": env.database_from_url(DATABASE_URL, conn_max_age=CONN_MAX_AGE)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["shebao.accounts.backends.LockoutBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
SHEBAO_LOCKOUT_THRESHOLD = env.env_int("SHEBAO_LOCKOUT_THRESHOLD", 5)
SHEBAO_LOCKOUT_MINUTES = env.env_int("SHEBAO_LOCKOUT_MINUTES", 15)
# How long a process may reuse an API token's user and posts before reading them again.
SHEBAO_TOKEN_CACHE_SECONDS = env.env_int("SHEBAO_TOKEN_CACHE_SECONDS", 30)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.env_bool("SHEBAO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = env.env_int("SHEBAO_SESSION_SECONDS", 8 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "shebao" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "media"},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Uploads (Excel batches): refuse anything larger than this many bytes.
SHEBAO_MAX_UPLOAD_BYTES = env.env_int("SHEBAO_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = SHEBAO_MAX_UPLOAD_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = SHEBAO_MAX_UPLOAD_BYTES

# The city this installation serves (GB/T 2260 code); the demo is Beijing.
SHEBAO_CITY_CODE = env.env_str("SHEBAO_CITY_CODE", "110000") or "110000"
SHEBAO_CITY_NAME = env.env_str("SHEBAO_CITY_NAME", "北京市") or "北京市"
SHEBAO_EXCHANGE_AGENCY_CODE = env.env_str("SHEBAO_EXCHANGE_AGENCY_CODE", SHEBAO_CITY_CODE) or SHEBAO_CITY_CODE
SHEBAO_EXCHANGE_AGENCY_NAME = env.env_str("SHEBAO_EXCHANGE_AGENCY_NAME", SHEBAO_CITY_NAME + "社会保险事业管理中心") or ""
# How the accounts app (below the register in the app map) looks up a person for
# 委托代办 mandates: a callable ``(*, person_id=None, id_number=None) -> brief | None``.
SHEBAO_PERSON_DIRECTORY = "shebao.register.selectors.person_brief"
# Where citizens reach this installation from outside: absolute links printed on paper
# (the QR code of a 参保证明 points to <base>/verify/<code>).
SHEBAO_PUBLIC_BASE_URL = (env.env_str("SHEBAO_PUBLIC_BASE_URL", "http://127.0.0.1:8000") or "").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.env_str("SHEBAO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50
STATICFILES_DIRS = [BASE_DIR / "shebao" / "static"]
