"""Admin views of the recognition data. Biometric fields (embeddings, templates) are never shown or editable.

Thumbnails (with the face boxes drawn) are served by admin views, so only signed-in staff with the view
permission ever see a photo; actions (for staff who may delete) erase chosen people's biometric data with the
API's own service.
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from recognition.models import Face, GalleryChange, Photo, Subject
from recognition.services.erasure import erase_biometrics
from recognition.services.photos import delete_photos
from recognition.services.subjects import delete_subject, update_subject
from recognition.services.thumbnails import face_thumbnail, photo_thumbnail

User = get_user_model()


def _image_response(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


def erase_people(modeladmin: admin.ModelAdmin, request: HttpRequest, people: Iterable[AbstractBaseUser]) -> None:
    """Erase each person's biometric data through ``erase_biometrics``, as ``DELETE /api/v1/me/biometrics/``."""
    people = sorted({p.pk: p for p in people if p is not None}.values(), key=lambda p: p.get_username())
    if not people:
        modeladmin.message_user(request, "None of the selected rows belongs to a user account.", messages.WARNING)
    for person in people:
        removed = erase_biometrics(person)
        modeladmin.message_user(request, f"{person.get_username()}: erased "
                                + ", ".join(f"{count} {kind}" for kind, count in sorted(removed.items())),
                                messages.SUCCESS)


class FaceInline(admin.TabularInline):
    model = Face
    fields = ["thumbnail", "index", "box", "detector", "detection_score", "quality", "subject",
              "embedding_model_version"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description="face")
    def thumbnail(self, face: Face) -> str:
        if face.pk is None:  # the inline's blank template row
            return ""
        return format_html('<img src="{}" width="64" height="64" alt="face {}">',
                           reverse("admin:recognition_face_thumbnail", args=[face.pk]), face.index)


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "id", "owner", "width", "height", "face_count", "analyzed_at", "created_at"]
    list_filter = ["detector", "face_count"]
    search_fields = ["id", "owner__username"]
    readonly_fields = ["large_thumbnail", *[f.name for f in Photo._meta.fields]]
    inlines = [FaceInline]
    actions = ["erase_owners_biometric_data"]

    def get_urls(self) -> list[URLPattern | URLResolver]:
        return [path("<uuid:photo_id>/thumbnail/", self.admin_site.admin_view(self.thumbnail_view),
                     name="recognition_photo_thumbnail"), *super().get_urls()]

    def thumbnail_view(self, request: HttpRequest, photo_id: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        size = 480 if request.GET.get("size") == "large" else 160
        return _image_response(photo_thumbnail(photo=get_object_or_404(Photo, pk=photo_id), max_side=size))

    @admin.display(description="photo")
    def thumbnail(self, photo: Photo) -> str:
        return format_html('<img src="{}" style="max-height:80px" alt="photo">',
                           reverse("admin:recognition_photo_thumbnail", args=[photo.pk]))

    @admin.display(description="faces found")
    def large_thumbnail(self, photo: Photo) -> str:
        return format_html('<img src="{}?size=large" alt="photo with face boxes">',
                           reverse("admin:recognition_photo_thumbnail", args=[photo.pk]))

    @admin.action(description="Erase all biometric data of the selected photos' owners", permissions=["delete"])
    def erase_owners_biometric_data(self, request: HttpRequest, queryset: QuerySet[Photo]) -> None:
        erase_people(self, request, [p.owner for p in queryset.select_related("owner")])

    def delete_model(self, request: HttpRequest, obj: Photo) -> None:
        delete_photos([obj])  # the file too

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Photo]) -> None:
        delete_photos(queryset)


