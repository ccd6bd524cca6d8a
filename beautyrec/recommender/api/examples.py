"""OpenAPI examples of the catalogue endpoints, recorded from the demo catalogue (tests/fixtures/shared_subset)."""

from beautyrec.core.api.examples import (
    BINARY,
    UPLOAD,
    error_example,
    job_examples,
    request_examples,
    response_example,
)
from beautyrec.core.api.schema_examples import FINISHED_IMPORT

LIPSTICKS = [
    {"id": 36, "sku": "lip-a9b20f44d1c1", "brand": "Chanel", "name": "唇膏水亮", "category": "lipstick",
     "shade_name": "122 CORAIL RADIEUX", "shade_hex": "#ea4d4a", "shade_lab": [55.38, 60.11, 36.0], "finish": "",
     "undertone": "", "coverage": "", "price": None, "currency": "", "tags": ["demo"], "image_url": ""},
    {"id": 35, "sku": "lip-2ece412d32cb", "brand": "Chanel", "name": "唇膏水亮", "category": "lipstick",
     "shade_name": "46 自由", "shade_hex": "#e87268", "shade_lab": [61.82, 44.79, 27.07], "finish": "",
     "undertone": "", "coverage": "", "price": None, "currency": "", "tags": ["demo"], "image_url": ""},
]
FOUNDATION = {
    "id": 41, "sku": "fdn-3f0c2a9e1b7d", "brand": "Anastasia Beverly Hills", "name": "Luminous Foundation",
    "category": "foundation", "shade_name": "355N", "shade_hex": "#a06f4a", "shade_lab": [51.08, 15.13, 28.27],
    "finish": "", "undertone": "neutral", "coverage": "", "price": None, "currency": "", "tags": ["demo"],
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
