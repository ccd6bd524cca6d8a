"""Embeddings are kept for enrolled faces only (a consent record covers them): clear the ones analysis stored."""

from django.db import migrations, models


def forget_unenrolled_embeddings(apps, schema_editor) -> None:
    Face = apps.get_model("recognition", "Face")
    Face.objects.filter(subject__isnull=True).update(embedding=None, embedding_model_version=None)


class Migration(migrations.Migration):

    dependencies = [
        ("recognition", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="face",
            name="embedding",
            field=models.BinaryField(blank=True, help_text="float32 x 128, unit length; stored for enrolled faces only",
                                     null=True),
        ),
        migrations.RunPython(forget_unenrolled_embeddings, migrations.RunPython.noop),
    ]
