# Once no deployed version reads them: first_name and last_name retired, one atomic migration
# (drop_column does nothing at expand, so start and complete may share a transaction).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_full_name_contract")]
    operations = [
        migrations.RunSQL(
            [
                "SELECT migration_helpers.start_migration('users_drop_names')",
                "SELECT migration_helpers.drop_column('users_drop_names', 'users', 'first_name')",
                "SELECT migration_helpers.drop_column('users_drop_names', 'users', 'last_name')",
                "SELECT migration_helpers.complete_migration('users_drop_names')",
            ],
            state_operations=[
                migrations.RemoveField(model_name="user", name="first_name"),
                migrations.RemoveField(model_name="user", name="last_name"),
            ],
        ),
    ]
