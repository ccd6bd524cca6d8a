"""The bad-input matrix: every malformed or unusable request gets a 4xx with a stable code, never a 500, and
leaves nothing behind (no photo, face, job row or file); every odd-but-valid image is read correctly.

Images are made here from the real fixture faces, in each format and mode a client may send.
"""

import io

import numpy as np
import pytest
from django.test.client import encode_multipart
from PIL import Image, ImageFilter

from beautyrec.core.models import Job
from recognition.models import Photo
from tests.core.test_api_basics import assert_error
from tests.core.test_request_limits import CountingStream
from tests.recognition.conftest import BLAIR, FACES, POWELL, SERENA, side_by_side, upload, upload_array
from tests.reliability.conftest import as_upload, encode, grid, media_files, png_declaring, stored

pytestmark = pytest.mark.django_db(transaction=True)

ANALYZE = "/api/v1/recognition/analyze/"
NOTHING = {"photos": 0, "faces": 0, "jobs": 0, "subjects": 0, "files": 0}


def face_image() -> Image.Image:
    return Image.open(BLAIR[0]).convert("RGB")


def face_jpeg() -> bytes:
    return encode(face_image(), "JPEG", quality=95)


def analyze(client, data: dict, query: str = "?wait=10", **extra):
    return client.post(f"{ANALYZE}{query}", data, format="multipart", **extra)


def animated_gif() -> bytes:
    frames = [Image.open(p).convert("RGB").resize((150, 150)) for p in (BLAIR[0], SERENA[0])]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


# name -> (bytes, upload name, status, code). Each is refused by the request itself, before any job.
REFUSED_UPLOADS = {
    "text_with_jpg_extension": (lambda: b"Just some text that is not an image.\n" * 20, "selfie.jpg", 422,
                                "image_unreadable"),
    "pdf_with_png_extension": (lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" * 10, "me.png", 422,
                               "image_unreadable"),
    "truncated_jpeg": (lambda: face_jpeg()[: len(face_jpeg()) // 2], "cut.jpg", 422, "image_truncated"),
    "truncated_png": (lambda: encode(face_image(), "PNG")[:20_000], "cut.png", 422, "image_truncated"),
    "png_signature_then_garbage": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "x.png", 422,
                                   "image_unreadable"),
    "bomb_png_50000x50000": (lambda: png_declaring(50_000, 50_000), "bomb.png", 422, "image_too_many_pixels"),
    "animated_gif": (animated_gif, "faces.gif", 422, "image_animated"),
    "unsupported_format_ico": (lambda: encode(face_image().resize((64, 64)), "ICO"), "face.ico", 422,
                               "image_format_unsupported"),
    "image_too_small": (lambda: encode(face_image().resize((24, 24)), "PNG"), "tiny.png", 422, "image_too_small"),
    "empty_file": (lambda: b"", "empty.jpg", 400, "invalid"),
}


@pytest.mark.parametrize("case", sorted(REFUSED_UPLOADS))
def test_unusable_upload_is_refused_with_its_code_and_nothing_is_stored(case, client_alice):
    make, name, status, code = REFUSED_UPLOADS[case]
    response = analyze(client_alice, {"image": as_upload(make(), name, "image/jpeg")})
    assert_error(response, status, code)
    assert stored() == NOTHING


def test_bomb_is_refused_from_its_header_in_every_upload_endpoint(client_alice):
    subject = client_alice.post("/api/v1/recognition/subjects/", {"name": "x", "consent": True}, format="json")
    bomb = png_declaring(50_000, 50_000)
    for url, extra in (("/api/v1/recognition/verify/", {"image2": as_upload(face_jpeg(), "b.jpg")}),
                       ("/api/v1/recognition/identify/", {}),
                       (f"/api/v1/recognition/subjects/{subject.json()['id']}/enroll/", {})):
        response = client_alice.post(url, {"image": as_upload(bomb, "bomb.png"), **extra}, format="multipart")
        assert_error(response, 422, "image_too_many_pixels")
    assert stored() == {**NOTHING, "subjects": 1}


def test_upload_over_the_limit_is_refused_while_streaming(client_alice, settings):
    """A real face photo bigger than MAX_UPLOAD_BYTES: the server stops reading it, answers 413, stores nothing."""
    noisy = np.asarray(face_image().resize((600, 600)), np.int16) + np.random.default_rng(0).integers(-40, 40,
                                                                                                      (600, 600, 3))
    big = encode(Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)), "JPEG", quality=100)
    settings.MAX_UPLOAD_BYTES = len(big) - 20_000
    # A body within the header check's allowance for form overhead: the upload handler stops mid-stream.
    body = encode_multipart("BoUnDaRy", {"image": as_upload(big, "big.jpg", "image/jpeg")})
    stream = CountingStream(body)
    response = client_alice.generic("POST", ANALYZE, data=b"", content_type="multipart/form-data; boundary=BoUnDaRy",
                                    CONTENT_LENGTH=str(len(body)), **{"wsgi.input": stream})
    assert_error(response, 413, "payload_too_large")
    assert stream.bytes_read < len(body)
    # A declared length far over the limit is refused before one byte of the body is read.
    body = encode_multipart("BoUnDaRy", {"image": as_upload(big * 5, "huge.jpg", "image/jpeg")})
    stream = CountingStream(body)
    response = client_alice.generic("POST", ANALYZE, data=b"", content_type="multipart/form-data; boundary=BoUnDaRy",
                                    CONTENT_LENGTH=str(len(body)), **{"wsgi.input": stream})
    assert_error(response, 413, "payload_too_large")
    assert stream.bytes_read == 0
    assert stored() == NOTHING


