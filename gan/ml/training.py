"""Training the makeup GAN on renderer pseudo-pairs of real faces (torch only; data comes in arrays).

Pseudo-pairs (the BeautyREC / TinyBeauty data-synthesis route): a random look built from real product shades
(lipsticks from the lipstick catalogue, eyeshadow and liner from darkened real foundation shades, blush from
pink and coral lipsticks) is rendered by :mod:`gan.ml.renderer` on two different real faces; one is the
reference, the other the supervised target for G(plain source, reference). The discriminator's real class is
real face photos that are not training sources (``real`` below), so the adversarial term pulls outputs toward
real photos rather than toward the renderer's look.

Losses: supervised L1 to the pseudo-pair target; a CIELAB colour term per made-up region (the output region's
mean colour against the reference's median, only where the look has a product there: lips, eyelids, cheeks);
identity through the frozen dlib face network; and a least-squares PatchGAN term. The training state (both
networks, optimisers, step, random state) is saved every ``checkpoint_every`` steps, so a stopped run resumes
where it left off; ``device`` runs it on a GPU where there is one.
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
    batch_size: int = 8
    lr: float = 2e-4
    width: int = 16
    seed: int = 0
    identity_every: int = 4
    checkpoint_every: int = 100
    w_l1: float = 10.0
    w_lips: float = 0.2  # per CIELAB unit of the lips' mean error
    w_eyes: float = 0.02
    w_cheeks: float = 0.005
    w_identity: float = 5.0
    w_adv: float = 0.05


@dataclass
class FaceBank:
    """Face crops (N, 128, 128, 3) uint8 with crop-space 68 landmarks (N, 68, 2); derived once: region masks
    (hard, and feathered as uint8 0-255 with the face as a fifth), each face's own region statistics, and the
    pixels its lip colour is judged on."""

    crops: np.ndarray
    landmarks: np.ndarray
    hard: np.ndarray = field(init=False)
    soft: np.ndarray = field(init=False)
    stats: np.ndarray = field(init=False)
    measure: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        size = (makeup_gan.CROP, makeup_gan.CROP)
        hard, soft, stats, measure = [], [], [], []
        for crop, lm in zip(self.crops, self.landmarks, strict=True):
            h, s = makeup_gan.region_masks(lm, size)
            hard.append(h)
            soft.append(np.rint(s * 255).astype(np.uint8))
            stats.append(makeup_gan.masked_stats(crop, h))
            measure.append(np.concatenate([makeup_gan.lip_measure_mask(crop, h[0])[None], h[1:makeup_gan.MADE_UP]]))
        shape = (0, len(makeup_gan.REGIONS), *size)
        self.hard = np.stack(hard) if hard else np.zeros(shape, bool)
        self.soft = np.stack(soft) if soft else np.zeros((0, len(makeup_gan.REGIONS) + 1, *size), np.uint8)
        self.stats = np.stack(stats) if stats else np.zeros((0, len(makeup_gan.REGIONS), 6), np.float32)
        self.measure = np.stack(measure) if measure else np.zeros((0, makeup_gan.MADE_UP, *size), bool)

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


LOOK_REGION: dict[str, int] = {"lipstick": 0, "eyeshadow": 1, "blush": 2}  # made-up region of each category


def pseudo_batch(rng: np.random.Generator, bank: FaceBank, book: ShadeBook, size: int) -> dict[str, torch.Tensor]:
    """Sources with their masks and statistics, references' statistics (another face wearing a look), which
    made-up regions the look covers, and the supervised targets (the source wearing the same look)."""
    src_idx = rng.integers(len(bank), size=size)
    ref_idx = (src_idx + rng.integers(1, len(bank), size=size)) % len(bank)
    targets, ref_stats = [], []
    present = np.zeros((size, makeup_gan.MADE_UP), dtype=bool)
    for n, (s, r) in enumerate(zip(src_idx, ref_idx, strict=True)):
        look = random_look(rng, book)
        for item in look:
            if item.category in LOOK_REGION:
                present[n, LOOK_REGION[item.category]] = True
        targets.append(renderer.render(bank.crops[s], bank.landmarks[s], look).image)
        reference = renderer.render(bank.crops[r], bank.landmarks[r], look).image
        ref_stats.append(makeup_gan.masked_stats(reference, bank.hard[r]))
    return {
        "source": makeup_gan.to_tensor(bank.crops[src_idx]),
        "masks": torch.from_numpy(bank.soft[src_idx].astype(np.float32) / 255.0),
        "source_stats": torch.from_numpy(bank.stats[src_idx]),
        "reference_stats": torch.from_numpy(np.stack(ref_stats)),
        "measure": torch.from_numpy(bank.measure[src_idx].astype(np.float32)),
        "present": torch.from_numpy(present),
        "target": makeup_gan.to_tensor(np.stack(targets)),
    }


def _real_batch(rng: np.random.Generator, real: np.ndarray, size: int) -> torch.Tensor:
    crops = real[rng.integers(len(real), size=size)]
    flip = rng.random(size) < 0.5
    crops = np.where(flip[:, None, None, None], crops[:, :, ::-1], crops)
    return makeup_gan.to_tensor(crops)


def generate(g: makeup_gan.MakeupGenerator, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """G's output image (in [-1, 1]) for a pseudo batch."""
    change = g(batch["source"], batch["masks"], batch["source_stats"], batch["reference_stats"])
    return makeup_gan.composite(batch["source"], change, batch["masks"][:, -1])


@dataclass
class TrainState:
    generator: makeup_gan.MakeupGenerator
    discriminator: makeup_gan.PatchDiscriminator
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    step: int = 0
    history: list[dict[str, float]] = field(default_factory=list)


