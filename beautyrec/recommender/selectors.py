"""Read-side queries of the catalogue."""

from typing import Any

from django.db.models import QuerySet

from beautyrec.core.errors import NotFound
from beautyrec.recommender.models import Interaction, Product


def active_products(*, category: str | None = None, brand: str | None = None,
                    undertone: str | None = None) -> QuerySet[Product]:
    products = Product.objects.filter(is_active=True)
    if category:
        products = products.filter(category=category)
    if brand:
        products = products.filter(brand__iexact=brand)
    if undertone:
        products = products.filter(undertone=undertone)
    return products


def get_active_product(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id, is_active=True).first()
    if product is None:
        raise NotFound("No such product.", code="product_not_found")
    return product


def user_interactions(*, user: Any) -> QuerySet[Interaction]:
    return Interaction.objects.filter(user=user).select_related("product")
