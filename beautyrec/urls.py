"""Root URLs: the demo web client, the versioned API, its schema and docs, and the admin.

Media files (photos, previews) are biometric data: they are never served from a public URL, only through
authenticated API endpoints that check ownership.
"""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from beautyrec.core import errors
from beautyrec.web import views as web_views

urlpatterns = [
    path("", web_views.index, name="demo"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include("beautyrec.core.api.urls")),
    path("api/v1/", include("beautyrec.recommender.api.urls")),
    path("api/v1/recognition/", include("recognition.api.urls")),
    path("api/v1/me/", include("recognition.api.me_urls")),
    path("api/v1/", include("gan.api.urls")),
    path("api-auth/", include("rest_framework.urls")),
    # Unknown API paths answer in the API's error format even with DEBUG on (for every method: see the view).
    re_path(r"^api/", errors.not_found_view),
]

handler400 = "beautyrec.core.errors.bad_request_view"
handler403 = "beautyrec.core.errors.permission_denied_view"
handler404 = "beautyrec.core.errors.not_found_view"
handler500 = "beautyrec.core.errors.server_error_view"
