"""Staff admin pages and actions: catalogue, photos/faces/subjects, jobs, model versions and the dashboard."""

import io
from datetime import timedelta

import numpy as np
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from beautyrec.core.models import Job, ModelVersion
from beautyrec.recommender.models import Interaction, Product
from beautyrec.recommender.services.catalog import import_catalog, rows_to_csv
from beautyrec.recommender.services.demo_catalog import demo_rows
from recognition.models import Face, Photo, Subject
from recognition.services.analysis import analyze_photo, face_embedding
from recognition.services.photos import store_photo
from recognition.services.subjects import enroll_face
from tests.conftest import FIXTURES

pytestmark = pytest.mark.django_db
SAMPLE = FIXTURES / "shared_subset"


@pytest.fixture
def admin_client(client, django_user_model):
    staff = django_user_model.objects.create_superuser("boss", password="boss-pass-123")
    client.force_login(staff)
    client.staff = staff
    return client


@pytest.fixture
def catalogue():
    import_catalog(content=rows_to_csv(demo_rows(SAMPLE)), filename="sample.csv")
    return Product.objects.all()


@pytest.fixture
def analysed_photo(user):
    photo = store_photo(owner=user, upload=(FIXTURES / "obama.jpg").read_bytes())
    analyze_photo(photo=photo)
    return photo


def action(client, url: str, name: str, pks, **extra):
    return client.post(url, {"action": name, "_selected_action": [str(pk) for pk in pks], **extra}, follow=True)


def jpeg(response) -> np.ndarray:
    assert response["Content-Type"] == "image/jpeg"
    assert {"private", "no-store"} <= {v.strip() for v in response["Cache-Control"].split(",")}
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"))


# --- catalogue ------------------------------------------------------------------------------------------

def test_product_list_shows_swatches_and_filters(admin_client, catalogue):
    url = reverse("admin:recommender_product_changelist")
    page = admin_client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "background:#a06f4a" in html  # Anastasia Beverly Hills 355N
    assert "Import a catalogue file" in html
    neutral = admin_client.get(url, {"undertone__exact": "neutral", "category__exact": "foundation"})
    shown = list(neutral.context["cl"].result_list)
    expected = Product.objects.filter(undertone="neutral", category="foundation")
    assert len(shown) == expected.count() > 0
    assert {p.undertone for p in shown} == {"neutral"}
    by_brand = admin_client.get(url, {"brand": "Dior"})
    assert {p.brand for p in by_brand.context["cl"].result_list} == {"Dior"}


def test_bulk_deactivate_and_activate(admin_client, catalogue):
    url = reverse("admin:recommender_product_changelist")
    chosen = list(catalogue.filter(category="foundation").values_list("pk", flat=True)[:3])
    page = action(admin_client, url, "deactivate", chosen)
    assert "3 product(s) deactivated." in page.content.decode()
    assert Product.objects.filter(pk__in=chosen, is_active=False).count() == 3
    assert Product.objects.filter(is_active=False).count() == 3
    action(admin_client, url, "activate", chosen)
    assert not Product.objects.filter(is_active=False).exists()


@pytest.mark.django_db(transaction=True)  # the import job runs on commit, eagerly, inside the request
def test_csv_import_from_the_admin(admin_client):
    url = reverse("admin:recommender_product_import")
    assert admin_client.get(url).status_code == 200
    upload = SimpleUploadedFile("sample.csv", rows_to_csv(demo_rows(SAMPLE)), content_type="text/csv")
    page = admin_client.post(url, {"file": upload}, follow=True)
    assert "Imported: 39 created, 0 updated." in page.content.decode()
    assert Product.objects.count() == 39
    job = Job.objects.get(kind="catalog_import")
    assert (job.status, job.owner, job.result["created"]) == ("succeeded", admin_client.staff, 39)


@pytest.mark.django_db(transaction=True)
def test_csv_import_with_a_bad_row_imports_nothing(admin_client):
    csv = rows_to_csv(demo_rows(SAMPLE)).replace(b"#A06F4A", b"#GG6F4A", 1)
    page = admin_client.post(reverse("admin:recommender_product_import"),
                             {"file": SimpleUploadedFile("bad.csv", csv, content_type="text/csv")}, follow=True)
    assert "The import failed" in page.content.decode()
    assert Product.objects.count() == 0


def test_catalogue_import_needs_staff(client, user):
    client.force_login(user)
    page = client.get(reverse("admin:recommender_product_import"))
    assert page.status_code == 302 and "/admin/login/" in page["Location"]


# --- photos, faces, subjects ------------------------------------------------------------------------------

