from django.urls import path

from beautyrec.recommender.api import views

urlpatterns = [
    path("products/", views.ProductListApi.as_view(), name="product-list"),
    path("products/<int:product_id>/", views.ProductDetailApi.as_view(), name="product-detail"),
    path("recommendations/", views.RecommendationsApi.as_view(), name="recommendations"),
    path("interactions/", views.InteractionsApi.as_view(), name="interactions"),
    path("catalog/imports/", views.CatalogImportApi.as_view(), name="catalog-import"),
]