def blurred(path, radius: float) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB").filter(ImageFilter.GaussianBlur(radius)))


# Images that are valid but give no usable face: the job fails with the code (422 to a client that waited);
# the failed Job stays for polling, while the uploaded photo, its faces and its file are deleted.
UNUSABLE_FACES = {
    "zero_faces": (lambda: np.asarray(Image.open(FACES / "Tony_Blair_0006.jpg").convert("RGB"))[:40, :40]
                   .repeat(5, 0).repeat(5, 1), "no_face"),
    "flat_grey": (lambda: np.full((240, 240, 3), 128, np.uint8), "no_face"),
    "face_too_small": (lambda: np.pad(np.asarray(face_image().resize((90, 90))), ((150, 150), (150, 150), (0, 0)),
                                      constant_values=200), "face_too_small"),
    "face_too_blurred": (lambda: blurred(BLAIR[0], 4), "face_too_blurry"),
}


@pytest.mark.parametrize("case", sorted(UNUSABLE_FACES))
def test_image_without_a_usable_face_fails_with_its_code_and_keeps_no_photo(case, client_alice):
    make, code = UNUSABLE_FACES[case]
    error = assert_error(analyze(client_alice, {"image": upload_array(make())}), 422, code)
    job = Job.objects.get()
    assert (job.status, job.error_code, error["details"]["job"]["id"]) == ("failed", code, str(job.pk))
    assert stored() == {**NOTHING, "jobs": 1}


def test_blurred_or_small_face_is_not_enrolled(client_alice):
    subject = client_alice.post("/api/v1/recognition/subjects/", {"name": "tony", "consent": True},
                                format="json").json()["id"]
    response = client_alice.post(f"/api/v1/recognition/subjects/{subject}/enroll/?wait=10",
                                 {"image": upload_array(blurred(BLAIR[0], 4))}, format="multipart")
    assert_error(response, 422, "face_too_blurry")
    assert client_alice.get(f"/api/v1/recognition/subjects/{subject}/").json()["enrolled_faces"] == 0
    assert stored() == {**NOTHING, "jobs": 1, "subjects": 1}


def succeeded(response) -> dict:
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "succeeded", response.json()
    return response.json()["result"]


def boxes(result: dict) -> list[list[float]]:
    return sorted([f["box"][k] for k in ("left", "top", "right", "bottom")] for f in result["faces"])


def sixteen_bit_png() -> bytes:
    gray = np.asarray(face_image().convert("L"), np.uint16) * 257
    return encode(Image.fromarray(gray), "PNG")


def palette_with_transparency() -> bytes:
    img = face_image().convert("P", palette=Image.Palette.ADAPTIVE, colors=255)
    return encode(img, "PNG", transparency=0)


def with_alpha(mode: str) -> bytes:
    img = face_image().convert(mode)
    alpha = np.full((150, 150), 255, np.uint8)
    alpha[:, :12] = 0  # a transparent strip, composited on white
    img.putalpha(Image.fromarray(alpha))
    return encode(img, "PNG")


