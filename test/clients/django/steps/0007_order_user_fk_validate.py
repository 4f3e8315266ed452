# In its own transaction: SHARE UPDATE EXCLUSIVE, writes go on while it scans.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0006_order_user_fk")]
    operations = [
        migrations.RunSQL("ALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey", migrations.RunSQL.noop),
    ]
