# Wait for the backfill (started by 0003's commit), then a NOT VALID check: instant.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_full_name")]
    operations = [
        migrations.RunSQL("SELECT migration_helpers.backfill_wait(relation => 'users')", migrations.RunSQL.noop),
        migrations.RunSQL(
            "ALTER TABLE users ADD CONSTRAINT users_full_name_nn CHECK (full_name IS NOT NULL) NOT VALID",
            "ALTER TABLE users DROP CONSTRAINT users_full_name_nn",
        ),
    ]
