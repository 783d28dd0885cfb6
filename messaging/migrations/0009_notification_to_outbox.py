"""Notification now belongs to the outbox app (outbox 0001 took it over with
its table); messaging only lets go of it in its state."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0008_delivery_leaner_indexes"),
        ("outbox", "0001_notification_from_messaging"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
