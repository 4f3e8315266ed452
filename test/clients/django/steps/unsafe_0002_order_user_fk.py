# user_id = BigIntegerField() becomes ForeignKey(User): Django adds the constraint without NOT VALID
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AlterField(
            model_name="order", name="user_id",
            field=models.ForeignKey(db_column="user_id", on_delete=django.db.models.deletion.CASCADE, to="shop.user"),
        ),
    ]
