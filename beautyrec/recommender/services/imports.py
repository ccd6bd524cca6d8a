"""Catalogue imports as jobs: the API stores the upload, the cpu worker imports it."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile

from beautyrec.core.errors import PayloadTooLarge
from beautyrec.core.jobs import ProgressFn, submit_job
from beautyrec.core.models import Job
from beautyrec.recommender.models import CatalogImport
from beautyrec.recommender.services.catalog import import_catalog, read_rows

MAX_CATALOG_BYTES = 20 * 1024 * 1024
TASK_NAME = "recommender.import_catalog"


def start_catalog_import(*, user: AbstractBaseUser, upload: UploadedFile,
                         idempotency_key: str | None = None) -> tuple[Job, bool]:
    if upload.size is not None and upload.size > MAX_CATALOG_BYTES:
        raise PayloadTooLarge(f"Catalogue files are limited to {MAX_CATALOG_BYTES} bytes.", code="file_too_large")
    content = upload.read()
    read_rows(content, upload.name or "")  # reject unreadable files now, with the reason, before queueing
    upload.seek(0)
    record = CatalogImport.objects.create(uploaded_by=user, file=upload, original_name=upload.name or "upload")

    def undo() -> None:
        record.file.delete(save=False)
        record.delete()

    return submit_job(kind="catalog_import", owner=user, task_name=TASK_NAME,
                      params={"catalog_import_id": record.pk}, idempotency_key=idempotency_key, undo=undo)


def run_catalog_import(*, catalog_import_id: int, progress: ProgressFn) -> dict[str, int]:
    record = CatalogImport.objects.get(pk=catalog_import_id)
    with record.file.open("rb") as fh:
        content = fh.read()
    return import_catalog(content=content, filename=record.original_name, progress=progress).as_dict()
