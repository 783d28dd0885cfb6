"""The outbox stops knowing members: the member foreign key becomes a generic
"about" reference (the same member, nothing lost), the caller's "sensitive"
flag replaces the list of secret kinds, and SMS delivery reports get their
statuses. The table takes the outbox's name."""

import django.db.models.deletion
from django.db import migrations, models

# The kinds whose text carried a secret when messaging listed them itself.
SECRET_KINDS = (
    "signup_sms_code",
    "signup_email_link",
    "signup_duplicate_notice",
    "welcome",
    "self_service_new_link",
)


def member_to_about(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Notification = apps.get_model("outbox", "Notification")
    member_type, _created = ContentType.objects.get_or_create(app_label="members", model="member")
    Notification.objects.filter(member__isnull=False).update(
        about_type=member_type, about_id=models.F("member_id")
    )
    Notification.objects.filter(kind__in=SECRET_KINDS).update(sensitive=True)


def about_to_member(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Notification = apps.get_model("outbox", "Notification")
    Member = apps.get_model("members", "Member")
    member_type = ContentType.objects.filter(app_label="members", model="member").first()
    if member_type is None:
        return
    rows = Notification.objects.filter(about_type=member_type)
    # Only members that still exist can be linked again.
    rows.filter(about_id__in=Member.objects.values("pk")).update(member_id=models.F("about_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("members", "0004_readable_duplicate_messages"),
        ("outbox", "0001_notification_from_messaging"),
        ("messaging", "0009_notification_to_outbox"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="sensitive",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="notification",
            name="about_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="about_id",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="delivered_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(member_to_about, about_to_member),
        migrations.RemoveField(model_name="notification", name="member"),
        migrations.AlterField(
            model_name="notification",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("delivered", "Delivered"),
                    ("undelivered", "Not delivered"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                ],
                db_index=True,
                default="queued",
                max_length=11,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="provider_id",
            field=models.CharField(blank=True, db_index=True, max_length=120),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["about_type", "about_id"], name="notification_about_idx"),
        ),
        migrations.AlterModelTable(name="notification", table=None),
    ]
