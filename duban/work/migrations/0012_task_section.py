# The plan's group headings an imported list's section rows (一、二、…) become.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("work", "0011_official_progress"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicaltask",
            name="section",
            field=models.CharField(blank=True, max_length=300, verbose_name="section"),
        ),
        migrations.AddField(
            model_name="task",
            name="section",
            field=models.CharField(blank=True, max_length=300, verbose_name="section"),
        ),
    ]