# Odd but valid encodings of the same real face: each is decoded to the same upright RGB face.
VALID_VARIANTS = {
    "jpeg_rgb": lambda: face_jpeg(),
    "png_16bit_grayscale": sixteen_bit_png,
    "jpeg_cmyk": lambda: encode(face_image().convert("CMYK"), "JPEG", quality=95),
    "png_palette": lambda: encode(face_image().convert("P", palette=Image.Palette.ADAPTIVE, colors=256), "PNG"),
    "png_palette_transparency": palette_with_transparency,
    "png_rgba": lambda: with_alpha("RGB"),
    "png_gray_alpha": lambda: with_alpha("L"),
    "jpeg_grayscale": lambda: encode(face_image().convert("L"), "JPEG", quality=95),
    "webp": lambda: encode(face_image(), "WEBP", quality=95),
    "bmp": lambda: encode(face_image(), "BMP"),
    "gif_single_frame": lambda: encode(face_image(), "GIF"),
    "tiff": lambda: encode(face_image(), "TIFF"),
}


def test_every_valid_mode_and_format_finds_the_same_face(client_alice):
    reference = boxes(succeeded(analyze(client_alice, {"image": upload(BLAIR[0])})))
    assert len(reference) == 1
    for name, make in VALID_VARIANTS.items():
        result = succeeded(analyze(client_alice, {"image": as_upload(make(), f"face.{name}")}))
        assert (result["width"], result["height"]) == (150, 150), name
        assert np.allclose(boxes(result), reference, atol=6), (name, boxes(result), reference)
    assert Photo.objects.count() == len(VALID_VARIANTS) + 1 == len(media_files())


T = Image.Transpose
STORED_FROM_UPRIGHT = {1: None, 2: T.FLIP_LEFT_RIGHT, 3: T.ROTATE_180, 4: T.FLIP_TOP_BOTTOM, 5: T.TRANSPOSE,
                       6: T.ROTATE_90, 7: T.TRANSVERSE, 8: T.ROTATE_270}


def test_every_exif_orientation_gives_the_upright_faces(client_alice):
    upright = side_by_side(BLAIR[0], POWELL[0])  # 320 x 150, two faces side by side
    reference = boxes(succeeded(analyze(client_alice, {"image": upload_array(upright)})))
    assert len(reference) == 2
    for orientation, transpose in STORED_FROM_UPRIGHT.items():
        stored_img = Image.fromarray(upright)
        if transpose is not None:
            stored_img = stored_img.transpose(transpose)
        exif = Image.Exif()
        exif[0x0112] = orientation
        data = encode(stored_img, "JPEG", quality=95, exif=exif.tobytes())
        result = succeeded(analyze(client_alice, {"image": as_upload(data, "phone.jpg", "image/jpeg")}))
        assert (result["width"], result["height"]) == (320, 150), orientation
        assert np.allclose(boxes(result), reference, atol=6), (orientation, boxes(result), reference)


def test_many_faces_are_all_reported_largest_first(client_alice):
    faces = [*BLAIR, *POWELL, *SERENA]
    result = succeeded(analyze(client_alice, {"image": upload_array(grid(faces, columns=4))}))
    assert len(result["faces"]) == len(faces) == 7
    assert [f["index"] for f in result["faces"]] == list(range(7))
    widths = [f["box"]["right"] - f["box"]["left"] for f in result["faces"]]
    assert widths == sorted(widths, reverse=True)
    assert Photo.objects.get().face_count == 7


SUBJECTS = "/api/v1/recognition/subjects/"
IDENTIFY = "/api/v1/recognition/identify/"


def test_malformed_json_is_400_malformed_request(client_alice):
    response = client_alice.generic("POST", SUBJECTS, b'{"name": "x", "consent": tru', content_type="application/json")
    assert_error(response, 400, "malformed_request")
    response = client_alice.generic("POST", SUBJECTS, b"\xff\xfe not utf-8", content_type="application/json")
    assert_error(response, 400, "malformed_request")
    response = client_alice.generic("POST", SUBJECTS, b"[1, 2, 3]", content_type="application/json")
    assert_error(response, 400, "invalid")
    assert stored() == NOTHING


@pytest.mark.parametrize(("data", "field"), [
    ({"name": 12345678901234567890, "consent": "maybe"}, "consent"),
    ({"name": ["a", "list"]}, "name"),
    ({"name": {"an": "object"}}, "name"),
    ({"name": None}, "name"),
    ({"name": "x" * 100_000}, "name"),
    ({"name": "ok", "user_id": "not-a-number"}, "user_id"),
    ({"name": "ok", "user_id": 10**12}, "user_id"),
    ({}, "name"),
])
def test_wrong_types_and_huge_strings_are_400_invalid_per_field(client_alice, data, field):
    error = assert_error(client_alice.post(SUBJECTS, data, format="json"), 400, "invalid")
    assert field in error["details"]
    assert stored() == NOTHING


