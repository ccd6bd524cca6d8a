"""Training the makeup GAN on renderer pseudo-pairs and real makeup photos (torch only; data comes in arrays).

Pseudo-pairs (the BeautyREC / TinyBeauty data-synthesis route): a random look built from real product shades
(lipsticks from the lipstick catalogue, eyeshadow and liner from darkened real foundation shades, blush from
pink and coral lipsticks) is rendered by :mod:`gan.ml.renderer` on two different real faces; one is the
reference, the other the supervised target for G(plain source, reference). Real makeup photos are the
discriminator's real class, so the adversarial term pulls outputs toward real makeup, not the renderer's.

Losses: supervised L1 to the pseudo-pair target, per-region histogram matching against the reference (lips,
eyelids, skin), cycle consistency G(G(s, r), s) = s, identity through the frozen dlib face network, and a
least-squares PatchGAN term. The training state (both networks, optimisers, step, random state) is saved every
``checkpoint_every`` steps, so a stopped run resumes where it left off.
"""

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from beautyrec.core import colour
from gan.ml import makeup_gan, renderer


@dataclass
class TrainConfig:
    steps: int = 2000
    batch_size: int = 6
    lr: float = 2e-4
    width: int = 16
    code: int = 48
    seed: int = 0
    cycle_every: int = 2
    identity_every: int = 4
    checkpoint_every: int = 100
    w_l1: float = 10.0
    w_hist: float = 1.0
    w_cycle: float = 2.0
    w_identity: float = 0.05
    w_adv: float = 0.1


@dataclass
class FaceBank:
    """Face crops (N, 128, 128, 3) uint8 with crop-space 68 landmarks (N, 68, 2) and region masks (N, 3, 128,
    128) uint8 0/1."""

    crops: np.ndarray
    landmarks: np.ndarray
    masks: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.masks = np.stack([makeup_gan.region_masks(lm) for lm in self.landmarks]).astype(np.uint8)

    def __len__(self) -> int:
        return len(self.crops)


@dataclass(frozen=True)
class ShadeBook:
    """Real shades (CIELAB) the random looks are drawn from."""

    lipsticks: np.ndarray  # (n, 3)
    foundations: np.ndarray  # (m, 3)

    def blush(self) -> np.ndarray:
        """Pink and coral lipsticks of medium lightness: the shades blushes come in."""
        lab = self.lipsticks
        return lab[(lab[:, 0] > 45) & (lab[:, 0] < 75) & (lab[:, 1] > 20)]


def random_look(rng: np.random.Generator, book: ShadeBook) -> list[renderer.MakeupItem]:
    items = []
    if rng.random() < 0.95:
        items.append(renderer.MakeupItem("lipstick", book.lipsticks[rng.integers(len(book.lipsticks))],
                                         finish=str(rng.choice(["matte", "satin", "gloss", "sheer"])),
                                         intensity=float(rng.uniform(0.7, 1.0))))
    if rng.random() < 0.8:
        base = book.foundations[rng.integers(len(book.foundations))] if rng.random() < 0.6 \
            else book.lipsticks[rng.integers(len(book.lipsticks))]
        shade = base * np.array([1.0, rng.uniform(0.6, 1.2), rng.uniform(0.6, 1.2)]) \
            - np.array([rng.uniform(10, 35), 0, 0])
        shade[0] = max(shade[0], 12.0)
        items.append(renderer.MakeupItem("eyeshadow", shade.astype(np.float32),
                                         finish=str(rng.choice(["satin", "matte", "shimmer"])),
                                         intensity=float(rng.uniform(0.5, 1.0))))
    if rng.random() < 0.5:
        dark = book.foundations[rng.integers(len(book.foundations))] * np.array([0.3, 0.5, 0.5])
        items.append(renderer.MakeupItem("eyeliner", dark.astype(np.float32), intensity=float(rng.uniform(0.6, 1))))
    blush = book.blush()
    if rng.random() < 0.6 and len(blush):
        items.append(renderer.MakeupItem("blush", blush[rng.integers(len(blush))],
                                         intensity=float(rng.uniform(0.4, 0.9))))
    return items


def pseudo_batch(rng: np.random.Generator, bank: FaceBank, book: ShadeBook, size: int) -> dict[str, torch.Tensor]:
    """Sources, their masks, references (another face wearing a look), their masks, and supervised targets."""
    src_idx = rng.integers(len(bank), size=size)
    ref_idx = (src_idx + rng.integers(1, len(bank), size=size)) % len(bank)
    targets, refs = [], []
    for s, r in zip(src_idx, ref_idx, strict=True):
        look = random_look(rng, book)
        targets.append(renderer.render(bank.crops[s], bank.landmarks[s], look).image)
        refs.append(renderer.render(bank.crops[r], bank.landmarks[r], look).image)
    return {
        "source": makeup_gan.to_tensor(bank.crops[src_idx]),
        "source_masks": torch.from_numpy(bank.masks[src_idx].astype(np.float32)),
        "reference": makeup_gan.to_tensor(np.stack(refs)),
        "reference_masks": torch.from_numpy(bank.masks[ref_idx].astype(np.float32)),
        "target": makeup_gan.to_tensor(np.stack(targets)),
    }


def _real_batch(rng: np.random.Generator, real: np.ndarray, size: int) -> torch.Tensor:
    crops = real[rng.integers(len(real), size=size)]
    flip = rng.random(size) < 0.5
    crops = np.where(flip[:, None, None, None], crops[:, :, ::-1], crops)
    return makeup_gan.to_tensor(crops)


