"""The in-the-wild identification development protocol built from the shared data, so every change is measured
on the same work.

Real people with several photos (LFW identities with 5 or more images) make the genuine side; people seen once
(the first photo of every 4th LFW identity with fewer than 5 images, every 4th UTKFace face of an adult) are
distractors, so half of them are enrolled strangers and half are impostor probes. ``eval_identification``
enrolls every second identity (sorted) with its first photo. The adult UTKFace faces at index 1 mod 4 never
enter the protocol: they are the pool the score-normalisation cohort is built from, so tuning on the protocol
cannot fit its own cohort. LFW View 2 is the report set and is never tuned on.
"""

from dataclasses import dataclass
from pathlib import Path

MIN_PHOTOS = 5
DISTRACTOR_STRIDE = 4
ADULT_AGE = 18


@dataclass(frozen=True)
class ProtocolRow:
    image: str  # relative to the shared data folder
    identity: str


def _lfw_people(data: Path) -> dict[str, list[str]]:
    images = data / "lfw" / "images"
    return {person.name: sorted(f"lfw/images/{person.name}/{f.name}" for f in person.glob("*.jpg"))
            for person in sorted(images.iterdir()) if person.is_dir()}


def utkface_files(data: Path) -> list[str]:
    return sorted(f"utkface/{f.name}" for f in (data / "utkface").glob("*.jpg"))


def _adult(file: str) -> bool:
    """UTKFace names start with the age; children's descriptors crowd together and no selfie user is a baby."""
    age = Path(file).name.split("_", 1)[0]
    return age.isdigit() and int(age) >= ADULT_AGE


def identification_protocol(data: Path) -> list[ProtocolRow]:
    """Rows (image, identity) of the development protocol, in a fixed order."""
    people = _lfw_people(data)
    rows = [ProtocolRow(f, name) for name, files in people.items() if len(files) >= MIN_PHOTOS for f in files]
    rarely_seen = [name for name, files in people.items() if 0 < len(files) < MIN_PHOTOS]
    rows += [ProtocolRow(people[name][0], name) for name in rarely_seen[::DISTRACTOR_STRIDE]]
    rows += [ProtocolRow(f, f"utkface:{Path(f).name}") for f in utkface_files(data)[::DISTRACTOR_STRIDE] if _adult(f)]
    return rows


def cohort_pool(data: Path) -> list[str]:
    """UTKFace images reserved for the score-normalisation cohort (never in the protocol)."""
    return [f for f in utkface_files(data)[1::DISTRACTOR_STRIDE] if _adult(f)]
