# Expand and backfill, in Django's default transaction: the job starts at commit.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_users_email_idx")]
    operations = [
        migrations.AddField(model_name="user", name="full_name", field=models.TextField(null=True)),
        migrations.RunSQL(
            "SELECT migration_helpers.backfill('users', $$full_name = first_name || ' ' || last_name$$, batch_size => 50, min_batch_size => 50, max_batch_size => 50, pause => '200ms')",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
