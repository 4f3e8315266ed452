"""full_name: wait for migration A's backfill and index build"""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade():
    # migration_wait commits between its polls: it cannot run in a transaction block, and an
    # index build waits for every older transaction, so no transaction may wait for it
    with op.get_context().autocommit_block():
        op.execute("CALL migration_helpers.migration_wait('users_full_name', '60s')")


def downgrade():
    pass
