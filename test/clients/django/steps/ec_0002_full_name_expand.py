# Expand-contract migration A, in Django's default atomic migration: the helpers' calls
# in plain SQL, the model state told separately. The backfill and the index build start
# when Django's transaction commits. A list of statements, not one string: a string of
# several statements needs sqlparse, which Debian's python3-django does not pull in.
# Migrating back to 0001 before the contract aborts the migration: every step undone.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RunSQL(
            [
                "SELECT migration_helpers.start_migration('users_full_name')",
                "SELECT migration_helpers.add_column('users_full_name', 'users', 'full_name', 'text', backfill_expr => $$first_name || ' ' || last_name$$)",
                "SELECT migration_helpers.add_not_null('users_full_name', 'users', 'full_name')",
                "SELECT migration_helpers.add_index('users_full_name', 'users', 'full_name', 'users_full_name_idx')",
            ],
            reverse_sql="SELECT migration_helpers.abort_migration('users_full_name')",
            state_operations=[
                migrations.AddField(model_name="user", name="full_name", field=models.TextField(null=True)),
                migrations.AddIndex(model_name="user", index=models.Index(fields=["full_name"], name="users_full_name_idx")),
            ],
        ),
    ]
