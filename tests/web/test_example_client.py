"""examples/client.py, run as a user would run it, against a live server (jobs run eagerly in the server)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from beautyrec.recommender.models import Interaction
from beautyrec.recommender.services.catalog import import_catalog, rows_to_csv
from beautyrec.recommender.services.demo_catalog import demo_rows
from gan.models import Preview
from recognition.models import Face
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo-pass-123"


@pytest.fixture
def demo_user(django_user_model):
    return django_user_model.objects.create_user("demo", password=PASSWORD)


def run_client(live_server, tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / "client.py"), "--url", live_server.url, "--out", str(tmp_path),
         *args], capture_output=True, text=True, timeout=600, cwd=ROOT)


def test_example_client_runs_the_full_flow(live_server, demo_user, tmp_path):
    import_catalog(content=rows_to_csv(demo_rows(FIXTURES / "shared_subset")), filename="sample.csv")
    reference = sorted((FIXTURES / "makeup" / "images").glob("*_makeup_*"))[0]
    done = run_client(live_server, tmp_path, "--password", PASSWORD, "--image", str(FIXTURES / "obama.jpg"),
                      "-k", "2", "--reference", str(reference), "--query", "red lipstick under $50")
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    face = Face.objects.get(photo_id=summary["photo_id"], photo__owner=demo_user, index=0)
    assert summary["attributes"]["skin"]["monk"] == face.attributes["skin"]["monk"]
    assert f"Monk {face.attributes['skin']['monk']}" in done.stdout
    assert [len(summary["recommendations"][c]) for c in ("foundation", "lipstick")] == [2, 2]
    assert summary["query"]["words"] == {"under $50": "price", "red": "colour_family", "lipstick": "category"}
    [match] = summary["query_results"]
    assert (match["product"]["shade_name"], match["product"]["price"]) == ("14 一见倾心", "45.99")
    assert "asked 'red lipstick under $50': under $50 -> price, red -> colour_family, lipstick -> category" in \
        done.stdout
    products = [r["product"]["id"] for c in ("foundation", "lipstick") for r in summary["recommendations"][c]]
    preview = Preview.objects.get(pk=summary["preview"])
    assert [item["product"] for item in preview.items] == products
    for path in summary["preview_files"]:
        assert Image.open(path).format == "JPEG"
    assert Image.open(summary["look_file"]).size[0] > 0
    assert sorted(Interaction.objects.filter(user=demo_user).values_list("product_id", flat=True)) == sorted(products)


def test_example_client_reports_api_errors(live_server, demo_user, tmp_path):
    done = run_client(live_server, tmp_path, "--password", "wrong", "--image", str(FIXTURES / "obama.jpg"))
    assert done.returncode == 1
    assert "error: HTTP 400 invalid_credentials: Wrong username or password." in done.stderr
