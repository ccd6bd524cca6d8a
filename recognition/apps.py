from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "recognition"
    verbose_name = "Recognition: faces, identities and attributes"

    def ready(self) -> None:
        from beautyrec.core.health import register_model_check
        from recognition.ml.dlib_files import FILES, model_path

        def dlib_files() -> dict:
            present = {name: model_path(name).is_file() for name in FILES}
            return {"ok": all(present.values()), "files": present}

        register_model_check("recognition.dlib_models", dlib_files)
