"""Job lifecycle: publish after commit, idempotent runs, failures with codes, undo when the broker is down."""

import pytest
from kombu.exceptions import OperationalError as BrokerOperationalError

from beautyrec.core import jobs
from beautyrec.core.errors import ServiceError, ServiceUnavailable
from beautyrec.core.models import Job

pytestmark = pytest.mark.django_db(transaction=True)

calls: list[str] = []


@jobs.job_task("tests.echo")
def echo(job, progress):
    calls.append(str(job.pk))
    progress(50, "halfway")
    if job.params.get("fail"):
        raise ServiceError("asked to fail", code="asked_to_fail", details={"why": "test"})
    if job.params.get("crash"):
        raise RuntimeError("boom")
    return {"echo": job.params.get("value")}


@pytest.fixture(autouse=True)
def _reset_calls():
    calls.clear()


def test_eager_job_runs_after_commit_and_records_result(user):
    job, created = jobs.submit_job(kind="echo", owner=user, task_name="tests.echo", params={"value": 7})
    job.refresh_from_db()
    assert created
    assert job.status == Job.Status.SUCCEEDED
    assert job.result == {"echo": 7}
    assert (job.progress, job.stage, job.attempts) == (100, "done", 1)
    assert job.started_at <= job.finished_at


def test_service_error_fails_the_job_with_its_code_and_details(user):
    job, _ = jobs.submit_job(kind="echo", owner=user, task_name="tests.echo", params={"fail": True})
    job.refresh_from_db()
    assert (job.status, job.error_code, job.error_message) == ("failed", "asked_to_fail", "asked to fail")
    assert job.result == {"details": {"why": "test"}}


def test_crash_is_recorded_as_internal_error(user):
    job, _ = jobs.submit_job(kind="echo", owner=user, task_name="tests.echo", params={"crash": True})
    job.refresh_from_db()
    assert job.status == "failed" and job.error_code == "internal_error"
    assert "RuntimeError: boom" in job.error_message


def test_redelivery_of_a_finished_job_does_nothing(user):
    job, _ = jobs.submit_job(kind="echo", owner=user, task_name="tests.echo", params={"value": 1})
    echo.apply(args=[str(job.pk)])
    echo.apply(args=[str(job.pk)])
    job.refresh_from_db()
    assert calls == [str(job.pk)]
    assert job.attempts == 1


def test_redelivery_of_a_running_job_runs_it_again(user):
    job = Job.objects.create(kind="echo", task_name="tests.echo", owner=user, status=Job.Status.RUNNING,
                             params={"value": 3}, attempts=1)
    echo.apply(args=[str(job.pk)])
    job.refresh_from_db()
    assert job.status == "succeeded" and job.attempts == 2 and job.result == {"echo": 3}


def test_idempotency_key_returns_the_same_job(user):
    first, created1 = jobs.submit_job(kind="echo", owner=user, task_name="tests.echo", params={"value": 1},
                                      idempotency_key="k-1")
    second, created2 = jobs.submit_job(kind="echo", owner=user, task_name="tests.echo", params={"value": 2},
                                       idempotency_key="k-1")
    assert (created1, created2) == (True, False)
    assert first.pk == second.pk
    assert calls == [str(first.pk)]
    assert Job.objects.count() == 1


def test_broker_down_undoes_rows_and_raises_503(user, monkeypatch):
    undone = []

    def refuse(*args, **kwargs):
        raise BrokerOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(echo, "apply_async", refuse)
    with pytest.raises(ServiceUnavailable) as exc:
        jobs.submit_job(kind="echo", owner=user, task_name="tests.echo", undo=lambda: undone.append(True))
    assert exc.value.code == "broker_unavailable" and exc.value.status_code == 503
    assert undone == [True]
    assert Job.objects.count() == 0


def test_progress_is_throttled_but_stage_changes_are_written(user):
    job = Job.objects.create(kind="echo", task_name="tests.echo", owner=user)
    progress = jobs.Progress(job, min_interval=60)
    progress(10, "detect")
    progress(20)  # same stage within the interval: skipped
    job.refresh_from_db()
    assert (job.progress, job.stage) == (10, "detect")
    progress(30, "embed")
    job.refresh_from_db()
    assert (job.progress, job.stage) == (30, "embed")


def test_retry_puts_a_failed_job_back(user):
    job, _ = jobs.submit_job(kind="echo", owner=user, task_name="tests.echo", params={"crash": True})
    job.refresh_from_db()
    job.params = {"value": 9}
    job.save()
    jobs.retry_job(job)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result == {"echo": 9} and job.error_code == ""
    with pytest.raises(ServiceError) as exc:
        jobs.retry_job(job)
    assert exc.value.code == "job_not_failed"
