# email = TextField(null=True) becomes TextField(): SET NOT NULL scans the filled table
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AlterField(model_name="user", name="email", field=models.TextField()),
    ]