def test_photo_thumbnail_has_the_face_box_drawn(admin_client, analysed_photo):
    page = admin_client.get(reverse("admin:recognition_photo_changelist"))
    thumb_url = reverse("admin:recognition_photo_thumbnail", args=[analysed_photo.pk])
    assert thumb_url in page.content.decode()
    pixels = jpeg(admin_client.get(thumb_url))
    assert max(pixels.shape[:2]) == 160
    face = analysed_photo.faces.get(index=0)
    shrink = 160 / max(analysed_photo.width, analysed_photo.height)
    left, top, right, bottom = (round(v * shrink) for v in face.box)
    # The box outline is the largest-face green (#31e07a): along its top edge green dominates, unlike the skin
    # inside the box (JPEG blurs the thin line, so the test is on dominance, not the exact colour).
    greenness = pixels[..., 1].astype(int) - pixels[..., [0, 2]].max(axis=2)
    assert (greenness[top, left + 3:right - 3] > 40).mean() > 0.8
    assert greenness[(top + bottom) // 2, (left + right) // 2] < 0
    change = admin_client.get(reverse("admin:recognition_photo_change", args=[analysed_photo.pk]))
    assert f"{thumb_url}?size=large" in change.content.decode()
    assert max(jpeg(admin_client.get(thumb_url, {"size": "large"})).shape[:2]) == 480


def test_face_list_shows_attributes_consent_and_thumbnail(admin_client, analysed_photo):
    face = analysed_photo.faces.get(index=0)
    page = admin_client.get(reverse("admin:recognition_face_changelist"))
    html = page.content.decode()
    assert f"background:{face.attributes['skin']['hex']}" in html
    assert f"Monk {face.attributes['skin']['monk']}" in html
    assert face.attributes["age"]["band"] in html
    pixels = jpeg(admin_client.get(reverse("admin:recognition_face_thumbnail", args=[face.pk])))
    assert pixels.shape == (96, 96, 3)
    subject = Subject.objects.create(owner=analysed_photo.owner, name="Barack", consent=True,
                                     consent_at=timezone.now())
    Face.objects.filter(pk=face.pk).update(subject=subject)
    consented = admin_client.get(reverse("admin:recognition_face_changelist"), {"subject__consent__exact": "1"})
    assert [f.pk for f in consented.context["cl"].result_list] == [face.pk]
    subjects = admin_client.get(reverse("admin:recognition_subject_changelist")).content.decode()
    assert reverse("admin:recognition_face_thumbnail", args=[face.pk]) in subjects


def test_thumbnails_are_for_staff_only(client, user, analysed_photo):
    url = reverse("admin:recognition_photo_thumbnail", args=[analysed_photo.pk])
    assert client.get(url).status_code == 302  # to the admin login
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_erase_biometrics_of_photo_owners(admin_client, analysed_photo, user, other_user):
    other = store_photo(owner=other_user, upload=(FIXTURES / "biden.jpg").read_bytes())
    page = action(admin_client, reverse("admin:recognition_photo_changelist"), "erase_owners_biometric_data",
                  [analysed_photo.pk])
    assert [str(m) for m in page.context["messages"]] == [
        "alice: erased 1 faces, 0 jobs, 1 photos, 0 previews, 0 subjects"]
    assert not Photo.objects.filter(owner=user).exists()
    assert not Face.objects.filter(photo__owner=user).exists()
    assert Photo.objects.filter(pk=other.pk).exists()  # only the selected photos' owners


def test_erase_biometrics_of_subjects_linked_users(admin_client, analysed_photo, user):
    subject = Subject.objects.create(owner=user, user=user, name="Alice", consent=True, consent_at=timezone.now())
    action(admin_client, reverse("admin:recognition_subject_changelist"), "erase_linked_users_biometric_data",
           [subject.pk])
    assert not Subject.objects.filter(pk=subject.pk).exists()
    assert not Photo.objects.filter(owner=user).exists()


def test_admin_creates_subjects_only_with_consent_and_withdrawal_erases(admin_client, analysed_photo, user):
    add = reverse("admin:recognition_subject_add")
    page = admin_client.post(add, {"owner": user.pk, "name": "Alice", "consent": ""})
    assert page.status_code == 200 and "consent" in page.context["adminform"].form.errors
    assert not Subject.objects.exists()
    assert admin_client.post(add, {"owner": user.pk, "name": "Alice", "consent": "on"}).status_code == 302
    subject = Subject.objects.get()
    assert subject.consent and subject.consent_at is not None
    face = analysed_photo.faces.get(index=0)
    enroll_face(subject=subject, face=face, embedding=face_embedding(face))
    subject.refresh_from_db()
    assert subject.template is not None

    change = reverse("admin:recognition_subject_change", args=[subject.pk])
    assert admin_client.post(change, {"owner": user.pk, "name": "Alice B", "consent": ""}).status_code == 302
    subject.refresh_from_db()
    face.refresh_from_db()
    assert (subject.name, subject.consent, subject.consent_at, subject.template) == ("Alice B", False, None, None)
    assert (face.subject, face.embedding) == (None, None)


def test_erase_biometrics_from_the_user_admin_needs_delete_permission(admin_client, analysed_photo, user,
                                                                       django_user_model):
    clerk = django_user_model.objects.create_user("clerk", password="clerk-pass-123", is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    clerk_client = Client()
    clerk_client.force_login(clerk)
    action(clerk_client, reverse("admin:auth_user_changelist"), "erase_biometric_data", [user.pk])
    assert Photo.objects.filter(owner=user).count() == 1
    action(admin_client, reverse("admin:auth_user_changelist"), "erase_biometric_data", [user.pk])
    assert not Photo.objects.filter(owner=user).exists()


# --- jobs and model versions ------------------------------------------------------------------------------

def make_job(owner, *, status: str, kind: str = "analyze", age: timedelta = timedelta(minutes=5), **fields):
    job = Job.objects.create(owner=owner, kind=kind, task_name="recognition.analyze", status=status, **fields)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - age)
    return job


def test_job_list_shows_progress_duration_and_error(admin_client, user):
    now = timezone.now()
    make_job(user, status="running", progress=40, stage="embedding")
    make_job(user, status="failed", error_code="no_face", started_at=now - timedelta(seconds=3), finished_at=now)
    html = admin_client.get(reverse("admin:core_job_changelist")).content.decode()
    assert '<progress max="100" value="40"' in html
    assert "no_face" in html and ">3.0<" in html


def test_retry_action_requeues_failed_jobs_only(admin_client, user):
    failed = make_job(user, status="failed", error_code="timeout", error_message="ran too long")
    done = make_job(user, status="succeeded", progress=100)
    page = action(admin_client, reverse("admin:core_job_changelist"), "retry_failed", [failed.pk, done.pk])
    assert "1 job(s) queued again." in page.content.decode()
    failed.refresh_from_db()
    done.refresh_from_db()
    assert (failed.status, failed.error_code, failed.progress) == ("queued", "", 0)
    assert done.status == "succeeded"


def test_model_versions_show_metrics_and_activate(admin_client):
    old = ModelVersion.objects.create(kind="recommender", version="v1", uri="recommender/v1.pt", is_active=True,
                                      metrics={"ndcg@10": 0.2113, "hr@10": 0.3301})
    new = ModelVersion.objects.create(kind="recommender", version="v2", uri="recommender/v2.pt",
                                      metrics={"ndcg@10": 0.2542, "hr@10": 0.3718, "split": {"users": 19412}})
    url = reverse("admin:core_modelversion_changelist")
    html = admin_client.get(url).content.decode()
    assert "ndcg@10 0.2542, hr@10 0.3718" in html
    page = action(admin_client, url, "activate", [new.pk])
    assert "Recommender now serves version v2." in page.content.decode()
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.is_active, new.is_active) == (False, True)
    detail = admin_client.get(reverse("admin:core_modelversion_change", args=[new.pk])).content.decode()
    assert "&quot;users&quot;: 19412" in detail