def new_state(config: TrainConfig, device: torch.device) -> TrainState:
    torch.manual_seed(config.seed)
    g = makeup_gan.MakeupGenerator(config.width).to(device)
    d = makeup_gan.PatchDiscriminator().to(device)
    return TrainState(g, d, torch.optim.Adam(g.parameters(), config.lr, betas=(0.5, 0.999)),
                      torch.optim.Adam(d.parameters(), config.lr, betas=(0.5, 0.999)))


def save_state(path: Path, state: TrainState, config: TrainConfig, rng: np.random.Generator) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"generator": state.generator.state_dict(), "discriminator": state.discriminator.state_dict(),
                "opt_g": state.opt_g.state_dict(), "opt_d": state.opt_d.state_dict(), "step": state.step,
                "history": state.history, "config": asdict(config), "rng": rng.bit_generator.state,
                "architecture": makeup_gan.ARCHITECTURE}, tmp)
    tmp.replace(path)


def load_state(path: Path, config: TrainConfig, rng: np.random.Generator, device: torch.device) -> TrainState:
    blob = torch.load(path, map_location=device, weights_only=False)
    state = new_state(config, device)
    state.generator.load_state_dict(blob["generator"])
    state.discriminator.load_state_dict(blob["discriminator"])
    state.opt_g.load_state_dict(blob["opt_g"])
    state.opt_d.load_state_dict(blob["opt_d"])
    state.step, state.history = blob["step"], blob["history"]
    rng.bit_generator.state = blob["rng"]
    return state


def _can_resume(path: Path) -> bool:
    """A saved state of this architecture (a state left by an older generator is started over)."""
    if not path.is_file():
        return False
    return torch.load(path, map_location="cpu", weights_only=False).get("architecture") == makeup_gan.ARCHITECTURE


def train(bank: FaceBank, real: np.ndarray, book: ShadeBook, config: TrainConfig, *, state_path: Path,
          embed: nn.Module | None = None, resume: bool = True, device: torch.device | None = None,
          on_step: Callable[[int, dict[str, float]], None] | None = None) -> TrainState:
    """Run (or resume) training up to ``config.steps``; returns the final state (also saved at ``state_path``)."""
    device = device or torch.device("cpu")
    rng = np.random.default_rng(config.seed)
    state = (load_state(state_path, config, rng, device) if resume and _can_resume(state_path)
             else new_state(config, device))
    g, d = state.generator.train(), state.discriminator.train()
    if embed is not None:
        embed.to(device).eval().requires_grad_(False)
    weights = torch.tensor([config.w_lips, config.w_eyes, config.w_cheeks], device=device)
    while state.step < config.steps:
        started = time.perf_counter()
        batch = {k: v.to(device) for k, v in pseudo_batch(rng, bank, book, config.batch_size).items()}
        real_batch = _real_batch(rng, real, config.batch_size).to(device)
        out = generate(g, batch)

        # Discriminator: real face photos against generated faces (least squares).
        d_real, d_fake = d(real_batch), d(out.detach())
        loss_d = 0.5 * (F.mse_loss(d_real, torch.ones_like(d_real)) + F.mse_loss(d_fake, torch.zeros_like(d_fake)))
        state.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        state.opt_d.step()

        # Generator.
        l1 = F.l1_loss(out, batch["target"])
        region = makeup_gan.region_colour_error(makeup_gan.to_lab(out), batch["measure"], batch["reference_stats"],
                                                batch["present"])
        region_loss = (region * weights).sum() / config.batch_size
        adv_out = d(out)
        adv = F.mse_loss(adv_out, torch.ones_like(adv_out))
        loss = config.w_l1 * l1 + region_loss + config.w_adv * adv
        ident = torch.zeros((), device=device)
        if embed is not None and config.identity_every and state.step % config.identity_every == 0:
            ident = makeup_gan.identity_loss(embed, out, batch["source"])
            loss = loss + config.w_identity * ident
        state.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        state.opt_g.step()

        state.step += 1
        counts = (region > 0).sum(0).clamp_min(1)
        lips, eyes, cheeks = (region.sum(0) / counts).tolist()
        record = {"step": state.step, "l1": l1.item(), "lips_lab": lips, "eyes_lab": eyes, "cheeks_lab": cheeks,
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
    """On held-out faces and fresh looks: L1 to the renderer's target, and lip CIEDE2000 of the output's median
    lip colour to the target's and to the reference's."""
    rng = np.random.default_rng(seed)
    device = next(generator.parameters()).device
    l1, de_target, de_reference = [], [], []
    generator.eval()
    with torch.inference_mode():
        for _ in range(batches):
            batch = pseudo_batch(rng, bank, book, 8)
            out = generate(generator, {k: v.to(device) for k, v in batch.items()}).cpu()
            l1.append(float((out - batch["target"]).abs().mean()))
            images, targets = makeup_gan.to_uint8(out), makeup_gan.to_uint8(batch["target"])
            lips = batch["measure"][:, 0].numpy() > 0.5
            for n, (img, tgt, mask) in enumerate(zip(images, targets, lips, strict=True)):
                if mask.sum() >= 10 and batch["present"][n, 0]:
                    a = np.median(colour.srgb_to_lab(img[mask]), axis=0)
                    de_target.append(float(colour.ciede2000(a, np.median(colour.srgb_to_lab(tgt[mask]), axis=0))))
                    de_reference.append(float(colour.ciede2000(a, batch["reference_stats"][n, 0, :3].numpy())))
    generator.train()
    return {"holdout_l1": round(float(np.mean(l1)), 4),
            "holdout_lip_de2000_to_target": round(float(np.mean(de_target)), 3),
            "holdout_lip_de2000_to_reference": round(float(np.mean(de_reference)), 3)}
