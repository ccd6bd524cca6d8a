"""OpenAPI examples of the preview endpoints, from a recorded real run (``examples.json``, see its ``_source``)."""

from beautyrec.core.api.examples import (
    BINARY,
    JSON,
    MULTIPART,
    UPLOAD,
    error_example,
    job_examples,
    load_recorded,
    request_examples,
    response_example,
)

RECORDED = load_recorded(__file__)
PRODUCTS_JOB = RECORDED["preview_products"]
LOOK_JOB = RECORDED["preview_look"]
PHOTO_ID = RECORDED["preview_detail"]["photo_id"]
PRODUCT_IDS = [image["product"] for image in PRODUCTS_JOB["result"]["images"]]

PREVIEW_NOT_FOUND = error_example(404, "preview_not_found", "No such preview.")
LOOK_RESULT = response_example("Reference look (analytic)", LOOK_JOB, 200,
                               "A reference look's job: one image, region colours measured on the result.")
PREVIEW_CREATE = [
    *request_examples("Recommended products on a stored photo",
                      {"photo_id": PHOTO_ID, "items": [{"product": p} for p in PRODUCT_IDS], "combine": False},
                      media_types=(JSON,)),
    *request_examples("An explicit shade", {"photo_id": PHOTO_ID, "items": [
        {"category": "lipstick", "shade": "#aa3344", "finish": "matte", "intensity": 0.8}]}, media_types=(JSON,)),
    *request_examples("Transfer a reference look", {"photo_id": PHOTO_ID, "reference_image": BINARY,
                                                    "method": "analytic"}, media_types=UPLOAD),
    *request_examples("Upload the selfie with the items", {"image": BINARY, "items": '[{"product": 38}]'},
                      media_types=(MULTIPART,)),
    *job_examples("preview", PRODUCTS_JOB["result"], job_id=PRODUCTS_JOB["id"],
                  created_at=PRODUCTS_JOB["created_at"], finished_at=PRODUCTS_JOB["finished_at"]),
    LOOK_RESULT,
    error_example(400, "unknown_product", "items[0]: no product 99999 in the catalogue.",
                  {"index": 0, "product": 99999}),
    error_example(422, "no_face", "No face was found in the image."),
    error_example(404, "photo_not_found", "No such photo."),
    error_example(413, "image_too_large", "The image is larger than the limit of 12582912 bytes.",
                  {"limit_bytes": 12582912}),
]
PREVIEW_LIST = [response_example("Your previews", [RECORDED["preview_detail"]])]
PREVIEW_DETAIL = [response_example("Two products", RECORDED["preview_detail"]), PREVIEW_NOT_FOUND]
PREVIEW_DELETE = [PREVIEW_NOT_FOUND]
PREVIEW_IMAGE = [PREVIEW_NOT_FOUND, error_example(404, "preview_image_not_found", "No such preview image.")]
