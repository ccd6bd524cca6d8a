"""SASRec next-item model trained with cross-entropy over the whole catalogue.

Full-softmax cross-entropy is much stronger than the original one-negative BCE on the sparse Amazon files, and
on a CPU it stays cheap because the loss is computed only at the real (non-padding) positions of each batch.
The output layer shares the item embedding, so a model file is small and serving is one matrix product.
"""

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class SasRecConfig:
    dim: int = 64
    layers: int = 2
    heads: int = 1
    max_len: int = 50
    dropout: float = 0.3
    lr: float = 4e-3
    weight_decay: float = 0.0
    batch_size: int = 128
    max_epochs: int = 200
    patience: int = 3
    eval_every: int = 1
    time_budget_s: float = 1500.0
    negatives: int = 2048  # 0: softmax over every item; n: over the batch's targets + n shared uniform samples
    seed: int = 0


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(dim, dim))
        self.dropout = nn.Dropout(dropout)
        self.attn_dropout = dropout

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                           dropout_p=self.attn_dropout if self.training else 0.0)
        x = x + self.dropout(self.proj(a.transpose(1, 2).reshape(b, n, d)))
        return x + self.dropout(self.ff(self.norm2(x)))


class SasRec(nn.Module):
    """Causal self-attention over the last ``max_len`` items; the output at each position predicts the next."""

    def __init__(self, n_items: int, config: SasRecConfig):
        super().__init__()
        self.config = config
        self.n_items = n_items
        self.items = nn.Embedding(n_items + 1, config.dim, padding_idx=0)
        self.positions = nn.Embedding(config.max_len, config.dim)
        self.dropout = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config.dim, config.heads, config.dropout) for _ in range(config.layers))
        self.norm = nn.LayerNorm(config.dim)
        nn.init.normal_(self.items.weight, std=1.0 / math.sqrt(config.dim))
        nn.init.normal_(self.positions.weight, std=0.02)

    def encode(self, seq: torch.Tensor) -> torch.Tensor:
        """(batch, max_len) right-aligned item ids -> (batch, max_len, dim) hidden states."""
        n = seq.shape[1]
        real = seq > 0
        x = self.items(seq) * math.sqrt(self.config.dim) + self.positions.weight[-n:]
        x = self.dropout(x) * real.unsqueeze(-1)
        causal = torch.ones(n, n, dtype=torch.bool, device=seq.device).tril()
        # Attend to earlier real items; a padding query attends to itself only so no row is fully masked.
        mask = (causal & real[:, None, :]) | torch.eye(n, dtype=torch.bool, device=seq.device)
        mask = mask.unsqueeze(1)
        for block in self.blocks:
            x = block(x, mask) * real.unsqueeze(-1)
        return self.norm(x)

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.items.weight.T

    @torch.no_grad()
    def next_item_log_probs(self, seq: torch.Tensor) -> torch.Tensor:
        """Log-probabilities over items (column 0 is padding, -inf) of the item after each sequence."""
        logits = self.logits(self.encode(seq)[:, -1])
        logits[:, 0] = -torch.inf
        return torch.log_softmax(logits, dim=-1)


def pad_batch(histories: list[np.ndarray], max_len: int) -> np.ndarray:
    """Right-align the last ``max_len`` items of each history into a zero-padded matrix."""
    out = np.zeros((len(histories), max_len), dtype=np.int64)
    for row, h in enumerate(histories):
        h = h[-max_len:]
        if len(h):
            out[row, -len(h):] = h
    return out


