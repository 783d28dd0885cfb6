"""Members' reports are called incident reports, apart from the dashboards of
the reports app. The table is renamed; rows and photo files stay (photos keep
their ``reports/`` upload prefix)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0009_notification_to_outbox"),
    ]

    operations = [
        migrations.RenameModel(old_name="MemberReport", new_name="IncidentReport"),
        migrations.AlterField(
            model_name="incidentreport",
            name="network",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="incident_reports",
                to="networks.network",
                verbose_name="network",
            ),
        ),
        migrations.AlterField(
            model_name="incidentreport",
            name="member",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="incident_reports",
                to="members.member",
                verbose_name="reported by",
            ),
        ),
    ]
