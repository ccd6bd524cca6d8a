"""Small JPEGs of stored photos with the face boxes drawn, for staff in the admin (never a public URL)."""

import io

from PIL import Image, ImageDraw

from recognition.models import Face, Photo
from recognition.services.photos import load_pixels, photo_scale

BOX_COLOURS = ("#31e07a", "#f5c542")  # the largest face, then the others


def _jpeg(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def photo_thumbnail(*, photo: Photo, max_side: int = 240) -> bytes:
    """The photo at most ``max_side`` pixels on its long side with every face's box drawn."""
    decoded = load_pixels(photo)
    scale = photo_scale(photo, decoded)  # stored pixels per original pixel (face boxes are in original ones)
    img = Image.fromarray(decoded.pixels)
    shrink = min(1.0, max_side / max(img.size))
    img = img.resize((max(1, round(img.width * shrink)), max(1, round(img.height * shrink))),
                     Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(img)
    factor = scale * shrink
    for face in photo.faces.order_by("index"):
        left, top, right, bottom = (v * factor for v in face.box)
        draw.rectangle((left, top, right, bottom), outline=BOX_COLOURS[min(face.index, 1)],
                       width=max(2, round(max(img.size) / 120)))
    return _jpeg(img)


def face_thumbnail(*, face: Face, size: int = 96, margin: float = 0.3) -> bytes:
    """The face's box widened by ``margin`` on each side, square, ``size`` pixels."""
    decoded = load_pixels(face.photo)
    scale = photo_scale(face.photo, decoded)
    left, top, right, bottom = (v * scale for v in face.box)
    side = max(right - left, bottom - top) * (1 + 2 * margin)
    cx, cy = (left + right) / 2, (top + bottom) / 2
    crop = Image.fromarray(decoded.pixels).crop((round(cx - side / 2), round(cy - side / 2),
                                                 round(cx + side / 2), round(cy + side / 2)))
    return _jpeg(crop.resize((size, size), Image.Resampling.LANCZOS))
