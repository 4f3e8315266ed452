# The whole NOT NULL recipe in one (atomic) migration: VALIDATE runs in the transaction
# whose ADD CONSTRAINT ... NOT VALID holds ACCESS EXCLUSIVE on users until commit.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_full_name")]
    operations = [
        migrations.RunSQL("SELECT migration_helpers.backfill_wait(relation => 'users')", migrations.RunSQL.noop),
        migrations.RunSQL("ALTER TABLE users ADD CONSTRAINT users_full_name_nn CHECK (full_name IS NOT NULL) NOT VALID"),
        migrations.RunSQL("ALTER TABLE users VALIDATE CONSTRAINT users_full_name_nn"),
        migrations.AlterField(model_name="user", name="full_name", field=models.TextField()),
    ]
