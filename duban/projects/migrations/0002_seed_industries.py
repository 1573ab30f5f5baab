from django.db import migrations

from duban.projects.seed import seed_industries


def seed(apps, schema_editor):
    seed_industries(apps.get_model("projects", "Industry"))


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
