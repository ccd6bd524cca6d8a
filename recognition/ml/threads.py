"""CPU thread use for small inference calls on a machine whose cores may be busy with other work.

torch's intra-op parallelism splits every operator across its thread pool and waits at the end of each
one; when another process holds a core, each wait can last a scheduler slice, and a 2-thread ResNet
forward pass measured 5x slower than a 1-thread one on the shared development box (22 vs 113 faces/s).
Work that splits naturally (a batch of chips, a gallery scan) therefore runs with one intra-op thread,
and a batch is spread over the configured number of threads as independent sub-batches instead.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def one_intra_op_thread() -> Iterator[int]:
    """Run the block with one intra-op thread; yields the number configured before (restored after)."""
    previous = torch.get_num_threads()
    if previous != 1:
        torch.set_num_threads(1)
    try:
        yield previous
    finally:
        if previous != 1:
            torch.set_num_threads(previous)