def length_buckets(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of sequences of similar length, so a batch is trimmed to its longest member.

    Most users have a handful of items; padding every batch to ``max_len`` would spend most of the attention
    and feed-forward work on padding.
    """
    order = np.argsort(lengths + rng.random(len(lengths)), kind="stable")
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def next_item_loss(model: SasRec, hidden: torch.Tensor, targets: torch.Tensor, negatives: int,
                   rng: np.random.Generator) -> torch.Tensor:
    """Cross-entropy of the next item: over the whole catalogue, or (``negatives`` > 0) over the batch's distinct
    targets plus that many shared uniform samples (sampled softmax; cheaper on a CPU for large catalogues)."""
    if negatives <= 0:
        logits = model.logits(hidden)
        logits[:, 0] = -torch.inf
        return F.cross_entropy(logits, targets)
    sampled = torch.from_numpy(rng.integers(1, model.n_items + 1, size=negatives))
    candidates, inverse = torch.unique(torch.cat([targets, sampled]), return_inverse=True)
    logits = hidden @ model.items.weight[candidates].T
    return F.cross_entropy(logits, inverse[: len(targets)])


@dataclass
class TrainResult:
    model: SasRec
    best_epoch: int
    best_valid: float
    epochs: int
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)


def train_sasrec(train_sequences: list[np.ndarray], n_items: int, config: SasRecConfig,
                 validate: Callable[[SasRec], float] | None = None,
                 log: Callable[[str], None] = print) -> TrainResult:
    """Train on every next-item step of ``train_sequences``; keep the epoch with the best validation score.

    ``validate(model) -> NDCG@10`` drives early stopping; training also stops at ``time_budget_s``.
    """
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model = SasRec(n_items, config)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    usable = [s for s in train_sequences if len(s) >= 2]
    windows = [s[-(config.max_len + 1):] for s in usable]
    inputs = pad_batch([w[:-1] for w in windows], config.max_len)
    targets = pad_batch([w[1:] for w in windows], config.max_len)
    lengths = np.array([len(w) - 1 for w in windows])
    best_state, best_valid, best_epoch, stale = None, -1.0, 0, 0
    started = time.perf_counter()
    history: list[dict[str, float]] = []
    epoch = 0
    for epoch in range(1, config.max_epochs + 1):
        model.train()
        total, count = 0.0, 0
        for idx in length_buckets(lengths, config.batch_size, rng):
            width = int(lengths[idx].max())
            seq = torch.from_numpy(inputs[idx, -width:])
            tgt = torch.from_numpy(targets[idx, -width:])
            real = tgt > 0
            loss = next_item_loss(model, model.encode(seq)[real], tgt[real], config.negatives, rng)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * int(real.sum())
            count += int(real.sum())
        row = {"epoch": epoch, "loss": round(total / max(count, 1), 4),
               "seconds": round(time.perf_counter() - started, 1)}
        if validate is not None and epoch % config.eval_every == 0:
            model.eval()
            score = validate(model)
            row["valid_ndcg10"] = score
            if score > best_valid:
                best_valid, best_epoch, stale = score, epoch, 0
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            else:
                stale += 1
        history.append(row)
        log(" ".join(f"{k}={v}" for k, v in row.items()))
        if stale >= config.patience or time.perf_counter() - started > config.time_budget_s:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return TrainResult(model=model, best_epoch=best_epoch or epoch, best_valid=best_valid, epochs=epoch,
                       seconds=time.perf_counter() - started, history=history)


def save_model(model: SasRec, path: Path, extra: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"n_items": model.n_items, "config": asdict(model.config), "state": model.state_dict(),
                "extra": extra}, path)


def load_model(path: Path, device: torch.device) -> tuple[SasRec, dict[str, Any]]:
    blob = torch.load(path, map_location=device, weights_only=True)
    model = SasRec(blob["n_items"], SasRecConfig(**blob["config"]))
    model.load_state_dict(blob["state"])
    model.to(device).eval()
    return model, blob["extra"]


def sasrec_scorer(model: SasRec, histories: list[np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """A ``score_batch`` for ``sequences.evaluate``: next-item probabilities from each user's history."""

    def score(users: np.ndarray) -> np.ndarray:
        seq = torch.from_numpy(pad_batch([histories[u] for u in users], model.config.max_len))
        return model.next_item_log_probs(seq).exp().numpy()

    return score


def next_item_probabilities(model: SasRec, history: np.ndarray) -> np.ndarray:
    """Numpy in, numpy out for serving: P(next item) over items 1..n (index 0 is padding, probability 0)."""
    seq = torch.from_numpy(pad_batch([np.asarray(history, dtype=np.int64)], model.config.max_len))
    with torch.inference_mode():
        return model.next_item_log_probs(seq)[0].exp().numpy()
