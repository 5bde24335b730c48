"""Settings, read from the environment (see README, "Settings")."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from helpdesk.periodic import cronjobs

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    # A key from the environment wins; otherwise one is generated once and kept in var/,
    # so sessions survive restarts and no key is ever committed.
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG")
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en"
# The UI ships in English; a translation is a locale/<lang>/LC_MESSAGES/django.po made by
# `manage.py makemessages -l <lang>` and a line here.
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]

# Mail from these addresses is the seller's own (outbound), e.g. copies in an IMAP Sent folder.
SELLER_ADDRESSES = [a.lower() for a in env_list("SELLER_ADDRESSES")]
# The authserv-ids of the seller's own mail servers (the first word of the Authentication-
# Results header they add): a Seller Central copy they saw pass DKIM for Amazon counts as a
# reply whatever way it came in (helpdesk/mail/trust.py).
MAIL_AUTHSERV_IDS = env_list("MAIL_AUTHSERV_IDS")
# Bearer token for POST /ingest/raw/; unset means the endpoint refuses every request.
INGEST_TOKEN = os.environ.get("INGEST_TOKEN", "")
INGEST_MAX_BYTES = int(os.environ.get("INGEST_MAX_BYTES", str(25 * 1024 * 1024)))
RAW_MAIL_DIR = Path(os.environ.get("RAW_MAIL_DIR", VAR_DIR / "raw"))

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'helpdesk.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "helpdesk.backends.sqlite3"  # Django's, converting faster
    # WAL lets the web app read while an ingest writes; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

REDIS_URL = os.environ.get("REDIS_URL", "")


def _rq_url(url: str) -> str:
    # A Redis that is away must fail an enqueue at once, not hang the request that enqueues
    # (the job's row stays to do; the periodic retry enqueues it later).
    if not url or "socket_connect_timeout" in url:
        return url
    return url + ("&" if "?" in url else "?") + "socket_connect_timeout=2"


RQ_QUEUES = {
    name: {"URL": _rq_url(REDIS_URL or "redis://127.0.0.1:6379/0"), "DEFAULT_TIMEOUT": 300}
    for name in ("default", "ingest", "mail")
}

INSTALLED_APPS = [
    "helpdesk.admin_apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_rq",
    "django_crontab",
    "django_htmx",
    "axes",
    "helpdesk.marketplaces",
    "helpdesk.tickets",
    "helpdesk.mail",
    "helpdesk.sla",
    "helpdesk.replies",
    "helpdesk.accounts",
    "helpdesk.inbox",
    "helpdesk.complaints",
    "helpdesk.reports",
    "helpdesk.performance",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "helpdesk.api",
    "helpdesk.webhooks",
    "helpdesk.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The agents' and managers' pages set their own Content-Security-Policy (helpdesk/csp.py).
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "helpdesk.inbox.middleware.AgentTimeZoneMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Login attempts are rate limited by django-axes: after AXES_FAILURE_LIMIT failures for one
# username from one address, that pair is locked out for AXES_COOLOFF_MINUTES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The client's address behind the proxies in front of gunicorn (docs/DEPLOY.md §3: nginx
# appends to X-Forwarded-For; TRUSTED_PROXY_COUNT=1). 0: the peer address is the client's and
# X-Forwarded-For, which a client can write, is never read.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "helpdesk.accounts.lockout.client_address"
# Limits across the (username, address) pairs, in the same cool-off window: one username
# guessed from many addresses, one address guessing many usernames (helpdesk/accounts/lockout.py).
AXES_HANDLER = "helpdesk.accounts.lockout.LoginLockoutHandler"
LOGIN_FAILURE_LIMIT_PER_USERNAME = int(os.environ.get("LOGIN_FAILURE_LIMIT_PER_USERNAME", "20"))
LOGIN_FAILURE_LIMIT_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURE_LIMIT_PER_ADDRESS", "20"))

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"
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
                "helpdesk.sla.context_processors.sweep_warning",
                "helpdesk.context_processors.queue_warning",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/inbox/"
LOGOUT_REDIRECT_URL = "login"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

MAILERS = {
    "default": {
        "BACKEND": os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "127.0.0.1"),
            "port": int(os.environ.get("EMAIL_PORT", "25")),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS"),
        },
    }
}
if not MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {}
# The Maildir `make run`'s SMTP catcher writes to; with DEBUG, /dev/mail/ lists it for staff.
MAIL_CATCHER_DIR = os.environ.get("MAIL_CATCHER_DIR", "")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or (
    SELLER_ADDRESSES[0] if SELLER_ADDRESSES else "helpdesk@localhost"
)

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Periodic jobs (django-crontab): `manage.py crontab add` installs them in the system crontab.
# Any other scheduler may run the same commands instead; the sweep is safe to run late,
# twice or concurrently, and the pages warn when its heartbeat is older than 5 minutes.
# The list is helpdesk/periodic.py (deploy/ and `make run` are made from it too).
CRONJOBS = cronjobs()

# The REST API (helpdesk/api, docs/API.md): API tokens or the browser's session, cursor
# pages, rate limits per user (docs/DECISIONS.md, "API rate limits").
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "helpdesk.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["helpdesk.api.permissions.HelpdeskScope"],
    "DEFAULT_THROTTLE_CLASSES": [
        "helpdesk.api.throttling.ReadThrottle",
        "helpdesk.api.throttling.ActThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "read": os.environ.get("API_RATE_READ", "600/min"),
        "act": os.environ.get("API_RATE_ACT", "60/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "helpdesk.api.pagination.NewestFirstCursor",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["helpdesk.api.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "helpdesk.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": "Tickets, clocks, replies and agent actions of the helpdesk; see docs/API.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its page, like every endpoint, for helpdesk users only.
    "SERVE_PERMISSIONS": ["helpdesk.api.permissions.HelpdeskScope"],
    # The reference page's script from our own static files (drf-spectacular-sidecar), not a
    # CDN's latest build run with the reader's session on our origin.
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TicketKindEnum": "helpdesk.tickets.models.TicketKind",
        "MessageKindEnum": "helpdesk.tickets.models.MessageKind",
        "ClockKindEnum": "helpdesk.sla.models.ObligationKind",
    },
}
# The rate limits' counters: in Redis when there is one (shared by every web worker),
# otherwise in the process (one machine, one worker is the no-services setup).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
         "KEY_PREFIX": "helpdesk-api", "OPTIONS": {"socket_connect_timeout": 2}}
        if REDIS_URL else
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api"}
    ),
}
# Outgoing webhooks (helpdesk/webhooks): how long one delivery may take, how much of the
# answer is read, and when an endpoint that keeps failing is switched off.
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_DISABLE_AFTER_FAILURES = int(os.environ.get("WEBHOOK_DISABLE_AFTER_FAILURES", "20"))
WEBHOOK_DISABLE_AFTER_HOURS = float(os.environ.get("WEBHOOK_DISABLE_AFTER_HOURS", "24"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "helpdesk": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")}
    },
}

if SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured("SECRET_KEY must not be an insecure placeholder")
