"""Admin views of the recognition data. Biometric fields (embeddings, templates) are never shown or editable."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from recognition.models import Face, GalleryChange, Photo, Subject
from recognition.services.erasure import erase_biometrics
from recognition.services.photos import delete_photos
from recognition.services.subjects import delete_subject


class FaceInline(admin.TabularInline):
    model = Face
    fields = ["index", "box", "detector", "detection_score", "quality", "subject", "embedding_model_version"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "width", "height", "face_count", "analyzed_at", "created_at"]
    list_filter = ["detector"]
    search_fields = ["id", "owner__username"]
    readonly_fields = [f.name for f in Photo._meta.fields]
    inlines = [FaceInline]

    def delete_model(self, request: HttpRequest, obj: Photo) -> None:
        delete_photos([obj])  # the file too

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Photo]) -> None:
        delete_photos(queryset)


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "user", "consent", "consent_at", "created_at"]
    list_filter = ["consent"]
    search_fields = ["name", "owner__username", "user__username", "id"]
    readonly_fields = ["id", "consent_at", "template_model_version", "created_at", "updated_at"]
    exclude = ["template"]

    def delete_model(self, request: HttpRequest, obj: Subject) -> None:
        delete_subject(subject=obj)  # logs the gallery change so workers drop it

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Subject]) -> None:
        for subject in queryset:
            delete_subject(subject=subject)


@admin.register(GalleryChange)
class GalleryChangeAdmin(admin.ModelAdmin):
    list_display = ["seq", "subject_id", "created_at"]
    readonly_fields = ["seq", "subject_id", "created_at"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class BiometricUserAdmin(UserAdmin):
    """The stock user admin plus the right-to-erasure action (the same service as DELETE /api/v1/me/biometrics/)."""

    actions = ["erase_biometric_data"]

    @admin.action(description="Erase all biometric data of the selected users", permissions=["delete"])
    def erase_biometric_data(self, request: HttpRequest, queryset: QuerySet) -> None:
        for user in queryset:
            removed = erase_biometrics(user)
            self.message_user(request, f"{user.get_username()}: erased "
                              + ", ".join(f"{count} {kind}" for kind, count in sorted(removed.items())),
                              messages.SUCCESS)
