from django.urls import path

from beautyrec.core.api import views

urlpatterns = [
    path("health/", views.HealthApi.as_view(), name="health"),
    path("auth/token/", views.TokenApi.as_view(), name="auth-token"),
    path("jobs/", views.JobListApi.as_view(), name="job-list"),
    path("jobs/<str:job_id>/", views.JobDetailApi.as_view(), name="job-detail"),
]
