"""The one model registry: every model file has a kind and version; serving loads the active one.

URIs are ``pkg:<package>/<relative path>`` for files shipped inside an installed package (dlib's models
from ``face_recognition_models``, default checkpoints shipped in this repository's packages), or a path
relative to ``MODEL_ROOT`` for files trained here.

With ``STORAGE_BACKEND=s3`` the files trained here also live in the "models" storage (the bucket), so every
machine serves the same versions: registering uploads them, and resolving a URI whose file this machine lacks
downloads it into ``MODEL_ROOT`` first. A URI of the form ``kind/version/file`` names a version folder (the
recommender keeps several files in one), which travels whole; any other URI is a single file.
"""

import hashlib
import importlib.util
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from beautyrec.core.errors import NotFound, ServiceUnavailable
from beautyrec.core.models import ModelVersion


def package_dir(package: str) -> Path:
    """Directory of an installed package, found without importing it (some import pkg_resources)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ServiceUnavailable(f"Package {package!r} is not installed.", code="model_package_missing")
    return Path(next(iter(spec.submodule_search_locations)))


def resolve_uri(uri: str) -> Path:
    if uri.startswith("pkg:"):
        package, _, relative = uri[4:].partition("/")
        return package_dir(package) / relative
    path = Path(uri)
    if path.is_absolute():
        return path
    local = Path(settings.MODEL_ROOT) / path
    if not local.exists() and _shared_models():
        _download(uri)
    return local


def _shared_models() -> bool:
    return "models" in settings.STORAGES


def _shared_names(uri: str) -> list[str]:
    """The storage names that make up this URI's version: its folder's files for ``kind/version/file``."""
    parts = Path(uri).parts
    if len(parts) < 3:
        return [uri]
    folder = Path(settings.MODEL_ROOT) / Path(*parts[:-1])
    return [str(Path(*parts[:-1], f.name)) for f in sorted(folder.iterdir()) if f.is_file()]


def _upload(uri: str) -> None:
    storage = storages["models"]
    for name in _shared_names(uri):
        storage.delete(name)  # a re-registered version replaces its file rather than getting a new name
        with (Path(settings.MODEL_ROOT) / name).open("rb") as fh:
            storage.save(name, File(fh))


def _download(uri: str) -> None:
    storage = storages["models"]
    parts = Path(uri).parts
    if len(parts) >= 3:
        folder = str(Path(*parts[:-1]))
        names = [f"{folder}/{f}" for f in storage.listdir(folder)[1]]
    else:
        names = [uri] if storage.exists(uri) else []
    for name in names:
        target = Path(settings.MODEL_ROOT) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        with storage.open(name, "rb") as src, partial.open("wb") as dst:
            for block in iter(lambda src=src: src.read(1 << 20), b""):
                dst.write(block)
        partial.replace(target)  # another process loading the same file never sees half of it


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def register_model_version(
    *, kind: str, version: str, uri: str, metrics: dict[str, Any] | None = None,
    training_command: str = "", notes: str = "", activate: bool = False,
) -> ModelVersion:
    """Record (or update) a model file; optionally make it the active version of its kind."""
    path = resolve_uri(uri)
    sha = file_sha256(path) if path.is_file() else ""
    if sha and _shared_models() and not uri.startswith("pkg:") and not Path(uri).is_absolute():
        _upload(uri)
    with transaction.atomic():
        mv, _ = ModelVersion.objects.update_or_create(
            kind=kind, version=version,
            defaults={"uri": uri, "sha256": sha, "metrics": metrics or {}, "training_command": training_command,
                      "notes": notes},
        )
        if activate:
            activate_model_version(mv)
    return mv


def ensure_model_version(*, kind: str, version: str, uri: str, notes: str = "") -> ModelVersion:
    """Register a shipped/pretrained file once, activating it if its kind has no active version yet."""
    mv = ModelVersion.objects.filter(kind=kind, version=version).first()
    if mv is None:
        mv = register_model_version(kind=kind, version=version, uri=uri, notes=notes)
    if not ModelVersion.objects.filter(kind=kind, is_active=True).exists():
        activate_model_version(mv)
    return mv


def activate_model_version(mv: ModelVersion) -> None:
    with transaction.atomic():
        ModelVersion.objects.filter(kind=mv.kind, is_active=True).exclude(pk=mv.pk).update(is_active=False)
        ModelVersion.objects.filter(pk=mv.pk).update(is_active=True)
    mv.is_active = True


def active_model_version(kind: str) -> ModelVersion:
    mv = ModelVersion.objects.filter(kind=kind, is_active=True).first()
    if mv is None:
        raise NotFound(f"No active model of kind {kind!r}; train or register one first.",
                       code="model_not_available")
    return mv


def record_evaluation(mv: ModelVersion, *, name: str, figures: dict[str, Any]) -> ModelVersion:
    """Store an evaluation's figures on the version it measured, under ``metrics[name]`` (replacing an earlier
    run of the same evaluation), with the time it ran; the admin dashboard shows the latest ones."""
    with transaction.atomic():
        locked = ModelVersion.objects.select_for_update().get(pk=mv.pk)
        locked.metrics = {**locked.metrics, name: {**figures, "evaluated_at": timezone.now().isoformat()}}
        locked.save(update_fields=["metrics"])
    mv.metrics = locked.metrics
    return locked
