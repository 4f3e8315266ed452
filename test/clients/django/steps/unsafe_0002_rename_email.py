# makemigrations' output after renaming the field (and answering "yes, renamed")
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RenameField(model_name="user", old_name="email", new_name="mail"),
    ]
