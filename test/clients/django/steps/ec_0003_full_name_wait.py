# Wait for migration A's backfill and index build: a procedure that commits between its
# polls, so it needs a migration outside a transaction (atomic = False). An index build
# waits for every older transaction, so no transactional migration can wait for it.
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0002_full_name_expand")]
    operations = [
        migrations.RunSQL("CALL migration_helpers.migration_wait('users_full_name', '60s')", migrations.RunSQL.noop),
    ]
