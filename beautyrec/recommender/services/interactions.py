"""Recording users' interactions with products; client retries are idempotent per ``client_event_id``."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from beautyrec.recommender.models import Interaction, InteractionKind

# Events that say the user wants the product (training positives, "because you liked X" sources).
POSITIVE_KINDS = frozenset({InteractionKind.CLICK, InteractionKind.LIKE, InteractionKind.ADD_TO_CART,
                            InteractionKind.PURCHASE, InteractionKind.TRY_ON})
POSITIVE_RATING = 4.0
MAX_BATCH = 500


def is_positive(kind: str, value: float | None) -> bool:
    return kind in POSITIVE_KINDS or (kind == InteractionKind.RATING and value is not None and value >= POSITIVE_RATING)


def record_interactions(*, user: Any, events: Sequence[dict[str, Any]]) -> tuple[int, int]:
    """Store validated events; returns (created, duplicates). A ``client_event_id`` already stored for this user,
    or repeated inside the batch, is a duplicate and is not stored again."""
    now = timezone.now()
    seen: set[str] = set()
    fresh: list[dict[str, Any]] = []
    for event in events:
        if event["client_event_id"] not in seen:
            seen.add(event["client_event_id"])
            fresh.append(event)
    with transaction.atomic():
        existing = set(Interaction.objects.filter(user=user, client_event_id__in=seen)
                       .values_list("client_event_id", flat=True))
        rows = [Interaction(user=user, product=e["product"], kind=e["kind"], value=e.get("value"),
                            preview=e.get("preview"), client_event_id=e["client_event_id"],
                            timestamp=_timestamp(e.get("timestamp"), now))
                for e in fresh if e["client_event_id"] not in existing]
        Interaction.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows), len(events) - len(rows)


def _timestamp(value: datetime | None, now: datetime) -> datetime:
    return value if value is not None else now