@admin.register(Face)
class FaceAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "id", "photo_owner", "index", "skin", "undertone", "face_shape", "age_band",
                    "quality", "subject", "consent"]
    list_filter = ["detector", "subject__consent"]
    search_fields = ["photo__owner__username", "photo__id", "subject__name"]
    list_select_related = ["photo__owner", "subject"]
    fields = ["thumbnail", "photo", "index", "box", "landmarks", "detector", "detection_score", "quality",
              "quality_details", "attributes", "subject", "consent", "enrolled_at", "embedding_model_version",
              "attributes_model_version", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # faces come only from analysis

    def get_urls(self) -> list[URLPattern | URLResolver]:
        return [path("<int:face_id>/thumbnail/", self.admin_site.admin_view(self.thumbnail_view),
                     name="recognition_face_thumbnail"), *super().get_urls()]

    def thumbnail_view(self, request: HttpRequest, face_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return _image_response(face_thumbnail(face=get_object_or_404(Face.objects.select_related("photo"),
                                                                     pk=face_id)))

    @admin.display(description="face")
    def thumbnail(self, face: Face) -> str:
        return format_html('<img src="{}" width="64" height="64" alt="face">',
                           reverse("admin:recognition_face_thumbnail", args=[face.pk]))

    @admin.display(description="owner", ordering="photo__owner__username")
    def photo_owner(self, face: Face) -> Any:
        return face.photo.owner

    @admin.display(description="skin")
    def skin(self, face: Face) -> str:
        skin = face.attributes.get("skin") or {}
        if not skin.get("hex"):
            return ""
        return format_html('<span style="white-space:nowrap"><span style="display:inline-block;width:24px;'
                           'height:16px;border:1px solid #888;background:{}"></span> Monk {}</span>', skin["hex"],
                           skin.get("monk", "?"))

    @admin.display(description="undertone")
    def undertone(self, face: Face) -> str:
        return (face.attributes.get("undertone") or {}).get("label", "")

    @admin.display(description="face shape")
    def face_shape(self, face: Face) -> str:
        return (face.attributes.get("face_shape") or {}).get("label", "")

    @admin.display(description="age band")
    def age_band(self, face: Face) -> str:
        return (face.attributes.get("age") or {}).get("band", "")

    @admin.display(description="consent", boolean=True)
    def consent(self, face: Face) -> bool | None:
        """Enrolled faces carry their subject's consent; faces only analysed have none to give (blank)."""
        return face.subject.consent if face.subject else None


class SubjectForm(forms.ModelForm):
    class Meta:
        model = Subject
        fields = ["owner", "user", "name", "consent"]

    def clean_consent(self) -> bool:
        consent = self.cleaned_data["consent"]
        if not consent and self.instance._state.adding:
            raise forms.ValidationError("A subject can be created only with the person's consent.",
                                        code="consent_required")
        return consent


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    """Consent changes go through ``update_subject``, so withdrawing it here erases as the API does."""

    form = SubjectForm
    list_display = ["thumbnail", "name", "owner", "user", "consent", "consent_at", "enrolled_faces", "created_at"]
    list_filter = ["consent"]
    search_fields = ["name", "owner__username", "user__username", "id"]
    readonly_fields = ["id", "consent_at", "template_model_version", "created_at", "updated_at"]
    actions = ["erase_linked_users_biometric_data"]

    def save_model(self, request: HttpRequest, obj: Subject, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.consent_at = timezone.now()  # the form refuses a new subject without consent
            obj.save()
            return
        others = [name for name in form.changed_data if name != "consent"]
        if others:
            obj.save(update_fields=[*others, "updated_at"])
        if "consent" in form.changed_data:
            update_subject(actor=request.user, subject=Subject.objects.get(pk=obj.pk), fields={"consent": obj.consent})

    @admin.display(description="face")
    def thumbnail(self, subject: Subject) -> str:
        face = subject.faces.order_by("-enrolled_at").first()
        if face is None:
            return ""
        return format_html('<img src="{}" width="48" height="48" alt="face">',
                           reverse("admin:recognition_face_thumbnail", args=[face.pk]))

    @admin.display(description="enrolled faces")
    def enrolled_faces(self, subject: Subject) -> int:
        return subject.faces.count()

    @admin.action(description="Erase all biometric data of the selected subjects' linked users",
                  permissions=["delete"])
    def erase_linked_users_biometric_data(self, request: HttpRequest, queryset: QuerySet[Subject]) -> None:
        erase_people(self, request, [s.user for s in queryset.select_related("user")])

    def delete_model(self, request: HttpRequest, obj: Subject) -> None:
        delete_subject(subject=obj)  # logs the gallery change so workers drop it

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Subject]) -> None:
        for subject in queryset:
            delete_subject(subject=subject)


@admin.register(GalleryChange)
class GalleryChangeAdmin(admin.ModelAdmin):
    list_display = ["seq", "subject_id", "created_at"]
    readonly_fields = ["seq", "subject_id", "created_at"]


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class BiometricUserAdmin(UserAdmin):
    """The stock user admin plus the right-to-erasure action (the same service as DELETE /api/v1/me/biometrics/)."""

    actions = ["erase_biometric_data"]

    @admin.action(description="Erase all biometric data of the selected users", permissions=["delete"])
    def erase_biometric_data(self, request: HttpRequest, queryset: QuerySet) -> None:
        erase_people(self, request, queryset)
