from django.apps import AppConfig


class VectorStoreConfig(AppConfig):
    name = "recognition.vectorstore"
    label = "recognition_vectors"
    verbose_name = "Recognition: gallery vectors (pgvector)"
