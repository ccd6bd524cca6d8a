"""The dlib ResNet's pooled 256-D features before its last (fc) layer, as input to the age/gender heads.

The 128-D descriptor is a linear projection of these features trained to keep identity and discard the rest;
the discarded directions still carry age and gender (in cross-validation on the UTKFace training side the
heads made 59 instead of 67 adult gender errors out of 2,329 with them). One pass gives both: the descriptor
(``fc`` of the pooled features) and the pooled features, for a chip and its mirror image.
"""

from typing import Final

import numpy as np
import torch
import torch.nn.functional as F

from recognition.ml.resnet import INPUT_SCALE, DlibFaceResNet

POOLED_DIM: Final = 256
FEATURE_DIM: Final = 128 + POOLED_DIM  # descriptor, then pooled features


@torch.inference_mode()
def descriptor_and_pooled(model: DlibFaceResNet, chips: torch.Tensor) -> torch.Tensor:
    """(N, 384): the descriptor and the globally pooled last-block activations of (N, 3, 150, 150) chips."""
    dtype = model.stem.weight.dtype
    x = (chips.to(dtype) - model.mean.to(dtype)) / INPUT_SCALE
    x = F.max_pool2d(F.relu(model.stem(x)), 3, 2)
    pooled = model.blocks(x).mean(dim=(2, 3))
    return torch.cat([model.fc(pooled), pooled], dim=1).float()


def chip_and_mirror_features(model: DlibFaceResNet, chips: torch.Tensor) -> np.ndarray:
    """(N, 2 views, 384) features of the chips and of their mirror images, in one batched pass."""
    if len(chips) == 0:
        return np.zeros((0, 2, FEATURE_DIM), dtype=np.float32)
    batch = torch.cat([chips, chips.flip(-1)]).contiguous(memory_format=torch.channels_last)
    both = descriptor_and_pooled(model, batch)
    return both.cpu().numpy().reshape(2, len(chips), FEATURE_DIM).transpose(1, 0, 2).copy()