# --- dashboard --------------------------------------------------------------------------------------------

def test_dashboard_counts_jobs_of_the_last_day_and_model_figures(admin_client, user, catalogue):
    make_job(user, status="succeeded")
    make_job(user, status="succeeded")
    make_job(user, status="failed", error_code="no_face")
    make_job(user, status="failed", error_code="no_face", age=timedelta(days=2))  # older than a day
    make_job(user, status="queued", kind="preview")
    ModelVersion.objects.create(kind="makeup_gan", version="g1", uri="gan/g1.pt", is_active=True,
                                metrics={"fid": 31.4, "lpips": {"mean": 0.118}})
    Product.objects.filter(pk=Product.objects.first().pk).update(is_active=False)
    Interaction.objects.create(user=user, product=Product.objects.last(), kind="like", client_event_id="e1",
                               timestamp=timezone.now())
    page = admin_client.get(reverse("admin:dashboard"))
    assert page.status_code == 200
    figures = page.context["figures"]
    counts = dict(figures["counts"])
    assert (counts["users"], counts["active products"], counts["inactive products"]) == (2, 38, 1)
    assert (counts["interactions"], counts["previews"]) == (1, 0)
    assert counts["jobs (all time)"] == 5
    assert figures["jobs"]["statuses"] == ["queued", "running", "succeeded", "failed"]
    assert figures["jobs"]["rows"] == [("analyze", [0, 0, 2, 1]), ("preview", [1, 0, 0, 0])]
    assert figures["jobs"]["totals"] == [1, 0, 2, 1]
    assert figures["jobs"]["errors"] == [{"error_code": "no_face", "n": 1}]
    (gan,) = figures["models"]
    assert (gan["kind"], gan["active"].version, gan["metrics"]) == ("makeup_gan", "g1",
                                                                    [("fid", 31.4), ("lpips.mean", 0.118)])
    html = page.content.decode()
    assert "<code>lpips.mean</code> 0.118" in html
    assert reverse("admin:dashboard") in admin_client.get(reverse("admin:index")).content.decode()


def test_dashboard_needs_staff(client, user):
    client.force_login(user)
    assert client.get(reverse("admin:dashboard")).status_code == 302
