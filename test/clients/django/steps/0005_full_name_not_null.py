# VALIDATE in its own transaction (not the one that added the NOT VALID check), then
# Django's own AlterField: its SET NOT NULL is proven by the valid check, so no scan.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_full_name_check")]
    operations = [
        migrations.RunSQL("ALTER TABLE users VALIDATE CONSTRAINT users_full_name_nn", migrations.RunSQL.noop),
        migrations.AlterField(model_name="user", name="full_name", field=models.TextField()),
        migrations.RunSQL(
            "ALTER TABLE users DROP CONSTRAINT users_full_name_nn",
            "ALTER TABLE users ADD CONSTRAINT users_full_name_nn CHECK (full_name IS NOT NULL) NOT VALID",
        ),
    ]
