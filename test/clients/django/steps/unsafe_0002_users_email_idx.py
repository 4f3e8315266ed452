# makemigrations' output for Meta.indexes = [Index(fields=["email"])]: atomic, CREATE INDEX
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AddIndex(model_name="user", index=models.Index(fields=["email"], name="users_email_idx")),
    ]
