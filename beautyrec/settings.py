"""All of beautyrec's configuration, read from environment variables in this one module.

Defaults give the embedded laptop mode (SQLite under ``var/``, Celery eager); production sets
``DATABASE_URL`` (PostgreSQL), ``CELERY_BROKER_URL`` (Redis or RabbitMQ), ``SECRET_KEY`` and ``DEBUG=0``.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off beautyrec refuses to start without it: "
            "export SECRET_KEY to a long random string (e.g. `python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'`)."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "beautyrec.web.apps.BeautyrecAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "beautyrec.core",
    "beautyrec.recommender",
    "recognition",
    "gan",
    "beautyrec.web",
]

MIDDLEWARE = [
    "beautyrec.core.uploads.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "beautyrec.core.middleware.ApiTrailingSlashMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "beautyrec.urls"
WSGI_APPLICATION = "beautyrec.wsgi.application"
ASGI_APPLICATION = "beautyrec.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "beautyrec" / "templates"],
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

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'beautyrec.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Several threads (runserver, eager jobs) write to one file: wait instead of failing with "locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Past one machine: where the gallery and the files live --------------------------------------
# The 1:N gallery: "memory" is each worker's exact in-memory index (the embedded default); "pgvector" keeps
# templates and enrolled embeddings in PostgreSQL (the vector extension, an HNSW index), shared by every
# machine, so an enrollment or an erasure is seen everywhere the moment it commits.
GALLERY_BACKEND = env.str("GALLERY_BACKEND", default="memory")
if GALLERY_BACKEND not in {"memory", "pgvector"}:
    raise ImproperlyConfigured(f"GALLERY_BACKEND must be memory or pgvector, not {GALLERY_BACKEND!r}")
if GALLERY_BACKEND == "pgvector":
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("GALLERY_BACKEND=pgvector needs DATABASE_URL=postgres://... (with pgvector)")
    INSTALLED_APPS.append("recognition.vectorstore")
# HNSW search breadth per query (pgvector's hnsw.ef_search); recall@10 against exact search is in the README.
GALLERY_EF_SEARCH = env.int("GALLERY_EF_SEARCH", default=1000)
if not 1 <= GALLERY_EF_SEARCH <= 1000:  # pgvector refuses hnsw.ef_search outside 1-1000 at query time
    raise ImproperlyConfigured(f"GALLERY_EF_SEARCH must be 1-1000 (pgvector's range), not {GALLERY_EF_SEARCH}")

# Photos, previews and imported files (the default storage), and model files (the "models" storage): local
# folders (MEDIA_ROOT, MODEL_ROOT) by default, or an S3-compatible bucket with STORAGE_BACKEND=s3. Objects are
# private (no ACL is sent, so the bucket's private default holds) and reach clients only through the
# owner-only API views.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
if STORAGE_BACKEND not in {"local", "s3"}:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be local or s3, not {STORAGE_BACKEND!r}")
STORAGES: dict[str, dict] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if STORAGE_BACKEND == "s3":
    _s3_options = {
        "bucket_name": env.str("S3_BUCKET", default=""),
        "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("S3_REGION", default="") or None,
        # Empty keys leave boto3 to its own chain (instance role, AWS_* variables, ~/.aws).
        "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
        "default_acl": None,
        "querystring_auth": True,
    }
    if not _s3_options["bucket_name"]:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for a non-AWS store)")
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_s3_options,
                                                                                   "location": "media"}}
    STORAGES["models"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_s3_options,
                                                                                  "location": "models"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
# WhiteNoise serves static files (the demo client, admin, Swagger UI) from the app itself; with DEBUG off run
# `manage.py collectstatic` first, with DEBUG on they are found in the apps directly.
WHITENOISE_USE_FINDERS = DEBUG
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Trained model files (attribute heads, GAN checkpoints, recommender versions) live here, out of git; with
# STORAGE_BACKEND=s3 they are kept in the bucket and this folder is each machine's local copy of them.
MODEL_ROOT = env.path("MODEL_ROOT", default=str(VAR_DIR / "models"))
# Public research data used by demo set-up, evaluation commands and benchmarks (never shipped).
SHARED_DATA_DIR = env.path("SHARED_DATA_DIR", default=str(BASE_DIR.parent / "shared" / "data"))

# Uploads: refuse early, before reading a large body into memory.
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=12 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "beautyrec.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
MAX_IMAGE_PIXELS = env.int("MAX_IMAGE_PIXELS", default=40_000_000)
# Images are processed at most this large (long side); coordinates are mapped back to the original.
PROCESSING_MAX_SIDE = env.int("PROCESSING_MAX_SIDE", default=1280)

# Torch device for every model: "auto" picks cuda when a GPU is visible to the worker, else cpu.
ML_DEVICE = env.str("ML_DEVICE", default="auto")
if ML_DEVICE not in {"auto", "cpu", "cuda"} and not ML_DEVICE.startswith("cuda:"):
    raise ImproperlyConfigured(f"ML_DEVICE must be auto, cpu or cuda[:N], not {ML_DEVICE!r}")
ML_NUM_THREADS = env.int("ML_NUM_THREADS", default=0)
# dlib's 68-point landmark model was trained on iBUG 300-W (non-commercial terms); 5 runs without it, and
# features that need 68 points then report what they lack.
LANDMARK_POINTS = env.int("LANDMARK_POINTS", default=68)
if LANDMARK_POINTS not in (5, 68):
    raise ImproperlyConfigured("LANDMARK_POINTS must be 5 or 68")
# Face detector: "auto" runs dlib's CNN (MMOD, in torch) where ML_DEVICE resolves to a GPU, HOG on CPU.
FACE_DETECTOR = env.str("FACE_DETECTOR", default="auto")
if FACE_DETECTOR not in {"auto", "hog", "mmod"}:
    raise ImproperlyConfigured(f"FACE_DETECTOR must be auto, hog or mmod, not {FACE_DETECTOR!r}")
# fp16 embedding inference on cuda (parity with fp32 stays within 1e-3 cosine); never used on CPU.
EMBEDDING_FP16 = env.bool("EMBEDDING_FP16", default=False)
# Faces narrower than this (pixels, in the image as processed) are refused for enroll/verify/identify.
RECOGNITION_MIN_FACE_PX = env.int("RECOGNITION_MIN_FACE_PX", default=40)
# Faces whose sharpness score (quality_details.sharpness: Laplacian variance v as v / (v + 10)) is below this
# are refused as too blurred. Sharp LFW faces score 0.6-0.95 and a 1 px blur of a 150 px image 0.3-0.6;
# heavy blur (2% of the image width and more) bottoms out at 0.07-0.08.
RECOGNITION_MIN_SHARPNESS = env.float("RECOGNITION_MIN_SHARPNESS", default=0.1)
# Cosine similarity at or above which two faces are called the same person (1:1 verify): the most accurate
# cut on LFW View 1. Identification compares a face with a whole gallery and decides on the AS-normalised
# score (recognition.services.cohort), with a stricter cut: the normalised score that 0.1% of LFW View 1
# different-person pairs reach. See README.
RECOGNITION_MATCH_THRESHOLD = env.float("RECOGNITION_MATCH_THRESHOLD", default=0.91)
RECOGNITION_IDENTIFY_SCORE_THRESHOLD = env.float("RECOGNITION_IDENTIFY_SCORE_THRESHOLD", default=3.8)

# --- REST framework -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "beautyrec.core.pagination.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="60/min"),
        "user": env.str("THROTTLE_USER", default="1200/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "beautyrec.core.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "beautyrec API",
    "DESCRIPTION": (
        "Face analysis, identification, beauty recommendations and makeup previews. Every error has the body "
        '`{"error": {"code": "...", "message": "...", "details": ...}}`; long work returns a Job to poll.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "beautyrec.core.api.schema.add_error_responses",
    ],
}

# --- Celery ---------------------------------------------------------------------------------------
# No broker means the embedded mode: tasks run eagerly in-process, right after the request's commit.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True  # results are Job rows, not backend entries
CELERY_TASK_DEFAULT_QUEUE = "cpu"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=3.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
# A request that cannot reach the broker answers 503 after a short, bounded wait.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5,
                                    "interval_max": 1}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Tasks that run models (inference, rendering, training) go to the gpu queue; everything else to cpu.
GPU_TASKS: tuple[str, ...] = ("recognition.analyze", "recognition.enroll", "recognition.verify", "recognition.identify",
                              "gan.preview")
GPU_TASK_SOFT_TIME_LIMIT = env.int("GPU_TASK_SOFT_TIME_LIMIT", default=300)
GPU_TASK_TIME_LIMIT = env.int("GPU_TASK_TIME_LIMIT", default=360)
GPU_TRAINING_TASKS: tuple[str, ...] = ("gan.train_makeup_gan",)
TRAINING_TIME_LIMIT = env.int("TRAINING_TIME_LIMIT", default=6 * 3600)
CELERY_TASK_ROUTES = {name: {"queue": "gpu"} for name in GPU_TASKS + GPU_TRAINING_TASKS}
# Redelivery after a killed worker is safe because job tasks are idempotent (see beautyrec.core.jobs).
_GPU_TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}
CELERY_TASK_ANNOTATIONS = {
    **{name: {**_GPU_TASK_OPTIONS, "soft_time_limit": GPU_TASK_SOFT_TIME_LIMIT,
              "time_limit": GPU_TASK_TIME_LIMIT} for name in GPU_TASKS},
    **{name: {**_GPU_TASK_OPTIONS, "soft_time_limit": TRAINING_TIME_LIMIT,
              "time_limit": TRAINING_TIME_LIMIT + 300} for name in GPU_TRAINING_TASKS},
}
CELERY_BEAT_SCHEDULE: dict = {
    "gan-purge-expired-previews": {"task": "gan.purge_expired_previews", "schedule": 3600.0},
}

# --- Previews (gan) -------------------------------------------------------------------------------
# Preview images are face images: they expire (and are deleted by the hourly beat task) after this long.
PREVIEW_RETENTION_HOURS = env.int("PREVIEW_RETENTION_HOURS", default=24)

# --- Recommender ----------------------------------------------------------------------------------
# Nightly retraining on the day's interactions (cpu queue); the task submits a Job that reports progress.
RECOMMENDER_TRAIN_HOUR = env.int("RECOMMENDER_TRAIN_HOUR", default=3)
CELERY_BEAT_SCHEDULE["recommender-nightly-training"] = {
    "task": "recommender.schedule_training",
    "schedule": crontab(hour=RECOMMENDER_TRAIN_HOUR, minute=0),
    "options": {"queue": "cpu"},
}

# How long a request may wait for its job to finish before answering with the pending Job (seconds).
JOB_WAIT_MAX_SECONDS = env.float("JOB_WAIT_MAX_SECONDS", default=30.0)

# --- Privacy: retention of biometric data --------------------------------------------------------
# Uploaded photos (with their faces and files) and recognition jobs are deleted this many days after upload by
# the recognition.expire_photos beat task (cpu queue); photos holding a consented gallery face are kept until
# consent is withdrawn or the person is erased. 0 keeps everything.
PHOTO_RETENTION_DAYS = env.int("PHOTO_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE["recognition-expire-photos"] = {
    "task": "recognition.expire_photos", "schedule": env.float("PHOTO_RETENTION_SWEEP_SECONDS", default=3600.0)}
# Workers replay the gallery change log to keep their 1:N index current; entries older than this are pruned by
# the recognition.prune_gallery_changes beat task, and a worker idle for half of it rebuilds its index instead.
GALLERY_CHANGE_RETENTION_HOURS = env.int("GALLERY_CHANGE_RETENTION_HOURS", default=24)
CELERY_BEAT_SCHEDULE["recognition-prune-gallery-changes"] = {
    "task": "recognition.prune_gallery_changes", "schedule": 3600.0}

# --- Security (active whenever DEBUG is off) ------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
