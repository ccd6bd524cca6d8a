"""Signal receivers of the gan app."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from gan.services.previews import erase_user_previews


def erase_previews(sender: Any, user: AbstractBaseUser, **kwargs: Any) -> dict[str, int]:
    """Biometric erasure: previews are images of the user's face."""
    return {"previews": erase_user_previews(user)}
