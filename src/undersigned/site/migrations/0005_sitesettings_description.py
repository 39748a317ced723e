"""The site's own description, for pages that have no summary to show in search results."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("site", "0004_alter_linkpage_link_url"),
    ]

    operations = [
        migrations.AddField(
            model_name="sitesettings",
            name="description",
            field=models.CharField(
                blank=True,
                help_text=(
                    "A sentence or two about the organisation, shown under links to this site "
                    "in search results and shared posts when a page has no summary of its own."
                ),
                max_length=300,
                verbose_name="description for search results",
            ),
        ),
    ]
