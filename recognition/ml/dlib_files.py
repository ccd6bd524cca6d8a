"""Where dlib's pretrained model files are: the ``face_recognition_models`` package (no download at run time).

That package imports ``pkg_resources`` on import, which new environments lack, so its folder is found with
importlib instead of importing it.
"""

import importlib.util
from pathlib import Path
from typing import Final

PACKAGE: Final = "face_recognition_models"
FILES: Final = {
    "resnet": "dlib_face_recognition_resnet_model_v1.dat",
    "mmod": "mmod_human_face_detector.dat",
    "landmarks5": "shape_predictor_5_face_landmarks.dat",
    "landmarks68": "shape_predictor_68_face_landmarks.dat",
}
# Licences as stated by the files' author (Davis King): the ResNet and the 5-point predictor are public
# domain; the 68-point predictor was trained on iBUG 300-W, whose licence excludes commercial use.
LICENCES: Final = {
    "resnet": "public domain (dlib-models)",
    "mmod": "public domain (dlib-models)",
    "landmarks5": "public domain (dlib-models)",
    "landmarks68": "trained on iBUG 300-W: non-commercial use only",
}


def models_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the {PACKAGE} package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def model_path(name: str) -> Path:
    """Path of one of dlib's model files by short name (see ``FILES``)."""
    return models_dir() / FILES[name]
