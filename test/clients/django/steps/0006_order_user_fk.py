# The foreign key without the scan: the state gets Django's ForeignKey (no index here:
# add it with AddIndexConcurrently), the database a NOT VALID constraint.
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0005_full_name_not_null")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="order", name="user_id",
                    field=models.ForeignKey(db_column="user_id", db_index=False,
                                            on_delete=django.db.models.deletion.CASCADE, to="shop.user"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)"
                    " DEFERRABLE INITIALLY DEFERRED NOT VALID",
                    "ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey",
                ),
            ],
        ),
    ]
