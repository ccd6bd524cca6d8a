from django.urls import path

from gan.api import views

urlpatterns = [
    path("previews/", views.PreviewListApi.as_view(), name="gan-preview-list"),
    path("previews/<str:preview_id>/", views.PreviewDetailApi.as_view(), name="gan-preview-detail"),
    path("previews/<str:preview_id>/images/<int:index>/", views.PreviewImageApi.as_view(),
         name="gan-preview-image"),
]
