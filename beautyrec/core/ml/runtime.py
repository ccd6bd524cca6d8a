"""Device choice and a per-process model cache.

Models are loaded lazily on first use inside each worker process, never in the parent before a fork:
CUDA cannot survive a fork, and a forked copy of a loaded model wastes memory. The cache is emptied in
forked children for the same reason.
"""

import os
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import torch

T = TypeVar("T")

_cache: dict[Hashable, Any] = {}
_lock = threading.Lock()


def _reset_after_fork() -> None:
    global _lock
    _cache.clear()
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


def resolve_device(preference: str = "auto") -> torch.device:
    """``auto`` -> cuda when a GPU is visible, else cpu; ``cuda`` without a GPU is a configuration error."""
    if preference == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(preference)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"ML_DEVICE={preference} but no CUDA device is visible to this process")
    return device


def configure_threads(num_threads: int) -> None:
    """Set torch's intra-op threads once per process (0 keeps torch's default: one per core)."""
    if num_threads > 0 and torch.get_num_threads() != num_threads:
        torch.set_num_threads(num_threads)


def cached(key: Hashable, loader: Callable[[], T]) -> T:
    """Return the object cached under ``key`` in this process, loading it once."""
    value = _cache.get(key)
    if value is None:
        with _lock:
            value = _cache.get(key)
            if value is None:
                value = loader()
                _cache[key] = value
    return value


def evict(predicate: Callable[[Hashable], bool]) -> int:
    """Drop cached entries whose key matches (e.g. an older model version); returns how many."""
    with _lock:
        keys = [k for k in _cache if predicate(k)]
        for k in keys:
            del _cache[k]
    return len(keys)
