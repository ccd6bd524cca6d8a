"""Training of the age/gender heads on descriptor views (see ``heads``), with progress reporting.

Every view of a training face (the chip, its mirror) is a separate training row, so the heads work with
whatever views serving has, and averaging views at prediction time is a test-time augmentation.
Age is learned as log(1 + age) with an L1 loss (errors on a child's age weigh like proportional errors on an
adult's); gender with a logistic loss on P(female), judged on every face (children included, whose gender
is barely visible: the heads should be unsure there, not confidently wrong). The linear gender head is then
a logistic regression on the adults' rows only (L2, ``linear_c``), blended in with ``linear_weight``; both were
chosen by 5-fold cross-validation on the training side (``README``: face attributes).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from torch import nn

from recognition.ml.attributes.heads import AttributeHeads
from recognition.ml.attributes.metrics import ADULT_AGE


@dataclass(frozen=True)
class TrainingConfig:
    hidden: int = 256
    members: int = 5
    dropout: float = 0.2
    epochs: int = 60
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 1e-3
    gender_weight: float = 1.0
    linear_weight: float = 0.7
    linear_c: float = 0.01
    seed: int = 0


def fit(views: list[np.ndarray], age: np.ndarray, female: np.ndarray, config: TrainingConfig,
        device: torch.device, progress: Callable[[int, int], None] | None = None) -> AttributeHeads:
    """Train the ensemble; ``views`` are (n, d) arrays of the same n faces; ``progress(done, total)`` per epoch."""
    x = np.vstack(views).astype(np.float32)
    y_age = np.tile(np.log1p(age.astype(np.float32)), len(views))
    y_female = np.tile(female.astype(np.float32), len(views))
    n_faces = len(age)
    torch.manual_seed(config.seed)  # the members' initial weights: the same file from the same data
    model = AttributeHeads(in_dim=x.shape[1], hidden=config.hidden, members=config.members, dropout=config.dropout,
                           linear_weight=config.linear_weight)
    model.mean.copy_(torch.from_numpy(x.mean(0)))
    model.std.copy_(torch.from_numpy(x.std(0) + 1e-6))
    model.to(device)
    xt = torch.from_numpy(x).to(device)
    at = torch.from_numpy(y_age).to(device)
    gt = torch.from_numpy(y_female).to(device)
    total = config.members * config.epochs
    generator = torch.Generator().manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    for index, member in enumerate(model.members):
        torch.manual_seed(config.seed * 1000 + index)
        # Bootstrap by face (all views of a face together), so members see different data.
        faces = rng.choice(n_faces, size=n_faces, replace=True)
        rows = torch.from_numpy(np.concatenate([faces + v * n_faces for v in range(len(views))])).to(device)
        optimiser = torch.optim.AdamW(member.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        steps = config.epochs * int(np.ceil(len(rows) / config.batch_size))
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=config.lr, total_steps=steps)
        member.train()
        for epoch in range(config.epochs):
            order = rows[torch.randperm(len(rows), generator=generator).to(device)]
            for start in range(0, len(order), config.batch_size):
                batch = order[start:start + config.batch_size]
                z = (xt[batch] - model.mean) / model.std
                pred_age, logit = member(z)
                gender_loss = nn.functional.binary_cross_entropy_with_logits(logit, gt[batch])
                loss = nn.functional.l1_loss(pred_age, at[batch]) + config.gender_weight * gender_loss
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                schedule.step()
            if progress is not None:
                progress(index * config.epochs + epoch + 1, total)
        member.eval()
    fit_linear_gender(model, x, np.tile(age >= ADULT_AGE, len(views)), y_female, config)
    return model.eval()


def fit_linear_gender(model: AttributeHeads, x: np.ndarray, adult: np.ndarray, female: np.ndarray,
                      config: TrainingConfig) -> None:
    """Logistic regression of P(female) on the standardised rows of adults, copied into ``linear_gender``."""
    z = (x[adult] - model.mean.cpu().numpy()) / model.std.cpu().numpy()
    regression = LogisticRegression(C=config.linear_c, max_iter=2000).fit(z, female[adult] > 0.5)
    with torch.no_grad():
        model.linear_gender.weight.copy_(torch.from_numpy(regression.coef_.astype(np.float32)))
        model.linear_gender.bias.copy_(torch.from_numpy(regression.intercept_.astype(np.float32)))