def test_unknown_fields_are_refused_by_name(client_alice):
    error = assert_error(client_alice.post(SUBJECTS, {"name": "ok", "consnet": True}, format="json"), 400,
                         "unknown_field")
    assert error["details"] == {"fields": ["consnet"]}
    error = assert_error(analyze(client_alice, {"image": upload(BLAIR[0]), "top_k": 3}), 400, "unknown_field")
    assert error["details"] == {"fields": ["top_k"]}
    assert stored() == NOTHING


@pytest.mark.parametrize("data", [
    {"top_k": -1}, {"top_k": 0}, {"top_k": 10**12}, {"top_k": "many"}, {"scope": "everyone"},
    {"face_index": -1}, {"face_index": 99999}, {"photo_id": "../../etc/passwd"}, {"photo_id": "1 OR 1=1"},
])
def test_bad_identify_options_are_400_before_anything_is_stored(client_alice, data):
    body = {"image": upload(BLAIR[0]), **data}
    if "photo_id" in data:
        body.pop("image")
    assert_error(client_alice.post(f"{IDENTIFY}?wait=5", body, format="multipart"), 400, "invalid")
    assert stored() == NOTHING


@pytest.mark.parametrize("query", ["?wait=abc", "?wait=-1", "?wait=nan"])
def test_bad_wait_is_400_and_creates_no_job(client_alice, query):
    assert_error(analyze(client_alice, {"image": upload(BLAIR[0])}, query=query), 400, "invalid")
    assert stored() == NOTHING


def test_bad_idempotency_key_is_400_and_creates_no_job(client_alice):
    response = analyze(client_alice, {"image": upload(BLAIR[0])}, HTTP_IDEMPOTENCY_KEY="k" * 500)
    assert_error(response, 400, "invalid")
    assert stored() == NOTHING


def test_other_shapes_of_bad_request(client_alice):
    assert_error(client_alice.post(ANALYZE, {"image": "not a file"}, format="multipart"), 400, "invalid")
    assert_error(client_alice.post(ANALYZE, {"image": "aGVsbG8="}, format="json"), 400, "invalid")
    assert_error(client_alice.generic("POST", ANALYZE, b"image=raw", content_type="text/plain"), 415,
                 "unsupported_media_type")
    assert_error(client_alice.post(ANALYZE, {"photo_id": "00000000-0000-0000-0000-000000000000"}, format="json"),
                 404, "photo_not_found")
    assert_error(client_alice.get(f"{SUBJECTS}?page=999"), 404, "not_found")
    assert_error(client_alice.get(f"{SUBJECTS}?page=abc"), 404, "not_found")
    assert_error(client_alice.put(SUBJECTS, {}, format="json"), 405, "method_not_allowed")
    assert stored() == NOTHING


def test_no_unhandled_error_for_odd_bytes_in_any_field(client_alice):
    """Control characters, NUL bytes and lone surrogates in text fields answer 4xx or succeed, never 500."""
    for name in ["\\u0000", "a\\u0000b", "\\ud800", "x\\udfff", "😀" * 50, " ", "\\n\\t"]:
        body = f'{{"name": "{name}", "consent": true}}'.encode()
        response = client_alice.generic("POST", SUBJECTS, body, content_type="application/json")
        assert response.status_code in (201, 400), (name, response.status_code, response.content)
        if response.status_code == 400:
            assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/png"])
def test_raw_image_body_without_multipart_is_415(client_alice, content_type):
    response = client_alice.generic("POST", ANALYZE, io.BytesIO(face_jpeg()).getvalue(), content_type=content_type)
    assert_error(response, 415, "unsupported_media_type")
    assert stored() == NOTHING


def test_a_job_that_cannot_be_published_for_any_reason_leaves_nothing(client_alice, monkeypatch):
    """Not only a down broker: any failure to publish undoes the job and the photo stored for it."""
    from recognition import tasks

    def refuse(*args, **kwargs):
        raise RuntimeError("serializer exploded")

    monkeypatch.setattr(tasks.analyze, "apply_async", refuse)
    assert_error(analyze(client_alice, {"image": upload(BLAIR[0])}), 500, "internal_error")
    assert stored() == NOTHING
