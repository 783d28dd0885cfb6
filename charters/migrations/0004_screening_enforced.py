"""Coordinator and co-coordinator roles without an accepted screening await
it from now on (the circular's rule, ``RoleAssignment.awaiting_screening``):
the zone's officers find them on their home page and record the screening."""

from django.db import migrations

SCREENED_ROLES = ("coordinator", "co_coordinator")


def forwards(apps, schema_editor):
    RoleAssignment = apps.get_model("networks", "RoleAssignment")
    ScreeningRecord = apps.get_model("charters", "ScreeningRecord")
    waiting = []
    rows = RoleAssignment.objects.filter(revoked_at__isnull=True, role__in=SCREENED_ROLES)
    for assignment in rows.only("pk", "network_id", "user_id"):
        latest = (
            ScreeningRecord.objects.filter(
                network_id=assignment.network_id, user_id=assignment.user_id
            )
            .order_by("-consent_on", "-pk")
            .values_list("outcome", flat=True)
            .first()
        )
        if latest != "accepted":
            waiting.append(assignment.pk)
    RoleAssignment.objects.filter(pk__in=waiting).update(awaiting_screening=True)


class Migration(migrations.Migration):
    dependencies = [
        ("charters", "0003_signature_once_unless_voided"),
        ("networks", "0005_roleassignment_awaiting_screening"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
