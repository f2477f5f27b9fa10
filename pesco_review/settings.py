"""Settings for the PESCO annual progress review.

The only module that reads the environment. Every variable is listed, with a comment, in
`.env.example`. Without DATABASE_URL the application uses a SQLite file under var/; without
REDIS_URL Celery runs tasks in-process. Production hardening follows from DJANGO_DEBUG being off.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}."
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. It is required when DJANGO_DEBUG is off: set it to a "
            "long random value (python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - only with DEBUG on

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "pesco_review.outbox",
    "pesco_review.accounts",
    "projects",
    "reviews",
    "onboarding",
    "demo",
]

MIDDLEWARE = [
    "pesco_review.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A request whose database connection a server restart cut before it wrote anything is run
    # once more; before every middleware that reads the database.
    "pesco_review.db.middleware.LostConnectionRetryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "pesco_review.middleware.SessionLifetimeMiddleware",
    # Secretariat, leadership, staff and superusers reach no page before a second factor.
    "pesco_review.accounts.middleware.SecondFactorRequiredMiddleware",
    "pesco_review.middleware.NoStoreMiddleware",
    "pesco_review.middleware.PermissionDeniedLogMiddleware",
    "pesco_review.middleware.StorageOutageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pesco_review.urls"
WSGI_APPLICATION = "pesco_review.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pesco_review.permissions.context_processor",
            ],
            # {% time %} in every template, without a {% load %}.
            "builtins": ["pesco_review.timetags"],
        },
    },
]

# Database: DATABASE_URL (postgres://user:pass@host:5432/name), else a SQLite file under var/.
VAR_DIR = BASE_DIR / "var"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, except that a new connection waits up to this long for a restarting
    # server (pesco_review/db/postgresql); a broken kept connection is replaced at the next
    # request by the health check above.
    DATABASES["default"]["ENGINE"] = "pesco_review.db.postgresql"
    DATABASES["default"]["CONNECT_RETRY_SECONDS"] = env_int("DJANGO_DB_CONNECT_RETRY_SECONDS", 10)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "pesco_review.accounts.backends.AccountBackend",  # allauth's, see its docstring
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# Accounts (django-allauth): sign-in by user name or e-mail, password reset and change by mail,
# no sign-up (accounts are created by the secretariat or a superuser), a second factor (TOTP
# with recovery codes, or a WebAuthn security key) required for the secretariat, leadership,
# staff and superusers (pesco_review.accounts.middleware).
ACCOUNT_ADAPTER = "pesco_review.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "pesco_review.accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[PESCO review] "
# Security mail (password changed or reset, an authenticator added or removed) always goes out:
# no preference switches it off.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Failed sign-ins are counted by django-axes (by account, address and both, below); allauth's
# own rate limits stay on for password reset and the other steps.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = "PESCO review"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Demo accounts may skip the second factor, and only while DJANGO_DEBUG is on.
MFA_DEMO_ACCOUNTS_EXEMPT = DEBUG
# Single sign-on with an organisation's identity provider (OpenID Connect, e.g. EU Login): on
# only when OIDC_SERVER_URL and OIDC_CLIENT_ID are set. A sign-in counts as the second factor
# only where the provider's `amr` or `acr` claim holds one of OIDC_MFA_VALUES.
OIDC_SERVER_URL = os.environ.get("OIDC_SERVER_URL", "")
OIDC_MFA_VALUES = env_list("OIDC_MFA_VALUES")
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False


def oidc_providers(*, server_url: str, client_id: str, secret: str, name: str) -> dict:
    """allauth's openid_connect provider with one app, "idp"; none without a server and client."""
    if not (server_url and client_id):
        return {}
    return {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "idp",
                    "name": name,
                    "client_id": client_id,
                    "secret": secret,
                    "settings": {
                        "server_url": server_url,
                        "token_auth_method": "client_secret_post",
                    },
                }
            ],
        }
    }


