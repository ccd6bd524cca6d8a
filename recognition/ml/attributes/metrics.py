"""Age/gender evaluation figures in the layout of ``eval_attributes`` (issue 4), per group included.

Adults are faces aged 18 and over (gender is judged on them: it is barely visible on small children);
the worst group figures are over the race groups.
"""

from typing import Any, Final

import numpy as np

from recognition.ml.attributes.heads import age_band

ADULT_AGE: Final = 18


def _group(age_true: np.ndarray, age_pred: np.ndarray, female: np.ndarray, p_female: np.ndarray) -> dict[str, Any]:
    adults = age_true >= ADULT_AGE
    correct = (p_female >= 0.5) == female
    return {
        "faces": len(age_true),
        "adults": int(adults.sum()),
        "age_mae": round(float(np.mean(np.abs(age_pred - age_true))), 4) if len(age_true) else None,
        "gender_accuracy": round(float(correct.mean()), 4) if len(age_true) else None,
        "gender_accuracy_adults": round(float(correct[adults].mean()), 4) if adults.any() else None,
    }


def evaluate(*, age_true: np.ndarray, age_pred: np.ndarray, female: np.ndarray, p_female: np.ndarray,
             race: np.ndarray, no_face: int) -> dict[str, Any]:
    """Figures over the faces found (arrays cover those only); ``no_face`` counts files where none was."""
    age_true = np.asarray(age_true, dtype=np.float64)
    age_pred = np.asarray(age_pred, dtype=np.float64)
    female = np.asarray(female, dtype=bool)
    p_female = np.asarray(p_female, dtype=np.float64)
    race = np.asarray(race)
    overall = _group(age_true, age_pred, female, p_female)
    by_group: dict[str, dict[str, Any]] = {}
    for value in sorted(set(race.tolist())):
        m = race == value
        by_group[f"race={value}"] = _group(age_true[m], age_pred[m], female[m], p_female[m])
    for value, m in (("male", ~female), ("female", female)):
        by_group[f"gender={value}"] = _group(age_true[m], age_pred[m], female[m], p_female[m])
    bands = np.array([age_band(a) for a in age_true])
    for value in dict.fromkeys(age_band(a) for a in sorted(age_true)):
        m = bands == value
        by_group[f"age_band={value}"] = _group(age_true[m], age_pred[m], female[m], p_female[m])
    races = {k: v for k, v in by_group.items() if k.startswith("race=")}
    adult_accuracies = [v["gender_accuracy_adults"] for v in races.values() if v["gender_accuracy_adults"] is not None]
    maes = [v["age_mae"] for v in races.values() if v["age_mae"] is not None]
    return {
        "age_mae": overall["age_mae"],
        "gender_accuracy": overall["gender_accuracy"],
        "gender_accuracy_adults": overall["gender_accuracy_adults"],
        "faces": overall["faces"],
        "no_face": int(no_face),
        "by_group": by_group,
        "worst_group_gender_accuracy_adults": min(adult_accuracies) if adult_accuracies else None,
        "worst_group_age_mae": max(maes) if maes else None,
    }
