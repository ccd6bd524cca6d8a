"""The backend checks use the recognition tests' fixtures (jobs run eagerly, a fresh gallery per test)."""

from tests.recognition.conftest import _fresh_gallery_index, post_job  # noqa: F401 - fixtures, used by name