SOCIALACCOUNT_PROVIDERS = oidc_providers(
    server_url=OIDC_SERVER_URL,
    client_id=os.environ.get("OIDC_CLIENT_ID", ""),
    secret=os.environ.get("OIDC_CLIENT_SECRET", ""),
    name=os.environ.get("OIDC_NAME") or "your organisation's sign-in",
)

# --- Login throttling (django-axes) ---------------------------------------------------------
# Failed sign-ins lock, each for AXES_COOLOFF_TIME: one user name from one address after
# AXES_FAILURE_LIMIT, a user name from any addresses after LOGIN_USERNAME_FAILURE_LIMIT, an address
# for any user names after LOGIN_ADDRESS_FAILURE_LIMIT (pesco_review.accounts.lockout). Password
# reset is another view: a locked user name can still ask for it.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
LOGIN_USERNAME_FAILURE_LIMIT = env_int("LOGIN_USERNAME_FAILURE_LIMIT", 10)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
if min(AXES_FAILURE_LIMIT, LOGIN_USERNAME_FAILURE_LIMIT, LOGIN_ADDRESS_FAILURE_LIMIT) < 1:
    raise ImproperlyConfigured(
        "AXES_FAILURE_LIMIT, LOGIN_USERNAME_FAILURE_LIMIT and LOGIN_ADDRESS_FAILURE_LIMIT must be "
        "at least 1."
    )
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_HANDLER = "pesco_review.accounts.lockout.PerParameterLimitHandler"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True  # the handler forgets only the pair's failures
AXES_VERBOSE = False
# Axes' own log lines name the user name and the address (the password is always masked).
AXES_SENSITIVE_PARAMETERS: list[str] = []
# Number of trusted reverse proxies in front of the application (0: clients connect directly).
PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "pesco_review.accounts.client_ip.client_ip"
# --- end of login throttling -----------------------------------------------------------------

# --- Sessions --------------------------------------------------------------------------------
# A session ends after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after sign-in
# however active (pesco_review.middleware.SessionLifetimeMiddleware); the cookie and the stored
# session expire then too. Signing out deletes the session.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12)
if SESSION_IDLE_MINUTES < 1 or SESSION_MAX_HOURS < 1:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES and SESSION_MAX_HOURS must be at least 1.")
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 60 * 60
# --- end of sessions -------------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "media")
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
# Files (evidence, built documents) on S3-compatible object storage when a bucket is named, so
# that several web and worker hosts share them; otherwise on this host's MEDIA_ROOT. Either way
# every file goes through the storage API and is served only by a permission-checked view:
# objects get no public ACL (the bucket's own policy, private by default), no public URL is
# handed out, and a name already taken is never overwritten.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("AWS_LOCATION", ""),
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }

# Celery: with REDIS_URL, the broker is Redis; without, tasks run in-process. No result backend:
# nothing reads a task's result (a task records its outcome in the database), and a result
# backend on Redis would make every dispatch wait for Redis too.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
# Redis unreachable: a connection attempt gives up after 2 s and a silent server after 10 s (a
# task is published by a background thread, never by a request: pesco_review/dispatch.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 60 * 60,
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# The periodic jobs own the work that a lost message would leave undone: mail waiting in the
# outbox, builds that were never handed to a worker or whose worker went silent.
MAIL_OUTBOX_DRAIN_SECONDS = env_int("MAIL_OUTBOX_DRAIN_SECONDS", 60)
REVIEW_BUILD_SWEEP_SECONDS = env_int("REVIEW_BUILD_SWEEP_SECONDS", 60)
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {
        "task": "reviews.tasks.send_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "drain-mail-outbox": {
        "task": "pesco_review.outbox.tasks.drain_outbox",
        "schedule": timedelta(seconds=MAIL_OUTBOX_DRAIN_SECONDS),
    },
    "sweep-stuck-review-builds": {
        "task": "reviews.tasks.sweep_stuck_builds",
        "schedule": timedelta(seconds=REVIEW_BUILD_SWEEP_SECONDS),
    },
}
# A build whose worker has not reported for this long is taken over by the sweep. Longer than
# the task time limit, so that a run still alive is never taken over.
REVIEW_BUILD_STALE_SECONDS = env_int("REVIEW_BUILD_STALE_SECONDS", 20 * 60)
if REVIEW_BUILD_STALE_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"REVIEW_BUILD_STALE_SECONDS must exceed the task time limit ({CELERY_TASK_TIME_LIMIT} s)."
    )
