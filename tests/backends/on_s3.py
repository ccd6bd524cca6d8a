"""Checks only object storage has (run by test_backends.py with STORAGE_BACKEND=s3 against moto's server).

Objects are private: no grant to everyone, an unsigned GET is refused, and the image reaches its owner only
through the owner-only API view. Deleting a photo, erasure and the retention sweep delete the objects. Model
files registered on one machine are in the bucket and resolve on a machine that lacks them.
"""

from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.files.storage import default_storage, storages
from django.utils import timezone

from beautyrec.core.registry import register_model_version, resolve_uri
from recognition.models import Photo
from recognition.services.retention import expire_photos
from tests.recognition.conftest import BLAIR, SERENA, upload
from tests.recognition.test_api import API, analyze, enroll, new_subject
from tests.services import s3_client

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_GROUPS = ("http://acs.amazonaws.com/groups/global/AllUsers",
                 "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")


def bucket_keys() -> set[str]:
    options = settings.STORAGES["default"]["OPTIONS"]
    listing = s3_client(options["endpoint_url"]).list_objects_v2(Bucket=options["bucket_name"])
    return {o["Key"] for o in listing.get("Contents", [])}


def test_photos_are_private_objects_served_only_to_their_owner(client_alice, client_bob, post_job):
    assert settings.STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    photo_id = analyze(client_alice, post_job, SERENA[0])["photo_id"]
    name = Photo.objects.get(pk=photo_id).file.name
    key = f"media/{name}"
    assert key in bucket_keys()
    options = settings.STORAGES["default"]["OPTIONS"]
    acl = s3_client(options["endpoint_url"]).get_object_acl(Bucket=options["bucket_name"], Key=key)
    assert acl["Grants"] and not [g for g in acl["Grants"] if g["Grantee"].get("URI") in PUBLIC_GROUPS]
    unsigned = requests.get(f"{options['endpoint_url']}/{options['bucket_name']}/{key}", timeout=10)
    assert unsigned.status_code == 403
    image = client_alice.get(f"{API}/photos/{photo_id}/image/")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    with default_storage.open(name, "rb") as fh:
        assert image.content == fh.read()
    assert client_bob.get(f"{API}/photos/{photo_id}/image/").status_code == 404


def test_erasure_and_retention_delete_the_objects(client_alice, post_job):
    subject = new_subject(client_alice, "Tony")
    kept = enroll(client_alice, post_job, subject, {"image": upload(BLAIR[0])})["photo_id"]
    old = analyze(client_alice, post_job, SERENA[1])["photo_id"]
    kept_key, old_key = (f"media/{Photo.objects.get(pk=p).file.name}" for p in (kept, old))
    assert {kept_key, old_key} <= bucket_keys()
    assert expire_photos(now=timezone.now() + timedelta(days=31), days=30) == {"photos": 1, "jobs": 2}
    assert old_key not in bucket_keys() and kept_key in bucket_keys()  # the enrolled photo is kept
    assert client_alice.delete("/api/v1/me/biometrics/").status_code == 200
    assert kept_key not in bucket_keys()


def test_model_files_are_shared_through_the_bucket(settings, tmp_path):
    folder = Path(settings.MODEL_ROOT) / "recommender" / "v1"
    folder.mkdir(parents=True)
    (folder / "sources.npz").write_bytes(b"sources")
    (folder / "sasrec.pt").write_bytes(b"sequence model")
    single = Path(settings.MODEL_ROOT) / "attribute_heads" / "h1.pt"
    single.parent.mkdir(parents=True)
    single.write_bytes(b"heads")
    register_model_version(kind="recommender", version="v1", uri="recommender/v1/sources.npz")
    register_model_version(kind="attribute_heads", version="h1", uri="attribute_heads/h1.pt")
    models = storages["models"]
    assert models.exists("recommender/v1/sasrec.pt") and models.exists("attribute_heads/h1.pt")
    settings.MODEL_ROOT = str(tmp_path / "another-machine")  # a machine that has never seen these files
    assert resolve_uri("recommender/v1/sources.npz").read_bytes() == b"sources"
    assert (Path(settings.MODEL_ROOT) / "recommender" / "v1" / "sasrec.pt").read_bytes() == b"sequence model"
    assert resolve_uri("attribute_heads/h1.pt").read_bytes() == b"heads"
    assert not resolve_uri("attribute_heads/missing.pt").exists()
