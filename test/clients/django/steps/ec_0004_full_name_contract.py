# Expand-contract migration B (contract), atomic: VALIDATE, SET NOT NULL proven by the
# check, the check and the trigger dropped. Not reversible.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_full_name_wait")]
    operations = [
        migrations.RunSQL(
            "SELECT migration_helpers.complete_migration('users_full_name')",
            state_operations=[migrations.AlterField(model_name="user", name="full_name", field=models.TextField())],
        ),
    ]