# A consolidated review of more approved reports than this is rendered in parts of at most this
# many projects, each in a process of its own, and joined (reviews/documents/parts.py): typst
# holds what it lays out until its process ends, about 1.9 MB a project page.
REVIEW_PDF_BATCH_PROJECTS = env_int("REVIEW_PDF_BATCH_PROJECTS", 100)
# A queued build the broker has not taken after this long is handed over again by the sweep.
REVIEW_BUILD_HANDOVER_SECONDS = env_int("REVIEW_BUILD_HANDOVER_SECONDS", 30)
# Seconds to wait after each build step: only the test that kills a worker mid-build sets it.
REVIEW_BUILD_STEP_PAUSE = float(os.environ.get("REVIEW_BUILD_STEP_PAUSE") or 0)

# Email: SMTP at EMAIL_HOST. With DEBUG on and no EMAIL_HOST, mail is printed to the console;
# with DEBUG off and no EMAIL_HOST, SMTP on localhost (Django's own default).
_email_host = os.environ.get("EMAIL_HOST", "")
MAILERS = {
    "default": (
        {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
        if DEBUG and not _email_host
        else {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host or "localhost",
                "port": env_int("EMAIL_PORT", 587 if _email_host else 25),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", bool(_email_host)),
                # A mail server that stops answering fails the attempt (retried by the outbox)
                # instead of holding a worker for ever.
                "timeout": env_int("EMAIL_TIMEOUT", 10),
            },
        }
    )
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "pesco-review@localhost")
# The address people reach the application at, for links in mail.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000")
# The right-hand side of the Message-ID of the mail the application sends.
MAIL_MESSAGE_ID_DOMAIN = urlsplit(SITE_URL).hostname or "localhost"

# Security headers. CSP everywhere; secure cookies, HSTS and HTTPS redirect when not in debug.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Off only behind a proxy that already redirects to HTTPS, and in the test suite.
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A load balancer's health check speaks plain HTTP: /healthz is never redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Logging: the security log --------------------------------------------------------------
# Security events (pesco_review.security: sign-in, lock-out, refusals, changes of roles and bodies,
# downloads) are JSON lines on standard error, with user, address and request id, whatever
# DJANGO_LOG_LEVEL says; everything else is plain text at DJANGO_LOG_LEVEL.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"security_context": {"()": "pesco_review.security.SecurityContextFilter"}},
    "formatters": {"json": {"()": "pesco_review.security.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "security": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "pesco_review.security": {
            "handlers": ["security"],
            "filters": ["security_context"],
            "level": "INFO",
            "propagate": False,
        },
    },
}
# --- end of logging --------------------------------------------------------------------------

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Password of the demo accounts that `manage.py seed_demo` creates (only with DEBUG on).
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD") or "pesco-demo"  # noqa: S105 - demo only

# The public PESCO data set that `manage.py load_pesco` loads.
PESCO_DATA_FILE = BASE_DIR / "data" / "pesco_projects.json"

# The longest narrative (summary, achievements, ...) a report may carry, in characters.
REPORT_NARRATIVE_MAX_LENGTH = env_int("REPORT_NARRATIVE_MAX_LENGTH", 10_000)
# The largest evidence file a report or comment may carry, in bytes (file uploads do not count
# against DJANGO_UPLOAD_MAX_BYTES, which limits the rest of a request).
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
# The largest request body accepted (a report form, an upload), in bytes; larger ones are
# answered with a message and the browser keeps what was typed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
