"""The product catalogue (what can be recommended) and imports of it."""

from django.conf import settings
from django.db import models


class Category(models.TextChoices):
    FOUNDATION = "foundation"
    CONCEALER = "concealer"
    POWDER = "powder"
    LIPSTICK = "lipstick"
    LIP_GLOSS = "lip_gloss"
    LIP_LINER = "lip_liner"
    BLUSH = "blush"
    BRONZER = "bronzer"
    HIGHLIGHTER = "highlighter"
    EYESHADOW = "eyeshadow"
    EYELINER = "eyeliner"
    MASCARA = "mascara"
    BROW = "brow"


class Finish(models.TextChoices):
    MATTE = "matte"
    SATIN = "satin"
    GLOSS = "gloss"
    SHEER = "sheer"
    SHIMMER = "shimmer"
    METALLIC = "metallic"
    NATURAL = "natural"
    DEWY = "dewy"


class Undertone(models.TextChoices):
    WARM = "warm"
    NEUTRAL = "neutral"
    COOL = "cool"
    OLIVE = "olive"


class Coverage(models.TextChoices):
    SHEER = "sheer"
    LIGHT = "light"
    MEDIUM = "medium"
    FULL = "full"


class Product(models.Model):
    """One sellable shade. The shade is kept as sRGB hex (what retailers publish) and CIELAB (what we match on)."""

    sku = models.CharField(max_length=64, unique=True)
    brand = models.CharField(max_length=120, db_index=True)
    name = models.CharField(max_length=200, help_text="Product line, e.g. 'Luminous Foundation'.")
    category = models.CharField(max_length=32, choices=Category.choices, db_index=True)
    shade_name = models.CharField(max_length=200, blank=True)
    shade_hex = models.CharField(max_length=7, blank=True, help_text="#rrggbb")
    shade_l = models.FloatField(null=True, blank=True)
    shade_a = models.FloatField(null=True, blank=True)
    shade_b = models.FloatField(null=True, blank=True)
    finish = models.CharField(max_length=16, choices=Finish.choices, blank=True)
    undertone = models.CharField(max_length=16, choices=Undertone.choices, blank=True, db_index=True)
    coverage = models.CharField(max_length=16, choices=Coverage.choices, blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    tags = models.JSONField(default=list, blank=True)
    description = models.TextField(blank=True)
    image_url = models.URLField(max_length=500, blank=True)
    is_active = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["brand", "name", "shade_name"]
        indexes = [models.Index(fields=["category", "is_active"])]

    def __str__(self) -> str:
        shade = f" - {self.shade_name}" if self.shade_name else ""
        return f"{self.brand} {self.name}{shade}"


class CatalogImport(models.Model):
    """An uploaded catalogue file; the import job reads it by id."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    file = models.FileField(upload_to="catalog_imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.original_name} ({self.created_at:%Y-%m-%d %H:%M})"


class InteractionKind(models.TextChoices):
    VIEW = "view"
    CLICK = "click"
    LIKE = "like"
    DISLIKE = "dislike"
    ADD_TO_CART = "add_to_cart"
    PURCHASE = "purchase"
    RATING = "rating"
    TRY_ON = "try_on"


class Interaction(models.Model):
    """One event of a user with a product. ``client_event_id`` makes client retries idempotent per user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interactions")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(max_length=16, choices=InteractionKind.choices)
    value = models.FloatField(null=True, blank=True, help_text="The rating (1-5) for kind=rating.")
    preview = models.UUIDField(null=True, blank=True, help_text="The try-on preview's id for kind=try_on.")
    client_event_id = models.CharField(max_length=64)
    timestamp = models.DateTimeField(db_index=True, help_text="When it happened (client clock, else arrival).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-timestamp", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "client_event_id"],
                                               name="interaction_unique_client_event")]
        indexes = [models.Index(fields=["user", "timestamp"]), models.Index(fields=["product", "kind"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.product_id}"
