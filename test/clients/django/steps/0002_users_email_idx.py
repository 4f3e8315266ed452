# The safe form: AddIndexConcurrently needs a non-atomic migration.
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0001_initial")]
    operations = [
        AddIndexConcurrently(model_name="user", index=models.Index(fields=["email"], name="users_email_idx")),
    ]
