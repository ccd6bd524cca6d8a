from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from beautyrec.core.api.responses import IDEMPOTENCY_HEADER, WAIT_PARAMETER, idempotency_key, job_response
from beautyrec.core.api.serializers import ErrorSerializer, JobSerializer
from beautyrec.recommender import selectors
from beautyrec.recommender.api import examples
from beautyrec.recommender.api.serializers import (
    CatalogImportSerializer,
    ProductFilterSerializer,
    ProductSerializer,
)
from beautyrec.recommender.services.imports import start_catalog_import


class ProductListApi(generics.ListAPIView):
    """Active products, filterable by category, brand and undertone."""

    serializer_class = ProductSerializer

    def get_queryset(self):  # type: ignore[override]
        filters = ProductFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.active_products(**filters.validated_data)

    @extend_schema(parameters=[ProductFilterSerializer], tags=["catalogue"],
                   responses={200: ProductSerializer(many=True), 400: ErrorSerializer, 401: ErrorSerializer},
                   examples=examples.PRODUCT_LIST)
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class ProductDetailApi(APIView):
    @extend_schema(responses={200: ProductSerializer, 404: ErrorSerializer}, tags=["catalogue"],
                   examples=examples.PRODUCT_DETAIL)
    def get(self, request: Request, product_id: int) -> Response:
        return Response(ProductSerializer(selectors.get_active_product(product_id)).data)


class CatalogImportApi(APIView):
    """Staff: upload a catalogue file; a cpu job validates every row and imports all-or-nothing by sku."""

    permission_classes = [IsAdminUser]
    parser_classes = [MultiPartParser]

    @extend_schema(request=CatalogImportSerializer, parameters=[WAIT_PARAMETER, IDEMPOTENCY_HEADER],
                   responses={200: JobSerializer, 202: JobSerializer, 400: ErrorSerializer, 403: ErrorSerializer,
                              413: ErrorSerializer}, tags=["catalogue"], examples=examples.CATALOG_IMPORT)
    def post(self, request: Request) -> Response:
        body = CatalogImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job, _ = start_catalog_import(user=request.user, upload=body.validated_data["file"],
                                      idempotency_key=idempotency_key(request))
        return job_response(request, job)
