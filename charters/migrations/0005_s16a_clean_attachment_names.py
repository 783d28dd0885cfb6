"""Founding attachments' names kept before upload names were cleaned lose
their control and bidirectional-override characters (bin_platform.uploads)."""

from django.db import migrations

from bin_platform.uploads import upload_name_clean


def clean(apps, schema_editor):
    FoundingAttachment = apps.get_model("charters", "FoundingAttachment")
    for attachment in FoundingAttachment.objects.only("pk", "original_name").iterator():
        name = upload_name_clean(attachment.original_name)
        if name != attachment.original_name:
            FoundingAttachment.objects.filter(pk=attachment.pk).update(original_name=name)


class Migration(migrations.Migration):
    dependencies = [("charters", "0004_screening_enforced")]

    operations = [migrations.RunPython(clean, migrations.RunPython.noop)]
