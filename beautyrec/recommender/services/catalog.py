"""Catalogue import: validate every row, report bad rows by line number, then upsert all-or-nothing by sku."""

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from beautyrec.core.colour import hex_to_lab, parse_hex, to_hex
from beautyrec.core.errors import InvalidInput
from beautyrec.recommender.models import Category, Coverage, Finish, Product, Undertone

FIELDS = ("sku", "brand", "name", "category", "shade_name", "shade_hex", "finish", "undertone", "coverage",
          "price", "currency", "tags", "description", "image_url", "is_active")
REQUIRED = ("sku", "brand", "name", "category")
MAX_LENGTHS = {"sku": 64, "brand": 120, "name": 200, "shade_name": 200, "image_url": 500}
MAX_ERRORS_REPORTED = 200


@dataclass(frozen=True)
class Row:
    line: int  # CSV: the file line (header is line 1); JSON: the 1-based position in the list
    data: dict[str, Any]


def read_rows(content: bytes, filename: str) -> list[Row]:
    """Parse a CSV (header row) or JSON (list, or {"products": [...]}) catalogue file."""
    suffix = Path(filename).suffix.lower()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The catalogue file is not UTF-8 text.", code="catalog_unreadable") from exc
    if suffix == ".json":
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"Malformed JSON at line {exc.lineno}: {exc.msg}.", code="catalog_unreadable",
                               details={"line": exc.lineno}) from exc
        items = payload.get("products") if isinstance(payload, dict) else payload
        if not isinstance(items, list):
            raise InvalidInput('A JSON catalogue is a list of products or {"products": [...]}.',
                               code="catalog_unreadable")
        return [Row(i + 1, item if isinstance(item, dict) else {"__not_an_object__": item})
                for i, item in enumerate(items)]
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = [f for f in REQUIRED if f not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInput(f"The CSV header lacks required columns: {', '.join(missing)}.",
                               code="catalog_unreadable", details={"missing_columns": missing})
        return [Row(reader.line_num, dict(record)) for record in reader]
    raise InvalidInput("Catalogue files must be .csv or .json.", code="catalog_unreadable")


def validate_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """One raw row -> (clean Product fields, errors by field)."""
    if "__not_an_object__" in raw:
        return {}, {"row": "must be an object"}
    errors: dict[str, str] = {}
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        errors["row"] = f"unknown fields: {', '.join(unknown)}"
    value = {k: raw.get(k) for k in FIELDS}
    clean: dict[str, Any] = {}
    for field in ("sku", "brand", "name", "shade_name", "description", "image_url"):
        text = "" if value[field] is None else str(value[field]).strip()
        if field in REQUIRED and not text:
            errors[field] = "required"
        elif len(text) > MAX_LENGTHS.get(field, 10_000):
            errors[field] = f"longer than {MAX_LENGTHS.get(field, 10_000)} characters"
        clean[field] = text
    for field, choices in (("category", Category), ("finish", Finish), ("undertone", Undertone),
                           ("coverage", Coverage)):
        text = str(value[field] or "").strip().lower().replace(" ", "_")
        if field == "category" and not text:
            errors[field] = "required"
        elif text and text not in choices.values:
            errors[field] = f"{text!r} is not one of {', '.join(choices.values)}"
        clean[field] = text
    shade = str(value["shade_hex"] or "").strip()
    clean["shade_hex"], clean["shade_l"], clean["shade_a"], clean["shade_b"] = "", None, None, None
    if shade:
        try:
            lab = hex_to_lab(shade)
        except InvalidInput:
            errors["shade_hex"] = f"{shade!r} is not an sRGB hex colour like #a06f4a"
        else:
            clean["shade_hex"] = to_hex(parse_hex(shade))
            clean["shade_l"], clean["shade_a"], clean["shade_b"] = (round(float(v), 4) for v in lab)
    clean["price"] = None
    if value["price"] not in (None, ""):
        try:
            price = Decimal(str(value["price"]))
            if not price.is_finite() or price < 0 or price >= Decimal("1e8"):
                raise InvalidOperation
            clean["price"] = price.quantize(Decimal("0.01"))
        except InvalidOperation:
            errors["price"] = f"{value['price']!r} is not a non-negative amount"
    currency = str(value["currency"] or "").strip().upper()
    if currency and (len(currency) != 3 or not currency.isalpha()):
        errors["currency"] = f"{currency!r} is not a 3-letter ISO 4217 code"
    clean["currency"] = currency
    tags = value["tags"]
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split("|") if t.strip()]
    if tags is None:
        tags = []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        errors["tags"] = "must be a list of strings (or '|'-separated in CSV)"
    clean["tags"] = tags
    active = value["is_active"]
    if isinstance(active, str):
        active = active.strip().lower()
        active = {"": True, "1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}.get(
            active, active)
    if active is None:
        active = True
    if not isinstance(active, bool):
        errors["is_active"] = "must be true or false"
    clean["is_active"] = active
    return clean, errors


