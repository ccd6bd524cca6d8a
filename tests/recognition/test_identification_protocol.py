"""The in-the-wild development protocol, the AS-norm scores on real faces, and identification with them."""

import csv
import shutil
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from recognition.ml.score_norm import as_norm, cohort_stats
from recognition.services.cohort import DEFAULT_TOP_K, score_cohort
from recognition.services.evaluation import embed_files
from recognition.services.protocols import cohort_pool, identification_protocol
from tests.conftest import FIXTURES
from tests.recognition.conftest import BLAIR, POWELL, SERENA

UTKFACE = sorted((FIXTURES / "utkface").glob("*.jpg"))


@pytest.fixture
def shared_data(tmp_path):
    """A shared-data folder in the real layout: LFW people with 6, 5, 2 and 1 photos, and UTKFace faces."""
    people = {"Tony_Blair": BLAIR * 2, "Colin_Powell": [*POWELL, *BLAIR], "Serena_Williams": SERENA,
              "Only_Once": SERENA[:1]}
    for name, sources in people.items():
        folder = tmp_path / "lfw" / "images" / name
        folder.mkdir(parents=True)
        for n, source in enumerate(sources, start=1):
            shutil.copy(source, folder / f"{name}_{n:04d}.jpg")
    (tmp_path / "utkface").mkdir()
    for path in UTKFACE:
        shutil.copy(path, tmp_path / "utkface" / path.name)
    return tmp_path


def test_protocol_rows_and_reserved_cohort(shared_data, tmp_path):
    rows = identification_protocol(shared_data)
    identities = {r.identity for r in rows}
    # 5+ photos: every photo; fewer: the first photo of every 4th such person (sorted: Only_Once, Serena).
    assert sum(r.identity == "Tony_Blair" for r in rows) == 6 and sum(r.identity == "Colin_Powell" for r in rows) == 5
    assert "Only_Once" in identities and "Serena_Williams" not in identities
    utk = sorted(p.name for p in UTKFACE)
    adults = [f for f in utk if int(f.split("_")[0]) >= 18]
    assert {r.identity for r in rows if r.identity.startswith("utkface:")} == {
        f"utkface:{f}" for f in utk[::4] if f in adults}
    pool = cohort_pool(shared_data)
    assert pool == [f"utkface/{f}" for f in utk[1::4] if f in adults]
    assert not {r.image for r in rows} & set(pool)  # the cohort never enters the protocol

    out = tmp_path / "protocol.csv"
    call_command("make_identification_protocol", "--data", str(shared_data), "--out", str(out), stdout=StringIO())
    with out.open() as fh:
        assert [(r["image"], r["identity"]) for r in csv.DictReader(fh)] == [(r.image, r.identity) for r in rows]


@pytest.mark.django_db
def test_as_norm_is_symmetric_and_separates_real_faces():
    cohort = score_cohort()
    assert cohort.top_k == DEFAULT_TOP_K and cohort.vectors.shape == (753, 128)
    faces = embed_files([*BLAIR, *POWELL, *SERENA]).embeddings
    person = np.array([0, 0, 0, 1, 1, 2, 2])
    stats = cohort_stats(faces, cohort.vectors, cohort.top_k)
    # Each face's nearest strangers sit at cosine ~0.85-0.88 with a spread of ~0.015.
    assert np.all((stats.mean > 0.8) & (stats.mean < 0.9)) and np.all(stats.std < 0.03)
    similarities = faces @ faces.T
    scores = as_norm(similarities, stats.column(), stats)
    assert np.allclose(scores, scores.T, atol=1e-4)
    different = scores[person[:, None] != person[None, :]]
    # Blair 6/32, Powell 38/40 and Serena 1/3 stand more than 5 spreads above their strangers, no stranger pair
    # reaches 2.5; Blair 6/18 (cosine 0.908) is the hard pair that no cut separates from Blair/Powell (0.897).
    for a, b in ((0, 2), (3, 4), (5, 6)):
        assert scores[a, b] > 5.0
    assert different.max() < 2.5
