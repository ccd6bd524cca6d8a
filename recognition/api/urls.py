from django.urls import path

from recognition.api import views

urlpatterns = [
    path("analyze/", views.AnalyzeApi.as_view(), name="recognition-analyze"),
    path("verify/", views.VerifyApi.as_view(), name="recognition-verify"),
    path("identify/", views.IdentifyApi.as_view(), name="recognition-identify"),
    path("subjects/", views.SubjectListApi.as_view(), name="recognition-subject-list"),
    path("subjects/<str:subject_id>/", views.SubjectDetailApi.as_view(), name="recognition-subject-detail"),
    path("subjects/<str:subject_id>/enroll/", views.EnrollApi.as_view(), name="recognition-enroll"),
    path("photos/<str:photo_id>/", views.PhotoDetailApi.as_view(), name="recognition-photo-detail"),
    path("photos/<str:photo_id>/image/", views.PhotoImageApi.as_view(), name="recognition-photo-image"),
]