@dataclass(frozen=True)
class ImportSummary:
    rows: int
    created: int
    updated: int
    unchanged: int

    def as_dict(self) -> dict[str, int]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def import_catalog(*, content: bytes, filename: str,
                   progress: Callable[[float, str], None] | None = None) -> ImportSummary:
    """Validate every row first; if any is bad, import nothing and report them all (by line)."""
    rows = read_rows(content, filename)
    if not rows:
        raise InvalidInput("The catalogue file has no rows.", code="catalog_empty")
    clean_rows, errors = _validate_all(rows, progress)
    if errors:
        raise InvalidInput(
            f"{len(errors)} of {len(rows)} rows are invalid; nothing was imported.",
            code="catalog_invalid", details={"errors": errors[:MAX_ERRORS_REPORTED], "invalid_rows": len(errors)},
        )
    return _upsert(clean_rows, progress)


def _validate_all(rows: list[Row], progress: Callable[[float, str], None] | None
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    clean_rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    first_line_of_sku: dict[str, int] = {}
    for i, row in enumerate(rows):
        clean, row_errors = validate_row(row.data)
        sku = clean.get("sku")
        if sku and sku in first_line_of_sku:
            row_errors["sku"] = f"duplicate of line {first_line_of_sku[sku]}"
        elif sku:
            first_line_of_sku[sku] = row.line
        if row_errors:
            errors.append({"line": row.line, "errors": row_errors})
        clean_rows.append(clean)
        if progress and i % 500 == 0:
            progress(40 * i / len(rows), "validating")
    return clean_rows, errors


def _upsert(clean_rows: list[dict[str, Any]], progress: Callable[[float, str], None] | None) -> ImportSummary:
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {p.sku: p for p in Product.objects.select_for_update().filter(
            sku__in=[r["sku"] for r in clean_rows])}
        to_create, to_update = [], []
        for row in clean_rows:
            product = existing.get(row["sku"])
            if product is None:
                to_create.append(Product(**row))
                continue
            changed = [f for f, v in row.items() if getattr(product, f) != v]
            if changed:
                for f in changed:
                    setattr(product, f, row[f])
                product.updated_at = timezone.now()
                to_update.append(product)
            else:
                unchanged += 1
        for start in range(0, len(to_create), 1000):
            Product.objects.bulk_create(to_create[start:start + 1000])
            if progress:
                progress(40 + 50 * (start + 1000) / max(1, len(to_create)), "writing")
        if to_update:
            Product.objects.bulk_update(to_update, [f for f in FIELDS if f != "sku"]
                                        + ["shade_l", "shade_a", "shade_b", "updated_at"], batch_size=500)
        created, updated = len(to_create), len(to_update)
    return ImportSummary(rows=len(clean_rows), created=created, updated=updated, unchanged=unchanged)


def describe_errors(details: dict[str, Any] | None) -> list[str]:
    """``catalog_invalid`` details -> one human line per bad row, e.g. ``line 4: shade_hex: ...``."""
    return [f"line {row['line']}: " + "; ".join(f"{k}: {v}" for k, v in row["errors"].items())
            for row in (details or {}).get("errors", [])]


def rows_to_csv(rows: Iterable[dict[str, Any]]) -> bytes:
    """Write rows in the import format (used to build the demo catalogue and in tests)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("|".join(v) if isinstance(v, list) else v) for k, v in row.items()})
    return buf.getvalue().encode("utf-8")
