"""Read-side queries of the core app."""

import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from beautyrec.core.errors import NotFound
from beautyrec.core.models import Job


def jobs_visible_to(user: AbstractBaseUser) -> QuerySet[Job]:
    """Staff see every job; everyone else only their own (others' jobs are indistinguishable from missing)."""
    jobs = Job.objects.all()
    return jobs if user.is_staff else jobs.filter(owner=user)


def get_job_for(user: AbstractBaseUser, job_id: str) -> Job:
    try:
        pk = uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound("No such job.", code="job_not_found") from None
    job = jobs_visible_to(user).filter(pk=pk).first()
    if job is None:
        raise NotFound("No such job.", code="job_not_found")
    return job
