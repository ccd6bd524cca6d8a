from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from beautyrec.core.api.responses import (
    IDEMPOTENCY_HEADER,
    WAIT_PARAMETER,
    JobRequestMixin,
    idempotency_key,
    job_response,
)
from beautyrec.core.api.serializers import ErrorSerializer, JobSerializer
from beautyrec.core.errors import InvalidInput
from beautyrec.recommender import selectors
from beautyrec.recommender.api import examples
from beautyrec.recommender.api.serializers import (
    CatalogImportSerializer,
    InteractionInSerializer,
    InteractionResultSerializer,
    InteractionSerializer,
    ProductFilterSerializer,
    ProductSerializer,
    RecommendationsSerializer,
)
from beautyrec.recommender.models import Category
from beautyrec.recommender.services.imports import start_catalog_import
from beautyrec.recommender.services.interactions import MAX_BATCH, record_interactions
from beautyrec.recommender.services.query import MAX_QUERY_LENGTH
from beautyrec.recommender.services.recommend import recommend

MAX_K = 50


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


class CatalogImportApi(JobRequestMixin, APIView):
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


class InteractionsApi(generics.ListAPIView):
    """GET: the user's own interactions, newest first. POST: one event or a list; repeats are not stored twice."""

    serializer_class = InteractionSerializer

    def get_queryset(self):  # type: ignore[override]
        return selectors.user_interactions(user=self.request.user)

    @extend_schema(responses={200: InteractionSerializer(many=True), 401: ErrorSerializer}, tags=["interactions"],
                   examples=examples.INTERACTION_LIST)
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=InteractionInSerializer(many=True),
                   responses={201: InteractionResultSerializer, 400: ErrorSerializer, 401: ErrorSerializer},
                   tags=["interactions"], examples=examples.INTERACTION_CREATE,
                   description="Body: one interaction object or a list of up to 500. Each `client_event_id` is "
                               "stored once per user; a repeat (a client retry) counts under `duplicates`.")
    def post(self, request: Request) -> Response:
        many = isinstance(request.data, list)
        if many and not request.data:
            raise InvalidInput("The list of interactions is empty.", code="empty_batch")
        if many and len(request.data) > MAX_BATCH:
            raise InvalidInput(f"At most {MAX_BATCH} interactions per request.", code="batch_too_large")
        body = InteractionInSerializer(data=request.data, many=many)
        body.is_valid(raise_exception=True)
        events = body.validated_data if many else [body.validated_data]
        created, duplicates = record_interactions(user=request.user, events=events)
        return Response({"created": created, "duplicates": duplicates}, status=201)


class RecommendationsApi(APIView):
    """Products for the current user: shade matches from their latest selfie, history-aware once they have one."""

    @extend_schema(
        parameters=[OpenApiParameter("category", OpenApiTypes.STR, enum=Category.values,
                                     description="Only this category (all when omitted)."),
                    OpenApiParameter("k", OpenApiTypes.INT, description=f"How many, 1-{MAX_K} (default 10)."),
                    OpenApiParameter("q", OpenApiTypes.STR, description=(
                        f"A text query (at most {MAX_QUERY_LENGTH} characters, else 400 `query_too_long`), e.g. "
                        "'a long-wear matte red for my warm skin, under $30': category, colour, finish, undertone, "
                        "coverage, price and brand words filter the products, other words rank them by relevance; "
                        "the response's `query` says what was understood and what was dropped."))],
        responses={200: RecommendationsSerializer, 400: ErrorSerializer, 401: ErrorSerializer},
        tags=["recommendations"])
    def get(self, request: Request) -> Response:
        raw_k = request.query_params.get("k", "10")
        if not raw_k.isdigit() or not 1 <= int(raw_k) <= MAX_K:
            raise InvalidInput(f"k must be an integer from 1 to {MAX_K}.", code="invalid_k",
                               details={"k": raw_k})
        category = request.query_params.get("category") or None
        if category is not None and category not in Category.values:
            raise InvalidInput("Unknown category.", code="invalid_category",
                               details={"category": category, "allowed": Category.values})
        result = recommend(user=request.user, k=int(raw_k), category=category, q=request.query_params.get("q"))
        return Response({
            "profile": result.profile.as_dict() if result.profile else None,
            "model_version": result.model_version,
            "results": [{"product": ProductSerializer(r.product).data, "score": r.score, "reasons": r.reasons}
                        for r in result.results],
            "query": result.query,
        })