@dataclass
class TrainState:
    generator: makeup_gan.MakeupGenerator
    discriminator: makeup_gan.PatchDiscriminator
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    step: int = 0
    history: list[dict[str, float]] = field(default_factory=list)


def new_state(config: TrainConfig) -> TrainState:
    torch.manual_seed(config.seed)
    g = makeup_gan.MakeupGenerator(config.width, config.code)
    d = makeup_gan.PatchDiscriminator()
    return TrainState(g, d, torch.optim.Adam(g.parameters(), config.lr, betas=(0.5, 0.999)),
                      torch.optim.Adam(d.parameters(), config.lr, betas=(0.5, 0.999)))


def save_state(path: Path, state: TrainState, config: TrainConfig, rng: np.random.Generator) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"generator": state.generator.state_dict(), "discriminator": state.discriminator.state_dict(),
                "opt_g": state.opt_g.state_dict(), "opt_d": state.opt_d.state_dict(), "step": state.step,
                "history": state.history, "config": asdict(config), "rng": rng.bit_generator.state}, tmp)
    tmp.replace(path)


def load_state(path: Path, config: TrainConfig, rng: np.random.Generator) -> TrainState:
    blob = torch.load(path, map_location="cpu", weights_only=False)
    state = new_state(config)
    state.generator.load_state_dict(blob["generator"])
    state.discriminator.load_state_dict(blob["discriminator"])
    state.opt_g.load_state_dict(blob["opt_g"])
    state.opt_d.load_state_dict(blob["opt_d"])
    state.step, state.history = blob["step"], blob["history"]
    rng.bit_generator.state = blob["rng"]
    return state


def train(bank: FaceBank, real_makeup: np.ndarray, book: ShadeBook, config: TrainConfig, *, state_path: Path,
          embed: nn.Module | None = None, resume: bool = True,
          on_step: Callable[[int, dict[str, float]], None] | None = None) -> TrainState:
    """Run (or resume) training up to ``config.steps``; returns the final state (also saved at ``state_path``)."""
    rng = np.random.default_rng(config.seed)
    state = load_state(state_path, config, rng) if resume and state_path.is_file() else new_state(config)
    g, d = state.generator.train(), state.discriminator.train()
    if embed is not None:
        embed.eval().requires_grad_(False)
    while state.step < config.steps:
        started = time.perf_counter()
        batch = pseudo_batch(rng, bank, book, config.batch_size)
        real = _real_batch(rng, real_makeup, config.batch_size)
        out, _ = g(batch["source"], batch["source_masks"], batch["reference"], batch["reference_masks"])

        # Discriminator: real makeup photos against generated faces (least squares).
        d_real, d_fake = d(real), d(out.detach())
        loss_d = 0.5 * (F.mse_loss(d_real, torch.ones_like(d_real)) + F.mse_loss(d_fake, torch.zeros_like(d_fake)))
        state.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        state.opt_d.step()

        # Generator.
        l1 = F.l1_loss(out, batch["target"])
        hist = makeup_gan.histogram_loss(out, batch["reference"], batch["source_masks"], batch["reference_masks"])
        adv_out = d(out)
        adv = F.mse_loss(adv_out, torch.ones_like(adv_out))
        loss = config.w_l1 * l1 + config.w_hist * hist + config.w_adv * adv
        cycle = torch.zeros(())
        if config.cycle_every and state.step % config.cycle_every == 0:
            back, _ = g(out, batch["source_masks"], batch["source"], batch["source_masks"])
            cycle = F.l1_loss(back, batch["source"])
            loss = loss + config.w_cycle * cycle
        ident = torch.zeros(())
        if embed is not None and config.identity_every and state.step % config.identity_every == 0:
            ident = makeup_gan.identity_loss(embed, out, batch["source"])
            loss = loss + config.w_identity * ident
        state.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        state.opt_g.step()

        state.step += 1
        record = {"step": state.step, "l1": l1.item(), "hist": hist.item(), "cycle": cycle.item(),
                  "adv": adv.item(), "d": loss_d.item(), "identity": ident.item(),
                  "seconds": time.perf_counter() - started}
        if state.step % 10 == 0 or state.step == config.steps:
            state.history.append(record)
        if state.step % config.checkpoint_every == 0 or state.step == config.steps:
            save_state(state_path, state, config, rng)
        if on_step is not None:
            on_step(state.step, record)
    return state


def holdout_metrics(generator: makeup_gan.MakeupGenerator, bank: FaceBank, book: ShadeBook,
                    batches: int = 4, seed: int = 1234) -> dict[str, float]:
    """On held-out faces and fresh looks: L1 to the renderer's target and lip CIEDE2000 to it."""
    rng = np.random.default_rng(seed)
    l1, de = [], []
    generator.eval()
    with torch.inference_mode():
        for _ in range(batches):
            batch = pseudo_batch(rng, bank, book, 8)
            out, _ = generator(batch["source"], batch["source_masks"], batch["reference"], batch["reference_masks"])
            l1.append(float((out - batch["target"]).abs().mean()))
            images, targets = makeup_gan.to_uint8(out), makeup_gan.to_uint8(batch["target"])
            lips = batch["source_masks"][:, 0].numpy() > 0.5
            for img, tgt, mask in zip(images, targets, lips, strict=True):
                if mask.sum() >= 10:
                    a = np.median(colour.srgb_to_lab(img[mask]), axis=0)
                    b = np.median(colour.srgb_to_lab(tgt[mask]), axis=0)
                    de.append(float(colour.ciede2000(a, b)))
    generator.train()
    return {"holdout_l1": round(float(np.mean(l1)), 4), "holdout_lip_de2000_to_target": round(float(np.mean(de)), 3)}
