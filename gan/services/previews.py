"""Preview jobs: validate a request at once, render in a gpu-queue worker, store images, expire them.

A request names a photo (stored or uploaded now) and either items (catalogue products or explicit shades) or a
reference photo and a method. Everything that can be checked without the networks is checked in the request
(unknown product, bad shade, unknown category or finish, intensity out of range) and answered with a 400 and
nothing stored; face problems (no face, face_index out of range) fail the job with their codes. The task body
replaces its outputs, so a redelivered job ends with one preview, not two.
"""

from datetime import timedelta
from typing import Any, Final

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from beautyrec.core import colour
from beautyrec.core.errors import InvalidInput, NotFound, UnprocessableInput
from beautyrec.core.images import encode_jpeg
from beautyrec.core.jobs import ProgressFn, submit_job
from beautyrec.core.models import Job
from beautyrec.recommender.models import Product
from gan.ml import renderer
from gan.ml.analytic import analytic_look
from gan.models import Preview, PreviewImage
from gan.services.makeup_gan import transfer_model, transfer_model_version
from recognition.models import Photo
from recognition.services.analysis import analyze_photo, select_face
from recognition.services.jobs import UPLOADS, ImageInput, discards_uploads_on_refusal, resolve_image_input
from recognition.services.photos import delete_photos, deleted_on_failure, load_pixels, photo_scale

TASK_PREVIEW: Final = "gan.preview"
JOB_KIND: Final = "preview"
MAX_ITEMS: Final = 50
JPEG_QUALITY: Final = 92
METHODS: Final = ("gan", "analytic")
# Which measured region shows each category's result.
CATEGORY_REGION: Final = {
    "lipstick": "lips", "lip_gloss": "lips", "lip_liner": "lips", "eyeshadow": "eyelids", "eyeliner": "eyelids",
    "mascara": "eyelids", "blush": "cheeks", "bronzer": "cheeks", "highlighter": "cheeks", "foundation": "skin",
    "concealer": "skin", "powder": "skin", "brow": "brows",
}
LOOK_REGIONS: Final = ("lips", "eyelids", "cheeks", "skin")


# --- request-time validation ------------------------------------------------------------------------------
def _intensity(value: Any, index: int) -> float:
    try:
        number = float(1.0 if value is None else value)
    except (TypeError, ValueError):
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise InvalidInput(f"items[{index}].intensity must be a number from 0 to 1.", code="invalid_intensity",
                           details={"index": index})
    return number


def _coverage(value: Any, index: int) -> float:
    if value is None or value == "":
        return renderer.COVERAGE_LEVELS["medium"]
    if isinstance(value, str) and value in renderer.COVERAGE_LEVELS:
        return renderer.COVERAGE_LEVELS[value]
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise InvalidInput(f"items[{index}].coverage must be sheer, light, medium, full or a number from 0 to 1.",
                           code="invalid_coverage", details={"index": index})
    return number


def _finish(value: Any, index: int) -> str:
    if value in (None, ""):
        return ""
    if value not in renderer.FINISHES:
        raise InvalidInput(f"items[{index}].finish must be one of {', '.join(renderer.FINISHES)}.",
                           code="invalid_finish", details={"index": index})
    return str(value)


def _shade_lab(value: Any, index: int) -> np.ndarray:
    try:
        return colour.hex_to_lab(value)
    except InvalidInput as exc:
        raise InvalidInput(f"items[{index}].shade {value!r} is not an sRGB hex colour like #aa3344.",
                           code="invalid_shade", details={"index": index}) from exc


def normalise_item(raw: Any, index: int) -> dict[str, Any]:
    """One requested item as the renderer needs it, with the product's own shade, finish and coverage."""
    if not isinstance(raw, dict):
        raise InvalidInput(f"items[{index}] must be an object.", code="invalid_item", details={"index": index})
    if raw.get("product") is not None:
        product = Product.objects.filter(pk=raw["product"], is_active=True).first() \
            if str(raw["product"]).isdigit() else None
        if product is None:
            raise InvalidInput(f"items[{index}]: no product {raw['product']!r} in the catalogue.",
                               code="unknown_product", details={"index": index, "product": raw["product"]})
        if product.category not in renderer.CATEGORIES or not product.shade_hex:
            raise UnprocessableInput(f"items[{index}]: product {product.pk} ({product.category}) has no shade "
                                     "that can be tried on.", code="product_not_renderable",
                                     details={"index": index, "product": product.pk})
        lab = [product.shade_l, product.shade_a, product.shade_b]
        lab_values = np.array(lab) if None not in lab else _shade_lab(product.shade_hex, index)
        finish = product.finish if product.finish in renderer.FINISHES else ""
        return {"product": product.pk, "category": product.category, "shade": product.shade_hex.lower(),
                "lab": [round(float(v), 3) for v in lab_values],
                "finish": _finish(raw.get("finish"), index) or finish,
                "intensity": _intensity(raw.get("intensity"), index),
                "coverage": _coverage(raw.get("coverage", product.coverage), index)}
    category = raw.get("category")
    if category not in renderer.CATEGORIES:
        raise InvalidInput(f"items[{index}].category must be one of {', '.join(renderer.CATEGORIES)}.",
                           code="invalid_category", details={"index": index})
    lab = _shade_lab(raw.get("shade"), index)
    return {"product": None, "category": category, "shade": colour.lab_to_hex(lab),
            "lab": [round(float(v), 3) for v in lab], "finish": _finish(raw.get("finish"), index),
            "intensity": _intensity(raw.get("intensity"), index), "coverage": _coverage(raw.get("coverage"), index)}


