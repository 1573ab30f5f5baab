# How long a unit took to file a report: from opening the form to submitting it
# (duban/work/filing.py), for the reporting burden (duban/assessment/burden.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('work', '0013_deadline_note_quarterly'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalprogressreport',
            name='seconds_to_file',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='progressreport',
            name='seconds_to_file',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
    ]
