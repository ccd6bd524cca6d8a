"""Production settings (DEBUG=0): responses carry the secure headers and cookies. (`check --deploy` passing
and start-up refusing a missing SECRET_KEY are tested in tests/core/test_api_basics.py.)

The probe runs Django in a subprocess with a production-like environment only (no developer defaults leak in).
"""

import json
import subprocess
import sys

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="api.example.com")
plain = client.get("/api/v1/jobs/")
secure = client.get("/api/v1/jobs/", secure=True)
admin = client.get("/admin/login/", secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.headers.get("Location")],
    "secure": [secure.status_code, dict(secure.headers)],
    "admin_cookies": {name: {k: morsel[k] for k in ("secure", "httponly", "samesite")}
                      for name, morsel in admin.cookies.items()},
    "settings": {k: getattr(settings, k) for k in ("DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                 "SESSION_COOKIE_HTTPONLY", "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "X_FRAME_OPTIONS")},
}))
"""


def production_env(tmp_path) -> dict[str, str]:
    return {"DEBUG": "0", "SECRET_KEY": "production-only-" + "s3cr3t-" * 8, "ALLOWED_HOSTS": "api.example.com",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "MEDIA_ROOT": str(tmp_path / "media"),
            "DJANGO_SETTINGS_MODULE": "beautyrec.settings", "PATH": "/usr/bin:/bin"}


def test_production_responses_have_secure_headers_and_cookies(tmp_path):
    proc = subprocess.run([sys.executable, "-c", PROBE], env=production_env(tmp_path), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["plain"] == [301, "https://api.example.com/api/v1/jobs/"]  # plain HTTP is redirected
    status, headers = report["secure"]
    assert status == 401  # the API itself still needs a token
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert report["admin_cookies"]["csrftoken"]["secure"] is True
    assert report["admin_cookies"]["csrftoken"]["samesite"] == "Lax"
    assert report["settings"] == {"DEBUG": False, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
                                  "SESSION_COOKIE_HTTPONLY": True, "SECURE_HSTS_SECONDS": 31536000,
                                  "SECURE_SSL_REDIRECT": True, "X_FRAME_OPTIONS": "DENY"}

