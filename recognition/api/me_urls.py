"""Routes about the requesting user's own data, mounted at ``/api/v1/me/``."""

from django.urls import path

from recognition.api import views

urlpatterns = [
    path("biometrics/", views.BiometricsErasureApi.as_view(), name="me-biometrics"),
]
