"""Import file names kept before upload names were cleaned lose their control
and bidirectional-override characters (bin_platform.uploads)."""

from django.db import migrations

from bin_platform.uploads import upload_name_clean


def clean(apps, schema_editor):
    MemberImport = apps.get_model("members", "MemberImport")
    for member_import in MemberImport.objects.only("pk", "filename").iterator():
        name = upload_name_clean(member_import.filename, default="upload")
        if name != member_import.filename:
            MemberImport.objects.filter(pk=member_import.pk).update(filename=name)


class Migration(migrations.Migration):
    dependencies = [("members", "0006_import_attestation")]

    operations = [migrations.RunPython(clean, migrations.RunPython.noop)]
