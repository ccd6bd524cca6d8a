"""OpenAPI examples of the catalogue endpoints, recorded from the demo catalogue (tests/fixtures/shared_subset)."""

from beautyrec.core.api.examples import (
    BINARY,
    JSON,
    UPLOAD,
    error_example,
    job_examples,
    request_examples,
    response_example,
)
from beautyrec.core.api.schema_examples import FINISHED_IMPORT

LIPSTICKS = [
    {"id": 36, "sku": "lip-a9b20f44d1c1", "brand": "Chanel", "name": "唇膏水亮", "category": "lipstick",
     "shade_name": "122 CORAIL RADIEUX", "shade_hex": "#ea4d4a", "shade_lab": [55.38, 60.11, 36.0],
     "finish": "gloss", "undertone": "", "coverage": "", "price": "66.99", "currency": "USD",
     "tags": ["demo"], "image_url": ""},
    {"id": 35, "sku": "lip-2ece412d32cb", "brand": "Chanel", "name": "唇膏水亮", "category": "lipstick",
     "shade_name": "46 自由", "shade_hex": "#e87268", "shade_lab": [61.82, 44.79, 27.07], "finish": "gloss",
     "undertone": "", "coverage": "", "price": "66.99", "currency": "USD",
     "tags": ["demo"], "image_url": ""},
]
FOUNDATION = {
    "id": 41, "sku": "fdn-3f0c2a9e1b7d", "brand": "Anastasia Beverly Hills", "name": "Luminous Foundation",
    "category": "foundation", "shade_name": "355N", "shade_hex": "#a06f4a", "shade_lab": [51.08, 15.13, 28.27],
    "finish": "dewy", "undertone": "neutral", "coverage": "", "price": "36.99", "currency": "USD", "tags": ["demo"],
    "image_url": "",
}
PRODUCT_LIST = [
    response_example("Lipsticks", LIPSTICKS),
    error_example(400, "invalid", "Invalid input.", {"category": ['"lipstik" is not a valid choice.']}),
]
PRODUCT_DETAIL = [response_example("Foundation shade", FOUNDATION),
                  error_example(404, "product_not_found", "No such product.")]
CATALOG_IMPORT = [
    *request_examples("CSV catalogue", {"file": BINARY}, "A .csv with the header sku,brand,name,category,"
                    "shade_name,shade_hex,finish,undertone,coverage,price,currency,tags,description,image_url,"
                    "is_active; or a .json list of such objects.", media_types=UPLOAD),
    *job_examples("catalog_import", FINISHED_IMPORT["result"], job_id=FINISHED_IMPORT["id"],
                  created_at=FINISHED_IMPORT["created_at"], finished_at=FINISHED_IMPORT["finished_at"]),
    error_example(400, "catalog_unreadable", "The CSV header lacks required columns: shade_hex.",
                  {"missing_columns": ["shade_hex"]}),
    error_example(413, "file_too_large", "Catalogue files are limited to 20971520 bytes."),
    error_example(403, "permission_denied", "You do not have permission to perform this action."),
]

# Recorded: a view then a like of product 38 by the demo user (GET /api/v1/interactions/?page_size=2).
INTERACTIONS = [
    {"id": 2, "product": 38, "kind": "like", "value": None, "preview": None, "client_event_id": "3f5b8c1e-like-1",
     "timestamp": "2026-11-25T21:09:12.498985Z", "created_at": "2026-11-25T21:09:12.504391Z"},
    {"id": 1, "product": 38, "kind": "view", "value": None, "preview": None, "client_event_id": "3f5b8c1e-view-1",
     "timestamp": "2026-11-25T21:09:12.498985Z", "created_at": "2026-11-25T21:09:12.504334Z"},
]
INTERACTION_LIST = [response_example("Your interactions", INTERACTIONS)]
INTERACTION_CREATE = [
    *request_examples("A batch from the web client", [
        {"product": 38, "kind": "view", "client_event_id": "3f5b8c1e-view-1"},
        {"product": 38, "kind": "like", "client_event_id": "3f5b8c1e-like-1"}], media_types=(JSON,)),
    *request_examples("A rating", {"product": 41, "kind": "rating", "value": 5, "client_event_id": "web-7f3a-0001",
                                   "timestamp": "2026-05-01T10:15:00Z"}),
    *request_examples("A try-on", {"product": 41, "kind": "try_on", "preview": "0b8f4a52-64c4-4b47-9a65-2d0f1f3c9e10",
                                   "client_event_id": "web-7f3a-0002"}, media_types=(JSON,)),
    response_example("Stored", {"created": 2, "duplicates": 0}, 201),
    response_example("A retried batch", {"created": 0, "duplicates": 1}, 201,
                     "The same client_event_id again: nothing stored twice."),
    error_example(400, "invalid", "Invalid input.", [{}, {"kind": ['"wink" is not a valid choice.']}]),
    error_example(400, "batch_too_large", "At most 500 interactions per request."),
]
