"""Age and gender heads on 128-D face descriptors: a small ensemble of MLPs in torch.

Each member maps a standardised descriptor to (log(1 + age), gender logit). Members differ in their random
initialisation and bootstrap of the training set; their outputs are averaged, and so are the outputs of the
views of one face that the caller has (the aligned chip and its mirror image), which removes the
left/right asymmetries of lighting and pose that a single view carries.

Next to the MLPs sits a linear gender head (a logistic regression fitted on adults only, see ``training``);
the gender logit is a blend of the two. Children's gender is barely visible, and their labels pull a head
trained on all ages towards features that do not separate adults; the linear head ignores them, the MLPs keep
the heads unsure on children instead of confidently wrong.

The file format is a torch ``state_dict`` (tensors only, loadable with ``weights_only=True``) plus a small
JSON-serialisable header of hyper-parameters, so a shipped file never unpickles arbitrary objects.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import torch
from torch import nn

FORMAT: Final = "beautyrec.attribute_heads/2"
AGE_BANDS: Final = ((0, 2), (3, 9), (10, 17), (18, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 200))


def age_band(age: float) -> str:
    years = int(np.floor(max(age, 0.0)))
    for low, high in AGE_BANDS:
        if low <= years <= high:
            return f"{low}+" if high >= 200 else f"{low}-{high}"
    return f"{AGE_BANDS[-1][0]}+"


class Member(nn.Module):
    def __init__(self, in_dim: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(in_dim, hidden), nn.GELU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.GELU(), nn.Dropout(dropout),
        )
        self.age = nn.Linear(hidden, 1)
        self.gender = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x)
        return self.age(h).squeeze(-1), self.gender(h).squeeze(-1)


class AttributeHeads(nn.Module):
    """Ensemble of ``members`` MLPs and a linear gender head, with the input standardisation built in."""

    def __init__(self, in_dim: int = 128, hidden: int = 256, members: int = 5, dropout: float = 0.2,
                 linear_weight: float = 0.0) -> None:
        super().__init__()
        self.config = {"in_dim": in_dim, "hidden": hidden, "members": members, "dropout": dropout,
                       "linear_weight": linear_weight}
        self.register_buffer("mean", torch.zeros(in_dim))
        self.register_buffer("std", torch.ones(in_dim))
        self.members = nn.ModuleList(Member(in_dim, hidden, dropout) for _ in range(members))
        self.linear_gender = nn.Linear(in_dim, 1)
        self.linear_weight = linear_weight

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(log(1 + age), gender logit): the members' mean, the logit (of P(female)) blended with the linear
        head's as ``(1 - linear_weight) * members + linear_weight * linear``."""
        z = (x - self.mean) / self.std
        outputs = [m(z) for m in self.members]
        logit = torch.stack([o[1] for o in outputs]).mean(0)
        if self.linear_weight:
            logit = (1.0 - self.linear_weight) * logit + self.linear_weight * self.linear_gender(z).squeeze(-1)
        return torch.stack([o[0] for o in outputs]).mean(0), logit


@dataclass(frozen=True)
class AgeGender:
    age: np.ndarray  # (n,) years
    p_female: np.ndarray  # (n,)

    def as_dicts(self) -> list[dict[str, Any]]:
        out = []
        for age, p in zip(self.age, self.p_female, strict=True):
            female = bool(p >= 0.5)
            out.append({
                "age": {"years": round(float(age), 1), "band": age_band(float(age))},
                "gender": {"label": "female" if female else "male",
                           "probability": round(float(p if female else 1.0 - p), 4),
                           "p_female": round(float(p), 4)},
            })
        return out


@torch.inference_mode()
def predict(model: AttributeHeads, views: list[np.ndarray], device: torch.device) -> AgeGender:
    """Average the heads over the views given (each an (n, in_dim) array of the same faces)."""
    log_ages, logits = [], []
    for view in views:
        x = torch.as_tensor(np.asarray(view, dtype=np.float32), device=device)
        log_age, logit = model(x)
        log_ages.append(log_age)
        logits.append(logit)
    log_age = torch.stack(log_ages).mean(0)
    logit = torch.stack(logits).mean(0)
    age = torch.expm1(log_age).clamp(min=0.0)
    return AgeGender(age=age.cpu().numpy().astype(np.float64),
                     p_female=torch.sigmoid(logit).cpu().numpy().astype(np.float64))


def save(model: AttributeHeads, path: Path, *, metadata: dict[str, Any]) -> None:
    """Write tensors and a JSON-able header; no pickled Python objects beyond str/int/float/list/dict."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format": FORMAT, "config": dict(model.config), "metadata": metadata,
                "state_dict": model.state_dict()}, path)


def load(path: Path, device: torch.device) -> tuple[AttributeHeads, dict[str, Any]]:
    payload = torch.load(path, map_location=device, weights_only=True)
    if payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not an attribute-heads file ({payload.get('format')!r})")
    model = AttributeHeads(**payload["config"])
    model.load_state_dict(payload["state_dict"])
    model.to(device).eval()
    return model, payload["metadata"]