def normalise_items(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not items:
        raise InvalidInput("items must be a non-empty list.", code="invalid_items")
    if len(items) > MAX_ITEMS:
        raise InvalidInput(f"At most {MAX_ITEMS} items per preview.", code="too_many_items")
    return [normalise_item(raw, i) for i, raw in enumerate(items)]


def to_makeup_item(item: dict[str, Any]) -> renderer.MakeupItem:
    return renderer.MakeupItem(item["category"], np.asarray(item["lab"], dtype=np.float32), finish=item["finish"],
                               intensity=item["intensity"], coverage=item["coverage"])


# --- starting the job -------------------------------------------------------------------------------------
def start_preview(*, user: AbstractBaseUser, source: ImageInput, items: list[Any] | None = None,
                  combine: bool = False, reference: ImageInput | None = None, method: str = "gan",
                  idempotency_key: str | None = None) -> Job:
    """Validate and queue one preview job (kind ``preview``, gpu queue)."""
    if (items is None) == (reference is None):
        raise InvalidInput("Send either items or a reference photo.", code="items_or_reference")
    if reference is not None and method not in METHODS:
        raise InvalidInput(f"method must be one of {', '.join(METHODS)}.", code="invalid_method")
    normalised = normalise_items(items) if items is not None else []
    with deleted_on_failure() as new:
        photo = resolve_image_input(user, source, new)
        reference_photo = resolve_image_input(user, reference, new) if reference is not None else None
        params = {"photo_id": str(photo.pk), "face_index": source.face_index, "items": normalised,
                  "combine": bool(combine)}
        if reference_photo is not None:
            params.update(reference_photo_id=str(reference_photo.pk), reference_face_index=reference.face_index,
                          method=method)
        params[UPLOADS] = [str(p.pk) for p in new]  # deleted if the job is refused (no usable face...)
        job, created = submit_job(kind=JOB_KIND, owner=user, task_name=TASK_PREVIEW, params=params,
                                  idempotency_key=idempotency_key, undo=lambda: delete_photos(new))
        if not created:  # a retried request: the earlier job stands, this upload is not needed
            delete_photos(new)
    return job


# --- running it -------------------------------------------------------------------------------------------
def _face_pixels(photo_id: str, face_index: int | None) -> tuple[Photo, int, np.ndarray, np.ndarray]:
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None:
        raise NotFound("The photo was deleted before the preview ran.", code="photo_not_found")
    face = select_face(analyze_photo(photo=photo), face_index)
    if len(face.landmarks) != 68:
        raise UnprocessableInput("Previews need the 68-point landmarks (LANDMARK_POINTS=68).",
                                 code="landmarks_unavailable")
    decoded = load_pixels(photo)
    landmarks = np.asarray(face.landmarks, dtype=np.float64) * photo_scale(photo, decoded)
    return photo, face.index, decoded.pixels, landmarks


def measured_colours(image: np.ndarray, landmarks: np.ndarray, regions: tuple[str, ...]) -> dict[str, Any]:
    measured = renderer.region_colours(image, landmarks, regions)
    return {name: {"lab": [round(float(v), 2) for v in lab], "hex": colour.lab_to_hex(lab)}
            for name, lab in measured.items()}


def image_url(preview: Preview, index: int) -> str:
    return reverse("gan-preview-image", args=[str(preview.pk), index])


def image_payload(image: PreviewImage) -> dict[str, Any]:
    return {"index": image.index, "item": image.item, "product": image.product_id,
            "url": image_url(image.preview, image.index), "region_colours": image.region_colours}


@discards_uploads_on_refusal
def run_preview(job: Job, progress: ProgressFn) -> dict[str, Any]:
    """Render every requested item (or the combined look, or the reference's look) and store the images."""
    params = job.params
    progress(2, "analyze")
    photo, face_index, pixels, landmarks = _face_pixels(params["photo_id"], params.get("face_index"))
    reference_photo, method, model_version = None, Preview.Method.RENDERER, ""
    renders: list[tuple[dict[str, Any] | None, np.ndarray, tuple[str, ...]]] = []
    items = params.get("items") or []
    if params.get("reference_photo_id"):
        method = params["method"]
        progress(10, "analyze reference")
        reference_photo, _, ref_pixels, ref_landmarks = _face_pixels(params["reference_photo_id"],
                                                                     params.get("reference_face_index"))
        progress(20, f"render 1/1 ({method})")
        if method == Preview.Method.GAN:
            image = transfer_model()(pixels, landmarks, ref_pixels, ref_landmarks)
            mv = transfer_model_version()
            model_version = f"{mv['kind']}:{mv['version']}"
        else:
            look = analytic_look(ref_pixels, ref_landmarks, pixels, landmarks)
            image = renderer.render(pixels, landmarks, look).image
            items = [{"product": None, "category": it.category, "shade": colour.lab_to_hex(it.lab),
                      "lab": [round(float(v), 3) for v in it.lab], "finish": it.finish,
                      "intensity": it.intensity, "coverage": it.coverage} for it in look]
        renders.append((None, image, LOOK_REGIONS))
    elif params.get("combine"):
        progress(20, "render 1/1 (combined)")
        image = renderer.render(pixels, landmarks, [to_makeup_item(it) for it in items]).image
        renders.append((None, image, LOOK_REGIONS))
    else:
        for n, item in enumerate(items):
            progress(10 + 85 * n / len(items), f"render {n + 1}/{len(items)}")
            image = renderer.render(pixels, landmarks, [to_makeup_item(item)]).image
            renders.append((item, image, (CATEGORY_REGION[item["category"]],)))
    progress(95, "store")
    preview = store_preview(job=job, photo=photo, face_index=face_index, method=method,
                            reference_photo=reference_photo, items=items, combine=bool(params.get("combine")),
                            model_version=model_version, landmarks=landmarks, renders=renders)
    return {"preview": str(preview.pk), "method": preview.method, "model_version": preview.model_version or None,
            "face_index": face_index, "images": [image_payload(img) for img in preview.images.all()]}


def store_preview(*, job: Job, photo: Photo, face_index: int, method: str, reference_photo: Photo | None,
                  items: list[dict[str, Any]], combine: bool, model_version: str, landmarks: np.ndarray,
                  renders: list[tuple[dict[str, Any] | None, np.ndarray, tuple[str, ...]]]) -> Preview:
    """One preview with its images, replacing any an earlier delivery of the same job stored."""
    with transaction.atomic():
        Preview.objects.filter(job=job).delete()
        preview = Preview.objects.create(
            owner=job.owner, photo=photo, face_index=face_index, method=method, reference_photo=reference_photo,
            items=items, combine=combine, model_version=model_version, job=job,
            expires_at=timezone.now() + timedelta(hours=settings.PREVIEW_RETENTION_HOURS))
        for index, (item, image, regions) in enumerate(renders):
            stored = PreviewImage(preview=preview, index=index, item=item,
                                  product_id=item.get("product") if item else None,
                                  region_colours=measured_colours(image, landmarks, regions))
            stored.file.save(f"{index}.jpg", ContentFile(encode_jpeg(image, quality=JPEG_QUALITY)), save=False)
            stored.save()
    return preview


# --- listing, deleting, expiry, erasure -------------------------------------------------------------------
def delete_preview(*, preview: Preview) -> None:
    preview.delete()  # images cascade; their files go after the commit (gan.models)


def purge_expired(now: Any = None) -> int:
    """Delete every preview past its retention, with its files; returns how many."""
    expired = Preview.objects.filter(expires_at__lte=now or timezone.now())
    count = expired.count()
    with transaction.atomic():
        PreviewImage.objects.filter(preview__in=expired).delete()
        expired.delete()
    return count


def erase_user_previews(user: AbstractBaseUser) -> int:
    """For biometric erasure: the user's previews and files, and the preview jobs that name them."""
    previews = Preview.objects.filter(owner=user)
    count = previews.count()
    PreviewImage.objects.filter(preview__owner=user).delete()
    previews.delete()
    Job.objects.filter(owner=user, kind=JOB_KIND).delete()
    return count
