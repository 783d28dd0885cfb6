from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("networks", "0005_roleassignment_awaiting_screening")]

    operations = [
        migrations.AddField(
            model_name="policezone",
            name="api_publishing_allowed",
            field=models.BooleanField(
                default=False,
                help_text="Officers' API tokens with the publish scope may publish messages to this zone's networks (e.g. from a dispatch system).",
                verbose_name="API publishing allowed",
            ),
        ),
    ]
