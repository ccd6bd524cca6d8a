"""Evaluation figures recorded on the evaluated model version (``--record``) reach the admin dashboard."""

import pytest
from django.urls import reverse

from beautyrec.core.models import ModelVersion
from beautyrec.core.registry import record_evaluation
from beautyrec.web.dashboard import dashboard_figures
from tests.recognition.test_eval_commands import lfw_dir, run  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_record_evaluation_keeps_other_figures_and_replaces_a_rerun():
    mv = ModelVersion.objects.create(kind="recommender", version="v3", uri="recommender/v3.pt",
                                     metrics={"train": {"loss": 0.41}})
    record_evaluation(mv, name="sports:test", figures={"ndcg@10": 0.25})
    record_evaluation(mv, name="sports:test", figures={"ndcg@10": 0.27})
    mv.refresh_from_db()
    assert mv.metrics["train"] == {"loss": 0.41}
    assert mv.metrics["sports:test"]["ndcg@10"] == 0.27
    assert mv.metrics["sports:test"]["evaluated_at"].startswith("20")


def test_eval_lfw_record_puts_the_figures_on_the_embedding_version(lfw_dir, tmp_path, admin_client):  # noqa: F811
    pairs = tmp_path / "dev.txt"
    pairs.write_text("2\t2\nTony_Blair\t6\t18\nColin_Powell\t38\t40\nTony_Blair\t6\tColin_Powell\t38\n"
                     "Serena_Williams\t1\tTony_Blair\t32\nTony_Blair\t18\t32\nSerena_Williams\t1\t3\n"
                     "Colin_Powell\t40\tSerena_Williams\t3\nTony_Blair\t32\tColin_Powell\t40\n")
    figures = run("eval_lfw", "--pairs", str(pairs), "--images", str(lfw_dir), "--record")
    mv = ModelVersion.objects.get(kind="embedding", is_active=True)
    assert {k: v for k, v in mv.metrics["lfw:dev"].items() if k != "evaluated_at"} == figures
    (embedding,) = [m for m in dashboard_figures(now=mv.created_at)["models"] if m["kind"] == "embedding"]
    assert ("lfw:dev.accuracy", figures["accuracy"]) in embedding["metrics"]
    assert "<code>lfw:dev.tar_at_far_1e-3</code>" in admin_client.get(reverse("admin:dashboard")).content.decode()
