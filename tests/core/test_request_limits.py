"""Oversized bodies are refused while streaming (or from their declared length), with 413 and a code."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart

from beautyrec.recommender.models import CatalogImport
from tests.core.test_api_basics import assert_error

pytestmark = pytest.mark.django_db


class CountingStream(io.BytesIO):
    """A request body that records how much of it the server actually read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


def test_declared_oversize_body_is_refused_before_reading(client_staff, settings):
    settings.MAX_UPLOAD_BYTES = 100_000
    body = encode_multipart("BoUnDaRy", {"file": SimpleUploadedFile("big.csv", b"x" * 3_000_000)})
    stream = CountingStream(body)
    response = client_staff.generic("POST", "/api/v1/catalog/imports/", data=b"",
                                    content_type="multipart/form-data; boundary=BoUnDaRy",
                                    CONTENT_LENGTH=str(len(body)), **{"wsgi.input": stream})
    assert_error(response, 413, "payload_too_large")
    assert stream.bytes_read == 0
    assert CatalogImport.objects.count() == 0


def test_upload_handler_stops_reading_once_the_file_passes_the_limit(client_staff, settings):
    # A file just over the limit, in a body the Content-Length check lets through (it allows form overhead).
    settings.MAX_UPLOAD_BYTES = 100_000
    body = encode_multipart("BoUnDaRy", {"file": SimpleUploadedFile("big.csv", b"x" * 160_000)})
    stream = CountingStream(body)
    response = client_staff.generic("POST", "/api/v1/catalog/imports/", data=b"",
                                    content_type="multipart/form-data; boundary=BoUnDaRy",
                                    CONTENT_LENGTH=str(len(body)), **{"wsgi.input": stream})
    assert_error(response, 413, "payload_too_large")
    assert stream.bytes_read < len(body)
    assert CatalogImport.objects.count() == 0


def test_huge_json_body_is_413_not_500(anon_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = anon_client.post("/api/v1/auth/token/", {"username": "a" * 50_000, "password": "b"}, format="json")
    assert_error(response, 413, "payload_too_large")
