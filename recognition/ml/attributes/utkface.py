"""UTKFace file names (``age_gender_race_date...jpg``) and the fixed train/validation split.

The split is a hash of the file name, so it is the same on every machine and for every command (training,
evaluation) without a stored list, and a file never moves between the two sides when files are added.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

GENDERS: Final = ("male", "female")  # UTKFace's 0 and 1
RACES: Final = ("White", "Black", "Asian", "Indian", "Other")  # UTKFace's 0-4
VALIDATION_PERCENT: Final = 20


@dataclass(frozen=True)
class UtkRecord:
    path: Path
    age: int
    gender: str
    race: str

    @property
    def is_validation(self) -> bool:
        return is_validation(self.path.name)


def parse_name(path: Path) -> UtkRecord | None:
    """The labels in a UTKFace file name, or None for names that do not follow the pattern (a few lack race)."""
    parts = path.name.split("_")
    if len(parts) < 4:
        return None
    try:
        age, gender, race = int(parts[0]), int(parts[1]), int(parts[2])
    except ValueError:
        return None
    if not (0 <= age <= 120 and gender in (0, 1) and 0 <= race < len(RACES)):
        return None
    return UtkRecord(path=path, age=age, gender=GENDERS[gender], race=RACES[race])


def scan(directory: Path) -> list[UtkRecord]:
    """Every labelled image in ``directory``, sorted by name."""
    records = []
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() in (".jpg", ".jpeg", ".png"):
            record = parse_name(path)
            if record is not None:
                records.append(record)
    return records


def is_validation(name: str) -> bool:
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < VALIDATION_PERCENT
