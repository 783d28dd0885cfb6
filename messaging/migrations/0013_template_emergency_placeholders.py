"""The standard urgent template named Belgium's police number (101) to every
zone. Its texts now carry ``{police}`` and ``{emergency}``, filled from the
country of whoever composes (``message_template_initial``)."""

from django.db import migrations

TITLE = "Burglars active / Cambrioleurs actifs"
REPLACEMENTS = (
    ("Bel 101 (nood: 112)", "Bel {police} (nood: {emergency})"),
    ("Bel meteen 101, bij nood 112", "Bel meteen {police}, bij nood {emergency}"),
    ("Appelez le 101 (urgence: 112)", "Appelez le {police} (urgence: {emergency})"),
    ("Appelez immédiatement le 101, en cas d'urgence le 112",
     "Appelez immédiatement le {police}, en cas d'urgence le {emergency}"),
)  # fmt: skip


def _replace(apps, pairs):
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    for template in MessageTemplate.objects.filter(title=TITLE, police_zone__isnull=True):
        texts = template.texts
        for parts in texts.values():
            for part, text in parts.items():
                for old, new in pairs:
                    text = text.replace(old, new)
                parts[part] = text
        template.texts = texts
        template.save(update_fields=["texts"])


def forwards(apps, schema_editor):
    _replace(apps, REPLACEMENTS)


def backwards(apps, schema_editor):
    _replace(apps, [(new, old) for old, new in REPLACEMENTS])


class Migration(migrations.Migration):
    dependencies = [("messaging", "0012_incident_shared_with_coordinators")]

    operations = [migrations.RunPython(forwards, backwards)]
